/** Runs the built CLI (bin/ml-hygiene.js -> dist/cli.js) as a child process. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const REPO = path.join(__dirname, '..', '..');
export const CLI = path.join(REPO, 'bin', 'ml-hygiene.js');

export function runCli(args: string[], cwd = REPO, timeoutMs = 120000): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
