/**
 * `ml-hygiene bench MODEL`: benchmark (and profile) an ONNX model with onnxruntime-node in
 * a separate runner process; the report as text, JSON or CSV.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchOptions, BenchReport, ExecutionProviderName, GraphOptimizationLevel, InputSource } from '../../../protocol/bench';
import { BenchError } from '../bench/errors';
import { compareReports, readRun, saveRun } from '../bench/report';
import { benchmarkModel } from '../bench/service';
import { UsageError, type CliIo } from './io';

export const BENCH_HELP = `usage: ml-hygiene bench MODEL.onnx [options]

Runs the model with onnxruntime-node in a separate process and reports latency
percentiles, throughput, CPU and memory use, and the roofline; --profile adds the time
per operator. Exit status: 0 measured, 1 the benchmark failed, 2 bad usage.

Options:
  --iterations N         measured runs (default 100)
  --duration SECONDS     measure for this long instead of a fixed count
  --warmup N             unmeasured runs after the first (default 5)
  --threads N            intra-op threads (default: onnxruntime's, one per physical core)
  --inter-threads N      inter-op threads (with --parallel)
  --parallel             parallel execution mode
  --no-spinning          no busy-waiting in the thread pool (cuts tail latency on a busy machine)
  --opt-level L          graph optimization: disabled|basic|extended|all (default all)
  --provider P           cpu (default), webgpu, cuda, tensorrt, dml, coreml
  --batch N              first dimension of inputs whose first dimension is symbolic
  --dim NAME=VALUE       a symbolic dimension (repeatable); INPUT[AXIS]=VALUE for unnamed ones
  --input NAME=FILE      an input's values from .npy, .json or ONNX TensorProto .pb (repeatable)
  --range MIN,MAX        value range of synthesized inputs (default floats 0,1; integers 0,9)
  --seed N               seed of the synthesized values (default 1)
  --profile              also profile per operator (a separate profiled session)
  --profile-iterations N profiled runs (default 10)
  --no-roofline          skip the roofline (and its one-time calibration)
  --time-limit SECONDS   stop the runner past this (default 600)
  --save DIR             also save the run as JSON in DIR (e.g. .ml-hygiene/runs)
  --compare RUN.json     compare with an earlier saved run
  --format F             text (default), json or csv`;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, not '${v}'`);
  return Number(v);
}

function seconds(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0)) throw new UsageError(`--${name} must be a number of seconds > 0, not '${v}'`);
  return n * 1000;
}

function pairs(name: string, list: string[] | undefined): [string, string][] {
  return (list ?? []).map((s) => {
    const i = s.lastIndexOf('=');
    if (i <= 0 || i === s.length - 1) throw new UsageError(`--${name} takes NAME=VALUE, not '${s}'`);
    return [s.slice(0, i), s.slice(i + 1)];
  });
}

export function parseBenchArgs(argv: string[], cwd: string): { model: string; options: BenchOptions; format: 'text' | 'json' | 'csv'; save?: string; compare?: string } | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      iterations: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      threads: { type: 'string' },
      'inter-threads': { type: 'string' },
      parallel: { type: 'boolean' },
      'no-spinning': { type: 'boolean' },
      'opt-level': { type: 'string' },
      provider: { type: 'string' },
      batch: { type: 'string' },
      dim: { type: 'string', multiple: true },
      input: { type: 'string', multiple: true },
      range: { type: 'string' },
      seed: { type: 'string' },
      profile: { type: 'boolean' },
      'profile-iterations': { type: 'string' },
      'no-roofline': { type: 'boolean' },
      'time-limit': { type: 'string' },
      save: { type: 'string' },
      compare: { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(`expected one model file, got ${positionals.length}`);
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'csv') throw new UsageError(`--format must be text, json or csv, not '${format}'`);
  const dims: Record<string, number> = {};
  for (const [k, v] of pairs('dim', values.dim)) {
    const n = int('dim', v);
    dims[k] = n!;
  }
  const inputs: Record<string, InputSource> = {};
  for (const [k, v] of pairs('input', values.input)) inputs[k] = { kind: 'file', path: path.resolve(cwd, v) };
  let valueRange: BenchOptions['valueRange'];
  if (values.range !== undefined) {
    const m = /^(-?[\d.eE+-]+),(-?[\d.eE+-]+)$/.exec(values.range);
    if (!m || Number.isNaN(Number(m[1])) || Number.isNaN(Number(m[2]))) throw new UsageError(`--range takes MIN,MAX, not '${values.range}'`);
    valueRange = { min: Number(m[1]), max: Number(m[2]) };
  }
  const options: BenchOptions = {
    iterations: int('iterations', values.iterations),
    durationMs: seconds('duration', values.duration),
    warmup: int('warmup', values.warmup),
    intraOpThreads: int('threads', values.threads),
    interOpThreads: int('inter-threads', values['inter-threads']),
    executionMode: values.parallel ? 'parallel' : undefined,
    spinning: values['no-spinning'] ? false : undefined,
    graphOptimization: values['opt-level'] as GraphOptimizationLevel | undefined,
    provider: values.provider as ExecutionProviderName | undefined,
    batchSize: int('batch', values.batch),
    dims: Object.keys(dims).length ? dims : undefined,
    inputs: Object.keys(inputs).length ? inputs : undefined,
    valueRange,
    seed: int('seed', values.seed),
    profile: values.profile || undefined,
    profileIterations: int('profile-iterations', values['profile-iterations']),
    roofline: values['no-roofline'] ? false : undefined,
    timeLimitMs: seconds('time-limit', values['time-limit']),
  };
  for (const k of Object.keys(options) as (keyof BenchOptions)[]) if (options[k] === undefined) delete options[k];
  return { model: path.resolve(cwd, positionals[0]), options, format, save: values.save && path.resolve(cwd, values.save), compare: values.compare && path.resolve(cwd, values.compare) };
}

export async function runBench(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseBenchArgs(argv, io.cwd);
  if (parsed === 'help') {
    io.out.write(`${BENCH_HELP}\n`);
    return 0;
  }
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  let lastPhase = '';
  try {
    const report = await benchmarkModel(parsed.model, parsed.options, {
      signal: abort.signal,
      onProgress: (p) => {
        if (io.errIsTty && p.phase !== lastPhase) {
          lastPhase = p.phase;
          io.err.write(`\r\x1b[K${p.message}`);
        }
      },
    });
    if (io.errIsTty) io.err.write('\r\x1b[K');
    const saved = parsed.save ? saveRun(parsed.save, report) : undefined;
    const comparison = parsed.compare ? compareReports(readRun(parsed.compare), report, { before: parsed.compare, after: saved ?? '(this run)' }) : undefined;
    if (parsed.format === 'json') io.out.write(`${JSON.stringify(toJson(report, saved, comparison), null, 2)}\n`);
    else if (parsed.format === 'csv') io.out.write(formatCsv(report));
    else io.out.write(formatText(report, saved, comparison));
    return 0;
  } catch (e) {
    if (io.errIsTty) io.err.write('\r\x1b[K');
    if (!(e instanceof BenchError)) throw e;
    io.err.write(`ml-hygiene bench: ${e.message}\n`);
    if (e.detail && e.detail !== e.message && !e.message.includes(e.detail)) io.err.write(`onnxruntime: ${e.detail.trim().split('\n').join('\n  ')}\n`);
    if (e.kind === 'usage') {
      io.err.write(`\n${BENCH_HELP}\n`);
      return 2;
    }
    return 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** The JSON output: the whole report, plus `operators` (per op type) when profiled. */
