// Bundles the client, the language server, the CLI and their workers into dist/ with
// esbuild (type checking is `npm run typecheck`, kept apart from bundling), and copies
// the tree-sitter wasm files next to the bundles, where server/src/engine/parser.ts
// looks for them.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });

const entries = {
  client: 'client/src/extension.ts',
  server: 'server/src/lsp/main.ts',
  cli: 'server/src/cli/main.ts',
  'lint-worker': 'server/src/cli/lint-worker.ts',
};
// Optional entries appear as their issues land; build what exists.
const optional = {
  'bench-runner': 'server/src/bench/runner-process.ts',
  'layout-worker': 'server/src/graph/layout-worker.ts',
};
for (const [name, file] of Object.entries(optional)) if (existsSync(join(root, file))) entries[name] = file;

const watch = process.argv.includes('--watch');
const ctx = await esbuild.context({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, join(root, v)])),
  outdir: dist,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  // vscode is provided by the host; onnxruntime-node is a native addon loaded from node_modules.
  external: ['vscode', 'onnxruntime-node'],
  logLevel: 'warning',
  legalComments: 'none',
  // web-tree-sitter's CommonJS build reads import.meta.url to find its wasm; give the
  // bundle its own file URL (parser.ts passes locateFile anyway).
  define: { 'import.meta.url': '__bundleFileUrl' },
  banner: { js: "var __bundleFileUrl = require('url').pathToFileURL(__filename).href;" },
});

// Webview bundles run in the browser.
const webviewDir = join(root, 'webviews', 'src');
let webCtx;
if (existsSync(webviewDir)) {
  const webEntries = readdirSync(webviewDir).filter((f) => /^[a-z-]+\.main\.ts$/.test(f));
  if (webEntries.length)
    webCtx = await esbuild.context({
      absWorkingDir: root,
      entryPoints: webEntries.map((f) => join(webviewDir, f)),
      outdir: join(dist, 'webviews'),
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
      sourcemap: 'linked',
      logLevel: 'warning',
      loader: { '.css': 'css', '.ttf': 'file' },
    });
}

const wasm = [
  ['web-tree-sitter', 'web-tree-sitter.wasm'],
  ['tree-sitter-python', 'tree-sitter-python.wasm'],
  ['tree-sitter-typescript', 'tree-sitter-typescript.wasm'],
  ['tree-sitter-typescript', 'tree-sitter-tsx.wasm'],
  ['tree-sitter-javascript', 'tree-sitter-javascript.wasm'],
];
for (const [pkg, file] of wasm) copyFileSync(require.resolve(`${pkg}/${file}`), join(dist, basename(file)));

if (watch) {
  await ctx.watch();
  await webCtx?.watch();
} else {
  await ctx.rebuild();
  await webCtx?.rebuild();
  await ctx.dispose();
  await webCtx?.dispose();
}
