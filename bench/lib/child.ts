/** Runs a measurement in a fresh node process (cold JIT, cold wasm tiers), timing the whole process. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ChildResult<T> {
  /** Wall time of the whole process, start to exit, in seconds. */
  wall: number;
  /** CPU time (user + system, all threads) of the whole process, when /usr/bin/time is there to say. */
  cpu?: number;
  status: number | null;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON, for children that report a result. */
  result?: T;
}

const TIME = '/usr/bin/time';
const haveTime = fs.existsSync(TIME);

export function runNode<T = unknown>(args: readonly string[], options: { cwd?: string; parseResult?: boolean } = {}): ChildResult<T> {
  const timeFile = path.join(os.tmpdir(), `mlh-bench-time-${process.pid}.txt`);
  const [cmd, argv] = haveTime ? [TIME, ['-o', timeFile, '-f', '%U %S', process.execPath, ...args]] : [process.execPath, [...args]];
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd: options.cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.error) throw r.error;
  const out: ChildResult<T> = { wall, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (haveTime) {
    try {
      // /usr/bin/time writes "Command exited with non-zero status N" first when the command fails.
      const last = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
      const [user, sys] = last.split(/\s+/).map(Number);
      if (Number.isFinite(user) && Number.isFinite(sys)) out.cpu = user + sys;
    } catch {
      /* no CPU time then */
    }
    fs.rmSync(timeFile, { force: true });
  }
  if (options.parseResult) {
    const last = out.stdout.trim().split('\n').pop() ?? '';
    try {
      out.result = JSON.parse(last) as T;
    } catch {
      throw new Error(`child ${args.join(' ')} exited ${r.status} without a JSON result:\n${out.stdout.slice(-2000)}\n${out.stderr.slice(-4000)}`);
    }
  }
  return out;
}
