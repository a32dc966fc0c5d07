/**
 * Shared test plumbing for the ONNX suite: temporary folders, Debian's Python with onnx
 * and torch as a real oracle/exporter, and a cache of exported models keyed by a hash of
 * the exporting script (exports take seconds; the cache keeps reruns fast).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Debian's interpreter: the `python3` first on PATH may be another one without onnx/torch. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const SHARED_MODELS = path.resolve(__dirname, '../../../shared/models/onnx-backend');
export const PYTHON_DIR = path.join(__dirname, 'python');

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mlh-${prefix}-`));
}

/**
 * Runs a script from test/onnx/python with Debian's Python. Fails with the apt packages to
 * install when the interpreter or a module is missing: the tests need real onnx/torch.
 */
export function runPython(script: string, args: string[], timeoutMs = 600_000): string {
  if (!fs.existsSync(SYSTEM_PYTHON)) throw new Error(`${SYSTEM_PYTHON} is missing: apt-get install -y python3-onnx python3-torch python3-torchvision`);
  const result = spawnSync(SYSTEM_PYTHON, [path.join(PYTHON_DIR, script), ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '2' },
  });
  if (result.status !== 0) {
    throw new Error(`${script} failed (exit ${result.status}${result.signal ? `, ${result.signal}` : ''}):\n${result.stderr}\n(needs apt packages python3-onnx python3-torch python3-torchvision)`);
  }
  return result.stdout;
}

/**
 * Output folder of a Python export script, cached in the temp dir under a hash of the
 * script's text, so an edited script exports again and an unchanged one is reused.
 */
export function cachedExport(script: string, args: string[] = []): string {
  const text = fs.readFileSync(path.join(PYTHON_DIR, script), 'utf8');
  const key = createHash('sha256').update(text).update(JSON.stringify(args)).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `mlh-onnx-export-${path.basename(script, '.py')}-${key}`);
  const done = path.join(dir, '.complete');
  if (fs.existsSync(done)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  runPython(script, [dir, ...args]);
  fs.writeFileSync(done, '');
  return dir;
}

/** Every .onnx file under a folder, sorted. */
export function onnxFilesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.onnx')) out.push(full);
    }
  };
  walk(root);
  return out.sort();
}
