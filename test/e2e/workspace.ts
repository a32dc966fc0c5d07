/**
 * The workspace the end-to-end tests open: a fresh copy of examples/ in a temporary
 * folder for every run (the scenarios edit files and add broken ones; examples/ itself is
 * never touched), and the findings the CLI reports for it, which the editor must show.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Severity } from './driver';

export const REPO = path.resolve(__dirname, '..', '..');

/** Copies examples/ into a new temporary folder and returns its path. */
export function copyExamples(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-hygiene-e2e-'));
  const workspace = path.join(dir, 'examples');
  fs.cpSync(path.join(REPO, 'examples'), workspace, { recursive: true });
  // Copies keep examples' read-only modes; the scenarios write next to them.
  for (const f of fs.readdirSync(workspace, { recursive: true, withFileTypes: true })) {
    const p = path.join(f.parentPath, f.name);
    fs.chmodSync(p, f.isDirectory() ? 0o755 : 0o644);
  }
  return workspace;
}

export interface CliFinding {
  file: string;
  line: number;
  column: number;
  rule: string;
  severity: Severity;
  message: string;
}

/** What `ml-hygiene lint --format json` (the bundled CLI in dist/) reports for one file. */
export function cliFindings(file: string): CliFinding[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'lint', file, '--format', 'json', '--no-progress'], {
      encoding: 'utf8',
      // Inside VS Code's extension host process.execPath is Electron: run it as node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
  } catch (e) {
    // Exit status 1 means "findings"; anything else is a real failure.
    const err = e as { status?: number; stdout?: string; stderr?: string };
    if (err.status !== 1 || !err.stdout) throw new Error(`ml-hygiene lint ${file} failed (${err.status}): ${err.stderr}`);
    out = err.stdout;
  }
  return JSON.parse(out) as CliFinding[];
}

/** A copy of the example model cut short: a protobuf that ends inside a field. */
export function writeBrokenModel(workspace: string): string {
  const good = fs.readFileSync(path.join(workspace, 'models', 'squeezenet.onnx'));
  const file = path.join(workspace, 'models', 'broken.onnx');
  fs.writeFileSync(file, good.subarray(0, Math.floor(good.length / 3)));
  return file;
}

/** Replaces the example project's configuration with YAML that does not parse. */
export function writeInvalidConfig(workspace: string): string {
  const file = path.join(workspace, 'ml-project', '.ml-hygiene.yaml');
  fs.writeFileSync(file, '# broken on purpose by the end-to-end tests\nseverity:\n  SER002: [error\nexclude: "scratch/**"\n');
  return file;
}
