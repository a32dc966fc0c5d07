/**
 * Benchmarking and profiling ONNX models: every type that crosses a process boundary.
 *
 * - server <-> runner process (`RunnerRequest` / `RunnerMessage`, over `child_process.fork` IPC);
 * - LSP client <-> server (`BenchMethods`, params and results, `$/progress` payloads);
 * - extension host <-> results webview (`BenchHostMessage` / `BenchWebviewMessage`);
 * - the saved run files (`.ml-hygiene/runs/<timestamp>-<model>.json` hold a `BenchReport`);
 * - the graph view's heat overlay: `NodeProfileMap` in `BenchReport.profile.nodes`, keyed
 *   by `profileNodeKey()` of the model's nodes.
 *
 * Produced by server/src/bench; plain JSON only.
 */

/** Custom LSP methods of the benchmark side (namespaced `mlHygiene/…`). */
export const BenchMethods = {
  /**
   * client -> server request: BenchmarkParams -> BenchReport. Reports `$/progress` (work-done
   * progress: the client's `workDoneToken` when given, else one the server creates) and is
   * cancellable by `$/cancelRequest` or by cancelling the progress. Errors are
   * `ResponseError`s whose message says what failed and what to do; `data` is a `BenchErrorInfo`.
   */
  benchmarkModel: 'mlHygiene/benchmarkModel',
  /** client -> server request: the same as benchmarkModel with `options.profile` forced on. */
  profileModel: 'mlHygiene/profileModel',
  /** client -> server request: BenchInputsParams -> BenchInputsResult: the inputs and symbolic dims to ask the user for. */
  benchmarkInputs: 'mlHygiene/benchmarkInputs',
  /** client -> server request: ListRunsParams -> SavedRunEntry[] (newest first). */
  listRuns: 'mlHygiene/listBenchmarkRuns',
  /** client -> server request: CompareRunsParams -> BenchComparison. */
  compareRuns: 'mlHygiene/compareBenchmarkRuns',
} as const;

// ---- options ------------------------------------------------------------------------------

