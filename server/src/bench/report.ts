/**
 * From what the runner measured (`RunnerResult`) to the report users read (`BenchReport`):
 * statistics, confidence intervals, histogram, CPU use, roofline, the equivalent
 * `onnxruntime_perf_test` command line; and the saved runs (`.ml-hygiene/runs/*.json`)
 * with their comparison. Plain functions and files: no LSP, no onnxruntime.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type {
  BenchComparison,
  BenchOptions,
  BenchReport,
  Delta,
  LatencyStats,
  MachineCalibration,
  RooflineResult,
  RunnerResult,
  SavedRunEntry,
} from '../../../protocol/bench';
import { BenchError } from './errors';
import { describeMachine } from './machine';
import { CONFIDENCE_METHOD, histogram, latencyStats, meanConfidence, percentileConfidence } from './stats';
import { DEFAULTS } from './defaults';

/** Roofline from the work of one run, its median latency and the machine's measured peaks. */
export function roofline(work: RunnerResult['work'], latencyMs: number, calibration: MachineCalibration): RooflineResult | null {
  if (!(work.flops > 0) || !(latencyMs > 0)) return null;
  const seconds = latencyMs / 1000;
  const achievedGflops = work.flops / seconds / 1e9;
  const achievedGBps = work.bytes / seconds / 1e9;
  const arithmeticIntensity = work.bytes > 0 ? work.flops / work.bytes : Infinity;
  const ridgePoint = calibration.peakGflops / calibration.peakGBps;
  const bound = arithmeticIntensity >= ridgePoint ? 'compute' : 'memory';
  const attainable = Math.min(calibration.peakGflops, arithmeticIntensity * calibration.peakGBps);
  return {
    achievedGflops,
    achievedGBps,
    peakGflops: calibration.peakGflops,
    peakGBps: calibration.peakGBps,
    computePercent: (100 * achievedGflops) / calibration.peakGflops,
    bandwidthPercent: (100 * achievedGBps) / calibration.peakGBps,
    arithmeticIntensity,
    ridgePoint,
    bound,
    calibration,
    note:
      `${arithmeticIntensity.toFixed(1)} FLOP/byte against a ridge point of ${ridgePoint.toFixed(1)}: ${bound} bound; ` +
      `the median run reaches ${((100 * achievedGflops) / attainable).toFixed(1)}% of the attainable ${attainable.toFixed(1)} GFLOP/s. ` +
      `Bytes are an estimate (every node reads its inputs and writes its outputs once, no cache reuse)` +
      (work.uncostedNodes ? `; ${work.uncostedNodes} node(s) have no FLOP count, so achieved GFLOP/s is a lower bound` : '') +
      (achievedGflops > calibration.peakGflops || achievedGBps > calibration.peakGBps
        ? `. Above the calibrated peak: the calibration (${calibration.measuredAt}) probably ran on a busier machine than this run; delete ${calibrationFile()} to calibrate again`
        : ''),
  };
}

const OPT_LEVEL = { disabled: 0, basic: 1, extended: 2, all: 99 } as const;

