// Packages the extension as a platform-specific .vsix (`npm run package [-- --target linux-x64]`).
//
// The benchmark runner loads onnxruntime-node, a native addon that esbuild cannot bundle:
// it is staged under dist/node_modules with only the target platform's binaries (45 MB for
// linux-x64 instead of 288 MB for all five), next to the bundles that require it, and
// the .vsix is marked for that platform, as VS Code expects of extensions with native code.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const targetAt = args.indexOf('--target');
const target = targetAt >= 0 ? args[targetAt + 1] : `${process.platform}-${process.arch}`;
const match = /^(linux|darwin|win32|alpine)-(x64|arm64)$/.exec(target ?? '');
if (!match) {
  console.error(`package: --target must be one of linux-x64, linux-arm64, darwin-arm64, win32-x64, win32-arm64, not '${target}'`);
  process.exit(2);
}
const [, platform, arch] = match;

execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit', cwd: root });

const staged = path.join(root, 'dist/node_modules');
fs.rmSync(staged, { recursive: true, force: true });
/** Copies the parts of an installed package that run (never its install scripts). */
function stage(name, parts) {
  const from = path.join(root, 'node_modules', name);
  const to = path.join(staged, name);
  for (const part of ['package.json', ...parts]) {
    const source = path.join(from, part);
    if (!fs.existsSync(source)) {
      console.error(`package: ${source} is missing: run npm ci, or the platform ${target} is not shipped by ${name}`);
      process.exit(1);
    }
    fs.cpSync(source, path.join(to, part), { recursive: true });
  }
}
stage('onnxruntime-common', ['dist']);
stage('onnxruntime-node', ['dist', `bin/napi-v6/${platform}/${arch}`]);

const vsce = path.join(root, 'node_modules/.bin/vsce');
execFileSync(vsce, [
  'package', '--no-dependencies', '--target', target, '--no-rewrite-relative-links', '--allow-missing-repository',
  '--skip-license', '--allow-unused-files-pattern', '-o', path.join(root, 'dist/ml-hygiene.vsix'),
], { stdio: 'inherit', cwd: root });
