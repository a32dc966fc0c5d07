/**
 * The parent side of the runner process: forks dist/bench-runner.js with
 * `child_process.fork`, sends it one job, relays its progress, and turns every way it can
 * end (result, error, crash, out-of-memory, time limit, cancellation) into a result or a
 * `BenchError` with a clear message. Used by the language server and the CLI; it never
 * loads onnxruntime itself.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchProgress, MachineCalibration, RunnerMessage, RunnerRequest, RunnerResult } from '../../../protocol/bench';
import { BenchError } from './errors';

export interface RunnerHooks {
  onProgress?: (progress: BenchProgress) => void;
  signal?: AbortSignal;
  /** Kill the runner past this (default 10 minutes). */
  timeLimitMs?: number;
  /** Called with the runner's pid once it is started (tests use it to kill it). */
  onStart?: (pid: number) => void;
}

export const DEFAULT_TIME_LIMIT_MS = 10 * 60 * 1000;

/** dist/bench-runner.js: next to the running bundle (dist/server.js, dist/cli.js), or the repository's dist/ from sources. */
export function runnerPath(): string {
  const candidates = [path.join(__dirname, 'bench-runner.js'), path.join(__dirname, '..', '..', '..', 'dist', 'bench-runner.js')];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new BenchError('runnerCrashed', `the benchmark runner (bench-runner.js) is missing: looked in ${candidates.join(', ')}; run \`npm run build\``);
  return found;
}

const STDERR_KEEP = 16 * 1024;

function describeExit(code: number | null, signal: NodeJS.Signals | null, stderr: string, phase: string | undefined): BenchError {
  const during = phase ? ` while ${phaseText(phase)}` : '';
  const log = stderr.trim();
  if (/JavaScript heap out of memory|Allocation failed|std::bad_alloc|Failed to allocate|out of memory/i.test(log) || signal === 'SIGKILL' && /oom|memory/i.test(log)) {
    return new BenchError('runnerCrashed', `the benchmark runner ran out of memory${during} and was ended; the language server and the editor are unaffected. Try smaller dims or batch size, or a machine with more memory.`, log);
  }
  if (signal === 'SIGKILL')
    return new BenchError('runnerCrashed', `the benchmark runner was killed (SIGKILL)${during}: by the kernel's out-of-memory killer or from outside. Nothing was measured; the language server is unaffected.`, log || undefined);
  if (signal)
    return new BenchError(
      'runnerCrashed',
      `the benchmark runner crashed (${signal})${during}: onnxruntime failed in native code on this model. Nothing was measured; the language server is unaffected.`,
      log || undefined,
    );
  return new BenchError('runnerCrashed', `the benchmark runner exited with code ${code}${during} before reporting a result`, log || undefined);
}

function phaseText(phase: string): string {
  switch (phase) {
    case 'loading': return 'reading the model';
    case 'creatingSession': return 'creating the onnxruntime session';
    case 'firstRun': return 'running the model for the first time';
    case 'probingDims': return 'probing dimensions';
    case 'warmup': return 'warming up';
    case 'measuring': return 'measuring';
    case 'profiling': return 'profiling';
    case 'calibrating': return 'calibrating the roofline';
    default: return phase;
  }
}

/** Runs one job in a fresh runner process. */
export function runInRunner(request: Extract<RunnerRequest, { type: 'benchmark' }>, hooks?: RunnerHooks): Promise<RunnerResult>;
export function runInRunner(request: Extract<RunnerRequest, { type: 'calibrate' }>, hooks?: RunnerHooks): Promise<MachineCalibration>;
export function runInRunner(request: RunnerRequest, hooks: RunnerHooks = {}): Promise<RunnerResult | MachineCalibration> {
  return new Promise((resolve, reject) => {
    if (hooks.signal?.aborted) return reject(new BenchError('cancelled', 'the benchmark was cancelled'));
    let child: ChildProcess;
    try {
      child = fork(runnerPath(), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [], serialization: 'advanced' });
    } catch (e) {
      return reject(e instanceof BenchError ? e : new BenchError('runnerCrashed', `cannot start the benchmark runner: ${(e as Error).message}`));
    }
    let stderr = '';
    let phase: string | undefined;
    let settled = false;
    const keep = (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-STDERR_KEEP);
    };
    child.stderr?.on('data', keep);
    child.stdout?.on('data', keep);
    const timeLimit = request.type === 'benchmark' ? request.options.timeLimitMs ?? hooks.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS : hooks.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    /** Settles once; `afterExit`: kill the runner and settle when it is gone (cancellation, time limit). */
    const finish = (fn: () => void, afterExit = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      hooks.signal?.removeEventListener('abort', onAbort);
      const alive = child.exitCode === null && child.signalCode === null;
      if (afterExit && alive) child.once('exit', fn);
      else fn();
      if (alive) child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      finish(() =>
        reject(new BenchError('timeLimit', `the benchmark went past its time limit of ${(timeLimit / 1000).toFixed(0)} s${phase ? ` while ${phaseText(phase)}` : ''} and was stopped; raise the limit or use fewer iterations.`)),
        true,
      );
    }, timeLimit);
    const onAbort = () => finish(() => reject(new BenchError('cancelled', `the benchmark was cancelled${phase ? ` while ${phaseText(phase)}` : ''}`)), true);
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: RunnerMessage) => {
      switch (m.type) {
        case 'progress':
          phase = m.progress.phase;
          hooks.onProgress?.(m.progress);
          break;
        case 'result':
          finish(() => resolve(m.result));
          break;
        case 'calibration':
          finish(() => resolve(m.calibration));
          break;
        case 'error': {
          const lines = stderr.split('\n').filter((l) => /error|fail|cannot|\[E:/i.test(l)).map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trim()).slice(-6);
          const detail = [m.error.detail, ...lines].filter(Boolean).join('\n');
          finish(() => reject(new BenchError(m.error.kind, m.error.message, detail || undefined, m.error.dims)));
          break;
        }
      }
    });
    child.on('error', (e) => finish(() => reject(new BenchError('runnerCrashed', `the benchmark runner failed: ${e.message}`))));
    child.on('exit', (code, signal) => finish(() => reject(describeExit(code, signal, stderr, phase))));
    if (child.pid !== undefined) hooks.onStart?.(child.pid);
    child.send(request);
  });
}