/** The `onnxruntime_perf_test` command line that measures the same thing. */
export function perfTestCommand(modelPath: string, options: BenchOptions, result: Pick<RunnerResult, 'dims' | 'provider'>): string {
  const args = ['onnxruntime_perf_test', '-I', '-s'];
  args.push('-e', result.provider);
  if (options.durationMs) args.push('-t', String(Math.max(1, Math.round(options.durationMs / 1000))));
  else args.push('-m', 'times', '-r', String(options.iterations ?? DEFAULTS.iterations));
  if (options.intraOpThreads) args.push('-x', String(options.intraOpThreads));
  if (options.interOpThreads) args.push('-y', String(options.interOpThreads));
  if (options.executionMode === 'parallel') args.push('-P');
  if (options.spinning === false) args.push('-D');
  args.push('-o', String(OPT_LEVEL[options.graphOptimization ?? DEFAULTS.graphOptimization]));
  for (const d of result.dims) if (!/\[\d+\]$/.test(d.key)) args.push('-f', `${d.key}:${d.value}`);
  args.push(modelPath);
  return args.map((a) => (/^[\w./:=+-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}

export interface ReportContext {
  calibration: MachineCalibration | null;
  mlHygieneVersion: string;
  fileSize: number;
  /** Notes added by the caller (calibration failures...). */
  notes?: string[];
}

export function buildReport(result: RunnerResult, options: BenchOptions, ctx: ReportContext): BenchReport {
  const latencyMs = latencyStats(result.latenciesMs);
  const n = result.latenciesMs.length;
  const throughput = result.measuredWallMs > 0 ? (1000 * n) / result.measuredWallMs : 0;
  const batchApplied = result.dims.some((d) => d.from === 'batch');
  const batchSize = batchApplied ? options.batchSize ?? 1 : 1;
  const cpuMs = (result.cpuUserUs + result.cpuSystemUs) / 1000;
  const machine = describeMachine();
  const percentOfOneCore = result.measuredWallMs > 0 ? (100 * cpuMs) / result.measuredWallMs : 0;
  const notes = [...result.notes, ...(ctx.notes ?? [])];
  const defaulted = result.dims.filter((d) => d.from === 'default');
  if (defaulted.length) notes.push(`dimension${defaulted.length > 1 ? 's' : ''} ${defaulted.map((d) => d.key).join(', ')} not set: taken as 1 (set with --dim NAME=VALUE, or when VS Code asks)`);
  if (machine.loadAverage[0] > machine.logicalCores * 0.5)
    notes.push(`the machine was busy (load average ${machine.loadAverage[0].toFixed(2)} on ${machine.logicalCores} cores): latencies include waiting for the CPU`);
  return {
    format: 1,
    model: { path: result.modelPath, name: path.basename(result.modelPath), fileSize: ctx.fileSize },
    createdAt: new Date().toISOString(),
    options,
    provider: result.provider,
    sessionCreateMs: result.sessionCreateMs,
    firstRunMs: result.firstRunMs,
    iterations: n,
    warmup: result.warmupMs.length,
    latencyMs,
    confidence: {
      level: 0.95,
      mean: meanConfidence(result.latenciesMs),
      p50: percentileConfidence(result.latenciesMs, 50),
      p90: percentileConfidence(result.latenciesMs, 90),
      p99: percentileConfidence(result.latenciesMs, 99),
      method: CONFIDENCE_METHOD,
    },
    throughput,
    samplesPerSecond: throughput * batchSize,
    batchSize,
    samplesMs: result.latenciesMs,
    histogram: histogram(result.latenciesMs),
    cpu: { userMs: result.cpuUserUs / 1000, systemMs: result.cpuSystemUs / 1000, percentOfOneCore, percentOfMachine: percentOfOneCore / machine.logicalCores },
    peakRssBytes: result.peakRssBytes,
    inputs: result.inputs,
    dims: result.dims,
    outputs: result.outputs,
    work: result.work,
    roofline: ctx.calibration ? roofline(result.work, latencyMs.p50, ctx.calibration) : null,
    machine,
    versions: { ...result.versions, mlHygiene: ctx.mlHygieneVersion },
    perfTestCommand: perfTestCommand(result.modelPath, options, result),
    profile: result.profile,
    notes,
  };
}

// ---- calibration cache ----------------------------------------------------------------------

/** `$ML_HYGIENE_CACHE_DIR`, else `$XDG_CACHE_HOME/ml-hygiene`, else `~/.cache/ml-hygiene`. */
export function cacheDir(): string {
  return process.env.ML_HYGIENE_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'ml-hygiene');
}

const CALIBRATION_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

function calibrationFile(): string {
  return path.join(cacheDir(), 'roofline-calibration.json');
}

export function cachedCalibration(machine: string, threads: number): MachineCalibration | undefined {
  try {
    const all = JSON.parse(fs.readFileSync(calibrationFile(), 'utf8')) as Record<string, MachineCalibration>;
    const c = all[`${machine}|${threads}`];
    if (c && Date.now() - Date.parse(c.measuredAt) < CALIBRATION_MAX_AGE_MS && c.peakGflops > 0 && c.peakGBps > 0) return c;
  } catch {
    // no cache yet, or unreadable: calibrate again
  }
  return undefined;
}

export function storeCalibration(c: MachineCalibration): void {
  const file = calibrationFile();
  let all: Record<string, MachineCalibration> = {};
  try {
    all = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // start afresh
  }
  all[`${c.machine}|${c.threads}`] = c;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(all, null, 2));
  } catch {
    // a read-only home: the next run calibrates again
  }
}

// ---- saved runs -----------------------------------------------------------------------------

