/**
 * `npm run test:vscode`: the end-to-end scenarios in a desktop VS Code, for developers whose
 * machine can download VS Code (this repo's CI and dev machines cannot; there
 * `npm run test:e2e` runs them in code-server). Needs @vscode/test-electron, which is not a
 * dependency: `npm install --no-save @vscode/test-electron` first. scripts/e2e-run.sh
 * --vscode packages dist/ml-hygiene.vsix before this runs.
 *
 * It downloads VS Code (stable, or ML_HYGIENE_VSCODE_VERSION), installs the .vsix into a
 * fresh extensions folder, opens a temporary copy of examples/ and loads
 * test/e2e/vscode/suite.ts (bundled with esbuild) as the extension tests.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { copyExamples, REPO } from '../workspace';

interface TestElectron {
  downloadAndUnzipVSCode(version?: string): Promise<string>;
  resolveCliArgsFromVSCodeExecutablePath(executable: string, options?: { reuseMachineInstall?: boolean }): string[];
  runTests(options: {
    vscodeExecutablePath: string;
    extensionDevelopmentPath: string;
    extensionTestsPath: string;
    launchArgs: string[];
    extensionTestsEnv?: Record<string, string>;
  }): Promise<number>;
}

async function main(): Promise<void> {
  const electron = require('@vscode/test-electron') as TestElectron;
  const vsix = path.join(REPO, 'dist', 'ml-hygiene.vsix');
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run npm run package`);

  // The suite runs in the extension host, which loads plain CommonJS: bundle it (mocha stays
  // external and resolves from the repo's node_modules).
  const outDir = path.join(REPO, 'out', 'e2e-vscode');
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'suite.ts')],
    outfile: path.join(outDir, 'suite.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
  });
  // extensionDevelopmentPath must name an extension: an empty one, so only the installed .vsix is ours.
  const stub = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-hygiene-e2e-stub-'));
  fs.writeFileSync(path.join(stub, 'package.json'), JSON.stringify({ name: 'ml-hygiene-e2e-stub', publisher: 'test', version: '0.0.0', engines: { vscode: '*' } }));

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-hygiene-vscode-'));
  const extensionsDir = path.join(root, 'extensions');
  const userDataDir = path.join(root, 'user-data');
  const executable = await electron.downloadAndUnzipVSCode(process.env.ML_HYGIENE_VSCODE_VERSION);
  const [cli, ...cliArgs] = electron.resolveCliArgsFromVSCodeExecutablePath(executable);
  const install = spawnSync(cli, [...cliArgs, '--extensions-dir', extensionsDir, '--install-extension', vsix], { encoding: 'utf8', stdio: 'inherit' });
  if (install.status !== 0) throw new Error(`installing ${vsix} failed (${install.status})`);

  const workspace = copyExamples();
  try {
    await electron.runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: stub,
      extensionTestsPath: path.join(outDir, 'suite.js'),
      launchArgs: [workspace, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: { ML_HYGIENE_E2E_RESULTS: path.join(REPO, 'test-results', 'e2e') },
    });
  } finally {
    fs.rmSync(path.dirname(workspace), { recursive: true, force: true });
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(stub, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
