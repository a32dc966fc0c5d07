/**
 * One benchmark end to end, for the language server and the CLI alike: checks the options,
 * runs the job in a fresh runner process, calibrates the roofline when the machine has no
 * cached calibration, and builds the report. Never loads onnxruntime in this process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXECUTION_PROVIDERS, GRAPH_OPTIMIZATION_LEVELS, type BenchOptions, type BenchProgress, type BenchReport, type MachineCalibration } from '../../../protocol/bench';
import { version } from '../../../package.json';
import { BenchError } from './errors';
import { machineFingerprint } from './machine';
import { buildReport, cachedCalibration, storeCalibration } from './report';
import { runInRunner, type RunnerHooks } from './runner-client';

/** Usage mistakes in the options, said before any process starts. */
export function validateOptions(o: BenchOptions): void {
  const whole = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new BenchError('usage', `${name} must be a whole number >= ${min}, not ${v}`);
  };
  whole('iterations', o.iterations, 1);
  whole('warmup', o.warmup, 0);
  whole('intra-op threads', o.intraOpThreads, 0);
  whole('inter-op threads', o.interOpThreads, 0);
  whole('batch size', o.batchSize, 1);
  whole('profile iterations', o.profileIterations, 1);
  whole('seed', o.seed, 0);
  if (o.durationMs !== undefined && !(o.durationMs > 0)) throw new BenchError('usage', `duration must be > 0 ms, not ${o.durationMs}`);
  if (o.timeLimitMs !== undefined && !(o.timeLimitMs > 0)) throw new BenchError('usage', `time limit must be > 0 ms, not ${o.timeLimitMs}`);
  if (o.provider !== undefined && !EXECUTION_PROVIDERS.includes(o.provider))
    throw new BenchError('usage', `unknown execution provider '${o.provider}'; onnxruntime-node knows: ${EXECUTION_PROVIDERS.join(', ')}`);
  if (o.graphOptimization !== undefined && !GRAPH_OPTIMIZATION_LEVELS.includes(o.graphOptimization))
    throw new BenchError('usage', `unknown graph optimization level '${o.graphOptimization}'; use one of ${GRAPH_OPTIMIZATION_LEVELS.join(', ')}`);
  if (o.valueRange && !(o.valueRange.min <= o.valueRange.max)) throw new BenchError('usage', `value range is empty: min ${o.valueRange.min} > max ${o.valueRange.max}`);
  for (const [k, v] of Object.entries(o.dims ?? {})) if (!Number.isInteger(v) || v < 0) throw new BenchError('usage', `dimension ${k} must be a whole number >= 0, not ${v}`);
}

export interface BenchHooks {
  onProgress?: (progress: BenchProgress) => void;
  signal?: AbortSignal;
  /** The runner's pid, for each runner process started. */
  onRunnerStart?: (pid: number) => void;
}

export async function benchmarkModel(modelPath: string, options: BenchOptions, hooks: BenchHooks = {}): Promise<BenchReport> {
  validateOptions(options);
  const absolute = path.resolve(modelPath);
  let fileSize: number;
  try {
    const st = fs.statSync(absolute);
    if (st.isDirectory()) throw new BenchError('modelLoad', `${absolute}: is a directory, not a model file`);
    fileSize = st.size;
  } catch (e) {
    if (e instanceof BenchError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new BenchError('modelLoad', `${absolute}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const wantRoofline = options.roofline !== false && (options.provider ?? 'cpu') === 'cpu';
  const threads = options.intraOpThreads ?? 0;
  const machine = machineFingerprint();
  let calibration: MachineCalibration | null = wantRoofline ? cachedCalibration(machine, threads) ?? null : null;
  const mustCalibrate = wantRoofline && !calibration;
  const scale = mustCalibrate ? 0.85 : 1;
  const hooksFor = (offset: number, weight: number): RunnerHooks => ({
    signal: hooks.signal,
    timeLimitMs: options.timeLimitMs,
    onStart: hooks.onRunnerStart,
    onProgress: (p) => hooks.onProgress?.({ ...p, percentage: p.percentage === undefined ? undefined : offset + weight * p.percentage }),
  });

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-bench-'));
  try {
    const result = await runInRunner({ type: 'benchmark', modelPath: absolute, options, workDir }, hooksFor(0, scale));
    const notes: string[] = [];
    if (mustCalibrate && result.work.flops > 0) {
      try {
        calibration = await runInRunner({ type: 'calibrate', threads }, hooksFor(100 * scale, 1 - scale));
        storeCalibration(calibration);
      } catch (e) {
        if (e instanceof BenchError && e.kind === 'cancelled') throw e;
        notes.push(`no roofline: the calibration failed: ${(e as Error).message}`);
        calibration = null;
      }
    }
    if (!wantRoofline && options.roofline !== false) notes.push(`no roofline: its calibration kernels measure the CPU, and this run used '${options.provider}'`);
    hooks.onProgress?.({ phase: 'done', message: 'done', percentage: 100 });
    return buildReport(result, options, { calibration, mlHygieneVersion: version, fileSize, notes });
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