/** Writes the report to `<runsDir>/<timestamp>-<model>.json` and returns the path. */
export function saveRun(runsDir: string, report: BenchReport): string {
  fs.mkdirSync(runsDir, { recursive: true });
  const stamp = report.createdAt.replace(/[:.]/g, '-');
  const base = report.model.name.replace(/\.onnx$/i, '').replace(/[^\w.-]+/g, '_');
  const file = path.join(runsDir, `${stamp}-${base}${report.profile ? '-profile' : ''}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  return file;
}

export function readRun(file: string): BenchReport {
  let report: BenchReport;
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BenchError('usage', `${file}: not a saved benchmark run: ${(e as Error).message}`);
  }
  if (!report || report.format !== 1 || !report.latencyMs) throw new BenchError('usage', `${file}: not a saved benchmark run (format 1)`);
  return report;
}

export function listRuns(runsDir: string, modelPath?: string): SavedRunEntry[] {
  let files: string[];
  try {
    files = fs.readdirSync(runsDir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const entries: SavedRunEntry[] = [];
  for (const f of files) {
    const file = path.join(runsDir, f);
    try {
      const r = readRun(file);
      if (modelPath && path.resolve(r.model.path) !== path.resolve(modelPath)) continue;
      entries.push({ path: file, model: r.model.path, createdAt: r.createdAt, provider: r.provider, p50Ms: r.latencyMs.p50, profiled: Boolean(r.profile) });
    } catch {
      // not ours: skip
    }
  }
  return entries.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

function delta(before: number, after: number): Delta {
  return { before, after, change: after - before, percent: before !== 0 ? (100 * (after - before)) / before : null };
}

export function compareReports(before: BenchReport, after: BenchReport, paths: { before: string; after: string }): BenchComparison {
  const keys: (keyof LatencyStats)[] = ['min', 'mean', 'p50', 'p90', 'p95', 'p99', 'max', 'std'];
  const latencyMs = Object.fromEntries(keys.map((k) => [k, delta(before.latencyMs[k], after.latencyMs[k])])) as Record<keyof LatencyStats, Delta>;
  const opTypes: BenchComparison['opTypes'] = [];
  if (before.profile && after.profile) {
    const b = new Map(before.profile.byOpType.map((o) => [o.opType, o.meanUs]));
    const a = new Map(after.profile.byOpType.map((o) => [o.opType, o.meanUs]));
    for (const op of new Set([...b.keys(), ...a.keys()])) opTypes.push({ opType: op, meanUs: delta(b.get(op) ?? 0, a.get(op) ?? 0) });
    opTypes.sort((x, y) => Math.abs(y.meanUs.change) - Math.abs(x.meanUs.change));
  }
  const caveats: string[] = [];
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  if (before.provider !== after.provider) caveats.push(`providers differ: ${before.provider} before, ${after.provider} after`);
  const optKeys: (keyof BenchOptions)[] = ['intraOpThreads', 'interOpThreads', 'executionMode', 'spinning', 'graphOptimization', 'batchSize'];
  for (const k of optKeys) if (!same(before.options[k], after.options[k])) caveats.push(`option ${k} differs: ${JSON.stringify(before.options[k]) ?? 'default'} before, ${JSON.stringify(after.options[k]) ?? 'default'} after`);
  const dims = (r: BenchReport) => Object.fromEntries(r.dims.map((d) => [d.key, d.value]));
  if (!same(dims(before), dims(after))) caveats.push(`dimensions differ: ${JSON.stringify(dims(before))} before, ${JSON.stringify(dims(after))} after`);
  if (before.machine.cpuModel !== after.machine.cpuModel || before.machine.logicalCores !== after.machine.logicalCores)
    caveats.push(`machines differ: ${before.machine.cpuModel} x${before.machine.logicalCores} before, ${after.machine.cpuModel} x${after.machine.logicalCores} after`);
  if (before.versions.onnxruntime !== after.versions.onnxruntime) caveats.push(`onnxruntime versions differ: ${before.versions.onnxruntime} before, ${after.versions.onnxruntime} after`);
  for (const [label, r] of [['before', before], ['after', after]] as const)
    if (r.machine.loadAverage[0] > r.machine.logicalCores * 0.5) caveats.push(`the machine was busy ${label} (load average ${r.machine.loadAverage[0].toFixed(2)})`);
  return {
    before: { path: paths.before, createdAt: before.createdAt, model: before.model.path },
    after: { path: paths.after, createdAt: after.createdAt, model: after.model.path },
    latencyMs,
    throughput: delta(before.throughput, after.throughput),
    sessionCreateMs: delta(before.sessionCreateMs, after.sessionCreateMs),
    peakRssBytes: delta(before.peakRssBytes, after.peakRssBytes),
    opTypes,
    caveats,
  };
}