export function toJson(report: BenchReport, savedPath?: string, comparison?: ReturnType<typeof compareReports>): unknown {
  return {
    ...report,
    ...(report.profile ? { operators: report.profile.byOpType } : {}),
    ...(savedPath ? { savedPath } : {}),
    ...(comparison ? { comparison } : {}),
  };
}

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(3) : x.toFixed(4));
const bytes = (n: number) => {
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i ? v.toFixed(1) : v} ${u[i]}`;
};
const pct = (x: number | null) => (x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`);

export function formatText(r: BenchReport, savedPath?: string, comparison?: ReturnType<typeof compareReports>): string {
  const lines: string[] = [];
  const l = r.latencyMs;
  lines.push(`${r.model.name} (${bytes(r.model.fileSize)}) on ${r.provider}, onnxruntime ${r.versions.onnxruntime}`);
  lines.push(`  session created in ${ms(r.sessionCreateMs)} ms; first run ${ms(r.firstRunMs)} ms; ${r.warmup} warm-up runs; ${r.iterations} measured runs`);
  lines.push(`  latency ms: min ${ms(l.min)}  mean ${ms(l.mean)}  p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  max ${ms(l.max)}  std ${ms(l.std)}`);
  const ci = (name: string, c: { low: number; high: number } | null) => (c ? `${name} [${ms(c.low)}, ${ms(c.high)}]` : `${name} n/a`);
  lines.push(`  95% CI: ${ci('mean', r.confidence.mean)}  ${ci('p50', r.confidence.p50)}  ${ci('p90', r.confidence.p90)}  ${ci('p99', r.confidence.p99)}`);
  lines.push(`  throughput ${r.throughput.toFixed(1)} runs/s${r.batchSize > 1 ? ` (${r.samplesPerSecond.toFixed(1)} samples/s at batch ${r.batchSize})` : ''}`);
  lines.push(`  CPU ${r.cpu.percentOfOneCore.toFixed(0)}% of one core (${r.cpu.percentOfMachine.toFixed(0)}% of ${r.machine.logicalCores}); peak runner memory ${bytes(r.peakRssBytes)}`);
  lines.push(`  inputs: ${r.inputs.map((i) => `${i.name} ${i.type}[${i.shape.join(',')}] (${i.source})`).join('; ') || '(none)'}`);
  if (r.dims.length) lines.push(`  dims: ${r.dims.map((d) => `${d.key}=${d.value}${d.from === 'default' ? ' (default)' : d.from === 'user' ? '' : ` (${d.from})`}`).join(', ')}`);
  if (r.work.flops > 0) lines.push(`  work per run: ${(r.work.flops / 1e9).toFixed(3)} GFLOP, ~${bytes(r.work.bytes)} moved`);
  if (r.roofline) {
    const rf = r.roofline;
    lines.push(`  roofline: ${rf.achievedGflops.toFixed(2)} GFLOP/s = ${rf.computePercent.toFixed(1)}% of peak ${rf.peakGflops.toFixed(1)}; ${rf.achievedGBps.toFixed(2)} GB/s = ${rf.bandwidthPercent.toFixed(1)}% of peak ${rf.peakGBps.toFixed(1)}; ${rf.bound} bound`);
    lines.push(`    ${rf.note}`);
  }
  if (r.profile) {
    const p = r.profile;
    lines.push(`  profile (${p.runs} profiled runs, graph optimization ${p.graphOptimization}; node time ${ms(p.nodeTimeUs / 1000)} ms of ${ms(p.runTimeUs / 1000)} ms per run):`);
    lines.push('    by op type:');
    for (const o of p.byOpType.slice(0, 15)) lines.push(`      ${o.opType.padEnd(24)} ${(100 * o.share).toFixed(1).padStart(5)}%  ${ms(o.meanUs / 1000).padStart(9)} ms  ${o.calls} calls`);
    lines.push('    top nodes:');
    for (const n of p.byNode.slice(0, 10))
      lines.push(`      ${n.name.padEnd(32)} ${n.opType.padEnd(16)} ${(100 * n.share).toFixed(1).padStart(5)}%  ${ms(n.meanUs / 1000).padStart(9)} ms  ${n.provider}${n.modelNodes.length && !(n.modelNodes.length === 1 && n.modelNodes[0] === n.name) ? `  <- ${n.modelNodes.join(', ')}` : ''}`);
    lines.push(`    ${p.mappingNote}`);
  }
  lines.push(`  machine: ${r.machine.cpuModel} x${r.machine.logicalCores}, load ${r.machine.loadAverage.map((x) => x.toFixed(2)).join(' ')}; node ${r.versions.node}`);
  lines.push(`  same with onnxruntime_perf_test: ${r.perfTestCommand}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  if (comparison) {
    lines.push(`  compared with ${comparison.before.path} (${comparison.before.createdAt}):`);
    for (const k of ['p50', 'p90', 'p99', 'mean'] as const) {
      const d = comparison.latencyMs[k];
      lines.push(`    ${k.padEnd(5)} ${ms(d.before)} -> ${ms(d.after)} ms (${pct(d.percent)})`);
    }
    lines.push(`    throughput ${comparison.throughput.before.toFixed(1)} -> ${comparison.throughput.after.toFixed(1)} runs/s (${pct(comparison.throughput.percent)})`);
    for (const c of comparison.caveats) lines.push(`    caveat: ${c}`);
  }
  if (savedPath) lines.push(`  saved: ${savedPath}`);
  return `${lines.join('\n')}\n`;
}

const csvCell = (v: string | number) => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** CSV: `metric,value` rows; when profiled, a blank line and an `op_type,calls,mean_us,share` table. */
export function formatCsv(r: BenchReport): string {
  const rows: (string | number)[][] = [['metric', 'value']];
  rows.push(['model', r.model.path], ['provider', r.provider], ['iterations', r.iterations], ['warmup', r.warmup]);
  rows.push(['session_create_ms', r.sessionCreateMs], ['first_run_ms', r.firstRunMs]);
  for (const [k, v] of Object.entries(r.latencyMs)) rows.push([`latency_${k}_ms`, v]);
  rows.push(['throughput_per_s', r.throughput], ['samples_per_s', r.samplesPerSecond], ['cpu_percent_of_one_core', r.cpu.percentOfOneCore], ['peak_rss_bytes', r.peakRssBytes]);
  if (r.roofline) rows.push(['achieved_gflops', r.roofline.achievedGflops], ['compute_percent', r.roofline.computePercent], ['bandwidth_percent', r.roofline.bandwidthPercent], ['bound', r.roofline.bound]);
  let out = rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
  if (r.profile) {
    out += '\nop_type,calls,mean_us,share\n';
    out += r.profile.byOpType.map((o) => [o.opType, o.calls, o.meanUs, o.share].map(csvCell).join(',')).join('\n') + '\n';
  }
  return out;
}
