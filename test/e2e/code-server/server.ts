/**
 * Starts code-server (installed by scripts/e2e-install.sh) with the packaged .vsix
 * installed into a fresh extensions folder, a fresh profile and HOME, on a free port,
 * and stops it with everything it started (extension host, language server).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface CodeServer {
  url: string;
  /** Where the extension is installed (its package.json is the manifest the scenarios read). */
  extensionDir: string;
  logFile: string;
  stop(): Promise<void>;
}

/** Settings for a quiet, deterministic window: no tips, no telemetry, no word completions that Enter would accept. */
const SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.suggestOnTriggerCharacters': false,
  'editor.acceptSuggestionOnEnter': 'off',
  'editor.parameterHints.enabled': false,
  'editor.hover.enabled': false,
  'editor.minimap.enabled': false,
  'editor.stickyScroll.enabled': false,
  'files.autoSave': 'off',
  'problems.showCurrentInStatus': false,
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function healthy(url: string, timeoutMs: number, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; log:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs} ms; log:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
}

export async function startCodeServer(opts: { bin: string; vsix: string; workspace: string; resultsDir: string }): Promise<CodeServer> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-hygiene-code-server-'));
  const home = path.join(root, 'home');
  const userData = path.join(root, 'user-data');
  const extensions = path.join(root, 'extensions');
  for (const d of [home, path.join(userData, 'User'), extensions]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  // HOME and XDG_* inside the temporary folder: code-server writes nothing under the real home.
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
  };
  const base = ['--user-data-dir', userData, '--extensions-dir', extensions];
  execFileSync(opts.bin, [...base, '--install-extension', opts.vsix], { env, stdio: 'pipe', timeout: 120_000 });
  const installed = fs.readdirSync(extensions).find((d) => d.startsWith('ml-hygiene.ml-hygiene-'));
  if (!installed) throw new Error(`the .vsix did not install into ${extensions}: ${fs.readdirSync(extensions).join(', ')}`);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  fs.mkdirSync(opts.resultsDir, { recursive: true });
  const logFile = path.join(opts.resultsDir, 'code-server.log');
  const log = fs.openSync(logFile, 'w');
  const args = [
    ...base,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    opts.workspace,
  ];
  // detached: its own process group, so stop() ends the extension host and language server with it.
  const child = spawn(opts.bin, args, { env, detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    // Keep the window's logs (extension host, our output channel) with the screenshots.
    const logs = path.join(userData, 'logs');
    if (fs.existsSync(logs)) fs.cpSync(logs, path.join(opts.resultsDir, 'logs'), { recursive: true });
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    await healthy(url, 60_000, child, logFile);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, extensionDir: path.join(extensions, installed), logFile, stop };
}