/** Execution providers onnxruntime-node 1.30 knows on Linux/macOS/Windows. */
export const EXECUTION_PROVIDERS = ['cpu', 'webgpu', 'cuda', 'tensorrt', 'dml', 'coreml'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

export const GRAPH_OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
export type GraphOptimizationLevel = (typeof GRAPH_OPTIMIZATION_LEVELS)[number];

/** Where one input's values come from. */
export type InputSource =
  /** Seeded random values in [min, max] (integers: inclusive; booleans ignore the range). */
  | { kind: 'random'; min?: number; max?: number }
  /** A file: `.npy`, `.json` (`{ "dims": [...], "data": [...] }`, or a nested array), or an ONNX `TensorProto` `.pb`. */
  | { kind: 'file'; path: string };

export interface BenchOptions {
  /** Measured runs (default 100); ignored when `durationMs` is set. */
  iterations?: number;
  /** Measure for this long instead of a fixed count (at least one run). */
  durationMs?: number;
  /** Unmeasured runs after the first run (default 5). */
  warmup?: number;
  /** Intra-op threads; 0 or absent: onnxruntime's default (one per physical core). */
  intraOpThreads?: number;
  /** Inter-op threads (used with `executionMode: 'parallel'`); 0 or absent: default. */
  interOpThreads?: number;
  executionMode?: 'sequential' | 'parallel';
  /** Busy-wait in the thread pool between tasks (onnxruntime's default: on). Off cuts tail latency on a busy machine. */
  spinning?: boolean;
  /** Default `all`. `disabled` makes profiled nodes map one to one onto the model's. */
  graphOptimization?: GraphOptimizationLevel;
  /** Default `cpu`. A provider that cannot load is an error, never a silent fallback to the CPU. */
  provider?: ExecutionProviderName;
  /** Sets the first dimension of every input whose first dimension is symbolic (unless `dims` sets it). */
  batchSize?: number;
  /** Symbolic dimensions by name (`batch=8`); an unnamed dynamic dimension as `INPUT[AXIS]` (`x[1]=128`). */
  dims?: Record<string, number>;
  /** Per input name; inputs not listed get `{ kind: 'random' }` with `valueRange`. */
  inputs?: Record<string, InputSource>;
  /** Default value range of synthesized inputs: floats [0, 1], integers [0, 9]. */
  valueRange?: { min: number; max: number };
  /** Seed of the synthesized values (default 1): the same seed gives the same inputs. */
  seed?: number;
  /** Also profile per operator, in a separate profiled session (latency comes from the unprofiled one). */
  profile?: boolean;
  /** Runs recorded by the profiled session (default 10). */
  profileIterations?: number;
  /** The whole job is killed past this (default 10 minutes). */
  timeLimitMs?: number;
  /** Measure (or reuse the cached) peak compute and memory bandwidth for the roofline (default true). */
  roofline?: boolean;
}

// ---- runner protocol (server/CLI <-> dist/bench-runner.js) ----------------------------------

export type BenchPhase = 'loading' | 'creatingSession' | 'firstRun' | 'probingDims' | 'warmup' | 'measuring' | 'profiling' | 'calibrating' | 'done';

export interface BenchProgress {
  phase: BenchPhase;
  message: string;
  /** Runs done / planned in this phase, when known. */
  done?: number;
  total?: number;
  /** Overall fraction 0..100, for progress bars. */
  percentage?: number;
}

/** A job for the runner process. */
export type RunnerRequest =
  | { type: 'benchmark'; modelPath: string; options: BenchOptions; workDir: string }
  | { type: 'calibrate'; threads: number };

/** What the runner sends back; exactly one `result`, `calibration` or `error` ends a job. */
export type RunnerMessage =
  | { type: 'progress'; progress: BenchProgress }
  | { type: 'result'; result: RunnerResult }
  | { type: 'calibration'; calibration: MachineCalibration }
  | { type: 'error'; error: BenchErrorInfo };

export type BenchErrorKind =
  | 'usage'
  | 'modelLoad'
  | 'unsupportedType'
  | 'providerUnavailable'
  | 'dimensions'
  | 'inputFile'
  | 'runFailed'
  | 'runnerCrashed'
  | 'timeLimit'
  | 'cancelled';

export interface BenchErrorInfo {
  kind: BenchErrorKind;
  /** The whole message: what failed and what to do about it. */
  message: string;
  /** onnxruntime's own message and log lines, when any. */
  detail?: string;
  /** For `dimensions`: the dims to set. */
  dims?: DimensionHint[];
}

export interface DimensionHint {
  input: string;
  axis: number;
  /** The symbolic name (or `INPUT[AXIS]` for an unnamed dynamic dimension): the key to set. */
  key: string;
  /** A value the model ran with, when probing found one. */
  worksWith?: number;
}

export interface ResolvedInput {
  name: string;
  /** onnxruntime's type name: float32, int64, float16, bool, string, ... */
  type: string;
  shape: number[];
  /** The declared shape: numbers, symbolic names, null for unnamed dynamic dims. */
  declaredShape: (number | string | null)[];
  source: string;
}

export interface DimensionChoice {
  key: string;
  value: number;
  /** user: given in `dims`; batch: from `batchSize`; default: taken as 1 because nobody set it; file: from a loaded input file's shape. */
  from: 'user' | 'batch' | 'default' | 'file';
}

/** Time by optimized-graph node, aggregated over the profiled runs. */
export interface ProfiledNode {
  /** The node's name in the optimized graph (the profile's `<name>_kernel_time` without the suffix). */
  name: string;
  opType: string;
  provider: string;
  /** Profiled runs it ran in. */
  calls: number;
  /** Mean microseconds per run. */
  meanUs: number;
  /** Share of the summed node time (0..1). */
  share: number;
  /** Keys (`profileNodeKey`) of the model's nodes this one stands for; empty when the optimizer added it. */
  modelNodes: string[];
  /** How `modelNodes` was found. */
  mapping: 'name' | 'output' | 'nchwc' | 'fused' | 'added' | 'unknown';
}

/** One model node's part of the profile: what the graph view's heat overlay paints. */
export interface NodeProfile {
  /** Index in the main graph's node list. */
  index: number;
  name: string;
  opType: string;
  /** Mean microseconds per run attributed to this node (0 when it was fused into another or folded). */
  meanUs: number;
  /** Share of the summed node time (0..1): the heat. */
  share: number;
  /** Providers its kernels ran on (`CPUExecutionProvider`, ...). */
  providers: string[];
  /** Optimized-graph nodes that carried its work. */
  ranAs: string[];
  /** This node's work ran inside the kernel of another model node (key): the group's time sits there. */
  fusedInto?: string;
  /** Folded away at session creation (constant folding): no time at run time. */
  folded?: boolean;
}

/** Model node key (`profileNodeKey`) -> its profile. Nodes absent from the map did not show in the profile. */
export type NodeProfileMap = Record<string, NodeProfile>;

/**
 * The key of a main-graph node in `NodeProfileMap`: its name, or `#<index>` when it has
 * none (names are optional in ONNX; onnxruntime calls such a node `<OpType>_<index>`).
 */
export function profileNodeKey(node: { name: string; index: number }): string {
  return node.name ? node.name : `#${node.index}`;
}

export interface OperatorProfile {
  /** Runs recorded (the profiled session's runs, after its own warm-up run). */
  runs: number;
  graphOptimization: GraphOptimizationLevel;
  /** Mean microseconds per run of all node kernels together. */
  nodeTimeUs: number;
  /** Mean microseconds per run of the whole `model_run` events (includes the executor's own work). */
  runTimeUs: number;
  byNode: ProfiledNode[];
  byOpType: { opType: string; calls: number; meanUs: number; share: number }[];
  byProvider: { provider: string; meanUs: number; share: number }[];
  /** The heat overlay: per model node. */
  nodes: NodeProfileMap;
  /** How names were mapped back, in a sentence for the report. */
  mappingNote: string;
}

/** What one benchmark job measured, raw (statistics are computed from it by the parent). */
export interface RunnerResult {
  modelPath: string;
  provider: ExecutionProviderName;
  sessionCreateMs: number;
  firstRunMs: number;
  warmupMs: number[];
  latenciesMs: number[];
  /** Wall time of the measured loop. */
  measuredWallMs: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  /** Peak resident memory of the runner process (high-water mark), bytes. */
  peakRssBytes: number;
  inputs: ResolvedInput[];
  dims: DimensionChoice[];
  outputs: { name: string; type: string; shape: (number | string)[] }[];
  /** FLOPs and estimated memory traffic per run at the dims used (from the model summary). */
  work: { flops: number; bytes: number; uncostedNodes: number };
  versions: { onnxruntime: string; node: string; v8: string };
  profile?: OperatorProfile;
  notes: string[];
}

export interface MachineCalibration {
  /** Peak float32 compute measured with a MatMul through onnxruntime, GFLOP/s. */
  peakGflops: number;
  /** Peak memory bandwidth measured with a large tensor copy, GB/s (10^9 bytes). */
  peakGBps: number;
  method: string;
  threads: number;
  measuredAt: string;
  machine: string;
}

// ---- the report -----------------------------------------------------------------------------

export interface LatencyStats {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  std: number;
}

export interface ConfidenceInterval {
  low: number;
  high: number;
}

export interface RooflineResult {
  achievedGflops: number;
  achievedGBps: number;
  peakGflops: number;
  peakGBps: number;
  computePercent: number;
  bandwidthPercent: number;
  /** FLOPs per byte of the model at these dims. */
  arithmeticIntensity: number;
  /** peakGflops / peakGBps: intensities above it are compute bound. */
  ridgePoint: number;
  bound: 'compute' | 'memory';
  calibration: MachineCalibration;
  note: string;
}

export interface BenchReport {
  /** Version of this format. */
  format: 1;
  model: { path: string; name: string; fileSize: number };
  createdAt: string;
  options: BenchOptions;
  provider: ExecutionProviderName;
  sessionCreateMs: number;
  firstRunMs: number;
  iterations: number;
  warmup: number;
  latencyMs: LatencyStats;
  /** 95% confidence intervals; `method` says how. */
  confidence: { level: 0.95; mean: ConfidenceInterval | null; p50: ConfidenceInterval | null; p90: ConfidenceInterval | null; p99: ConfidenceInterval | null; method: string };
  /** Measured runs per second (sequential). */
  throughput: number;
  /** throughput × batch size. */
  samplesPerSecond: number;
  batchSize: number;
  /** Every measured latency in run order, for histograms and comparisons. */
  samplesMs: number[];
  /** Latency histogram: equal-width buckets over [min, max] (Freedman–Diaconis bucket count). */
  histogram: { min: number; max: number; counts: number[] };
  cpu: { userMs: number; systemMs: number; /** % of one core during the measured loop */ percentOfOneCore: number; /** % of all cores */ percentOfMachine: number };
  peakRssBytes: number;
  inputs: ResolvedInput[];
  dims: DimensionChoice[];
  outputs: { name: string; type: string; shape: (number | string)[] }[];
  work: { flops: number; bytes: number; uncostedNodes: number };
  roofline: RooflineResult | null;
  machine: { cpuModel: string; logicalCores: number; memoryBytes: number; platform: string; loadAverage: [number, number, number] };
  versions: { onnxruntime: string; node: string; v8: string; mlHygiene: string };
  /** The equivalent `onnxruntime_perf_test` command line. */
  perfTestCommand: string;
  profile?: OperatorProfile;
  notes: string[];
}

// ---- LSP params and results ---------------------------------------------------------------

export interface BenchmarkParams {
  /** Absolute path of the .onnx file. */
  path: string;
  options?: BenchOptions;
  /** Folder to save the run in (`<workspace>/.ml-hygiene/runs`); not saved when absent. */
  runsDir?: string;
  /** LSP work-done progress token from the client (optional). */
  workDoneToken?: string | number;
}

export interface BenchmarkResult {
  report: BenchReport;
  /** Where the run was saved, when `runsDir` was given. */
  savedPath?: string;
}

export interface BenchInputsParams {
  path: string;
}

export interface BenchInputsResult {
  inputs: { name: string; elemType: string; shape: (number | string | null)[] }[];
  /** Each symbolic dim once (or `INPUT[AXIS]` for unnamed ones), with the inputs it appears in. */
  symbolicDims: { key: string; inputs: string[]; firstAxisOnly: boolean }[];
  /** Inputs whose element type onnxruntime-node cannot feed (the benchmark will fail). */
  unsupported: string[];
}

export interface ListRunsParams {
  runsDir: string;
  /** Only runs of this model file (absolute path). */
  modelPath?: string;
}

export interface SavedRunEntry {
  path: string;
  model: string;
  createdAt: string;
  provider: string;
  p50Ms: number;
  profiled: boolean;
}

export interface CompareRunsParams {
  before: string;
  after: string;
}

export interface Delta {
  before: number;
  after: number;
  /** after - before */
  change: number;
  /** (after - before) / before, percent; null when before is 0. */
  percent: number | null;
}

export interface BenchComparison {
  before: { path: string; createdAt: string; model: string };
  after: { path: string; createdAt: string; model: string };
  latencyMs: Record<keyof LatencyStats, Delta>;
  throughput: Delta;
  sessionCreateMs: Delta;
  peakRssBytes: Delta;
  /** Per op type, when both runs were profiled. */
  opTypes: { opType: string; meanUs: Delta }[];
  /** Options, dims or machines that differ: the comparison may not be like for like. */
  caveats: string[];
}

// ---- results webview messages ---------------------------------------------------------------

/** webview -> extension host. */
export type BenchWebviewMessage =
  | { type: 'ready' }
  /** Compare this report with a saved run. */
  | { type: 'requestComparison'; requestId: number; runPath: string }
  | { type: 'didSelectNode'; key: string };

/** extension host -> webview. */
export type BenchHostMessage =
  | { type: 'init'; report: BenchReport; savedPath?: string; runs: SavedRunEntry[] }
  | { type: 'comparisonResult'; requestId: number; comparison?: BenchComparison; error?: string };

export function isBenchWebviewMessage(m: unknown): m is BenchWebviewMessage {
  if (!m || typeof m !== 'object') return false;
  const r = m as Record<string, unknown>;
  switch (r.type) {
    case 'ready':
      return true;
    case 'requestComparison':
      return typeof r.requestId === 'number' && typeof r.runPath === 'string';
    case 'didSelectNode':
      return typeof r.key === 'string';
    default:
      return false;
  }
}

export function isBenchHostMessage(m: unknown): m is BenchHostMessage {
  if (!m || typeof m !== 'object') return false;
  const r = m as Record<string, unknown>;
  switch (r.type) {
    case 'init': {
      const report = r.report as Record<string, unknown> | undefined;
      return Boolean(report && typeof report === 'object' && report.format === 1 && Array.isArray(report.samplesMs) && Array.isArray(r.runs));
    }
    case 'comparisonResult':
      return typeof r.requestId === 'number' && (r.comparison === undefined || typeof r.comparison === 'object');
    default:
      return false;
  }
}
