/**
 * The benchmark itself, as it runs inside the runner process (dist/bench-runner.js): loads
 * the model in onnxruntime-node, feeds it, times `session.run`, profiles it, and runs the
 * roofline calibration kernels. `session.run` blocks the event loop (a synchronous native
 * call behind a promise), which is why this module is only ever imported by the runner
 * process, never by the language server, the CLI's own process or the extension host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { BenchOptions, BenchProgress, MachineCalibration, ResolvedInput, RunnerResult } from '../../../protocol/bench';
import { decodeModelFile } from '../onnx/decode';
import { encodeModel, float32Raw } from '../onnx/encode';
import { OnnxDecodeError } from '../onnx/errors';
import type { OnnxModel } from '../onnx/model';
import { BenchError, explainProviderFailure } from './errors';
import { checkFeedableTypes, loadInputFile, planInputs, resolveShapes, seededRandom, synthesizeInput, type InputPlan, type InputValue } from './inputs';
import { aggregateProfile, mapProfile, type GraphNodeInfo } from './profile';
import { machineFingerprint } from './machine';
import { estimateWork } from './work';
import { DEFAULTS } from './defaults';

export type Send = (progress: BenchProgress) => void;

export { DEFAULTS };

/** Optimized models above this are not written next to the profile (mapping then uses names only). */
const MAX_OPTIMIZED_MODEL_BYTES = 1024 ** 3;

function ortBinDir(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

export function sessionOptions(o: BenchOptions): ort.InferenceSession.SessionOptions {
  const so: ort.InferenceSession.SessionOptions = {
    executionProviders: [o.provider ?? DEFAULTS.provider],
    graphOptimizationLevel: o.graphOptimization ?? DEFAULTS.graphOptimization,
    // Errors only: onnxruntime's warnings (unused initializers...) are not the user's business here.
    logSeverityLevel: 3,
  };
  if (o.intraOpThreads) so.intraOpNumThreads = o.intraOpThreads;
  if (o.interOpThreads) so.interOpNumThreads = o.interOpThreads;
  if (o.executionMode) so.executionMode = o.executionMode;
  if (o.spinning !== undefined) {
    const flag = o.spinning ? '1' : '0';
    so.extra = { session: { intra_op: { allow_spinning: flag }, inter_op: { allow_spinning: flag } } };
  }
  return so;
}

const PROVIDER_FAILURE = /AppendExecutionProvider|backend not found|no available backend|Failed to load (shared )?library|WebGPU adapter|providers_shared|CUDA failure|cudaGetDevice|libcu/i;

async function createSession(modelPath: string, options: ort.InferenceSession.SessionOptions, provider: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(modelPath, options);
  } catch (e) {
    const message = (e as Error).message;
    if (provider !== 'cpu' && PROVIDER_FAILURE.test(message)) throw explainProviderFailure(provider, message, ortBinDir());
    const unsupported = /Unsupported data type: (\d+)/.exec(message);
    if (unsupported) throw new BenchError('unsupportedType', `${modelPath}: onnxruntime-node cannot represent element type ${unsupported[1]} of an input or output (bfloat16, float8 and other types its JavaScript tensors lack)`, message);
    throw new BenchError('modelLoad', `onnxruntime cannot load ${modelPath}: ${message}`, message);
  }
}

function decode(modelPath: string): OnnxModel {
  try {
    return decodeModelFile(modelPath);
  } catch (e) {
    if (e instanceof OnnxDecodeError) throw new BenchError('modelLoad', e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BenchError('modelLoad', `${modelPath}: no such file`);
    if (code === 'EISDIR') throw new BenchError('modelLoad', `${modelPath}: is a directory, not a model file`);
    if (code === 'EACCES' || code === 'EPERM') throw new BenchError('modelLoad', `${modelPath}: permission denied`);
    throw new BenchError('modelLoad', `${modelPath}: cannot be read: ${(e as Error).message}`);
  }
}

function toTensor(v: InputValue): ort.Tensor {
  return new ort.Tensor(v.type as 'float32', v.data as Float32Array, v.dims);
}

function graphNodes(model: OnnxModel): GraphNodeInfo[] {
  return (model.proto.graph?.node ?? []).map((n) => ({ name: n.name, opType: n.opType, input: n.input, output: n.output }));
}

interface Feeds {
  feeds: Record<string, ort.Tensor>;
  inputs: ResolvedInput[];
}

function buildFeeds(plans: InputPlan[], shapes: ReadonlyMap<string, number[]>, files: ReadonlyMap<string, InputValue>, options: BenchOptions): Feeds {
  const rng = seededRandom(options.seed ?? DEFAULTS.seed);
  const feeds: Record<string, ort.Tensor> = {};
  const inputs: ResolvedInput[] = [];
  for (const p of plans) {
    const file = files.get(p.name);
    const source = options.inputs?.[p.name];
    const value = file ?? synthesizeInput(p.name, p.ortType!, shapes.get(p.name)!, source?.kind === 'random' ? source : { kind: 'random' }, options, rng);
    feeds[p.name] = toTensor(value);
    const range: { min?: number; max?: number } = source?.kind === 'random' ? source : {};
    const desc = file
      ? `file ${(source as { path: string }).path}`
      : p.ortType === 'bool'
        ? `seeded random booleans (seed ${options.seed ?? DEFAULTS.seed})`
        : `seeded random values in [${range.min ?? options.valueRange?.min ?? (/float/.test(p.ortType!) ? 0 : 0)}, ${range.max ?? options.valueRange?.max ?? (/float/.test(p.ortType!) ? 1 : p.ortType!.endsWith('int4') ? 7 : 9)}] (seed ${options.seed ?? DEFAULTS.seed})`;
    inputs.push({ name: p.name, type: value.type, shape: value.dims, declaredShape: p.shape ?? [], source: desc });
  }
  return { feeds, inputs };
}

function runError(e: unknown, what: string): BenchError {
  if (e instanceof BenchError) return e;
  const message = (e as Error).message;
  return new BenchError('runFailed', `${what} failed in onnxruntime: ${message}`, message);
}

/** One benchmark job: session creation, first run, warm-up, measured runs, and the profile when asked. */
export async function runBenchmark(modelPath: string, options: BenchOptions, workDir: string, progress: Send): Promise<RunnerResult> {
  const provider = options.provider ?? DEFAULTS.provider;
  const notes: string[] = [];
  progress({ phase: 'loading', message: `reading ${path.basename(modelPath)}`, percentage: 0 });
  const model = decode(modelPath);
  const plans = planInputs(model);
  checkFeedableTypes(model, plans);
  const files = new Map<string, InputValue>();
  for (const [name, source] of Object.entries(options.inputs ?? {})) {
    const plan = plans.find((p) => p.name === name);
    if (!plan) throw new BenchError('usage', `the model has no input '${name}'; its inputs are: ${plans.map((p) => p.name).join(', ') || '(none)'}`);
    if (source.kind === 'file') files.set(name, loadInputFile(source.path, name, plan.ortType!));
  }
  const resolved = resolveShapes(plans, options, new Map([...files].map(([k, v]) => [k, v.dims])));
  notes.push(...resolved.notes);

  progress({ phase: 'creatingSession', message: `creating the ${provider} session`, percentage: 2 });
  const so = sessionOptions(options);
  let t0 = performance.now();
  let session = await createSession(modelPath, so, provider);
  const sessionCreateMs = performance.now() - t0;
  const missing = session.inputNames.filter((n) => !plans.some((p) => p.name === n));
  if (missing.length) throw new BenchError('modelLoad', `onnxruntime expects inputs the model's graph does not declare: ${missing.join(', ')}`);
  const active = plans.filter((p) => session.inputNames.includes(p.name));

  const { feeds, inputs } = buildFeeds(active, resolved.shapes, files, options);
  progress({ phase: 'firstRun', message: 'first run', percentage: 5 });
  let firstRunMs: number;
  try {
    t0 = performance.now();
    await session.run(feeds);
    firstRunMs = performance.now() - t0;
  } catch (e) {
    if (!resolved.defaulted.length) throw runError(e, 'the first run');
    progress({ phase: 'probingDims', message: 'the model failed with dims set to 1: finding which to set', percentage: 6 });
    throw await explainDefaultedDims(session, active, plans, files, options, resolved.defaulted, (e as Error).message);
  }

  const warmup = options.warmup ?? DEFAULTS.warmup;
  const warmupMs: number[] = [];
  for (let i = 0; i < warmup; i++) {
    progress({ phase: 'warmup', message: `warm-up ${i + 1}/${warmup}`, done: i, total: warmup, percentage: 8 });
    t0 = performance.now();
    await session.run(feeds).catch((e) => Promise.reject(runError(e, `warm-up run ${i + 1}`)));
    warmupMs.push(performance.now() - t0);
  }

  // The measured loop: nothing in it but the timed run and a cheap clock check for progress.
  const iterations = options.durationMs ? Infinity : options.iterations ?? DEFAULTS.iterations;
  const durationMs = options.durationMs ?? Infinity;
  const weight = options.profile ? 70 : 90;
  const latenciesMs: number[] = [];
  const cpuBefore = process.cpuUsage();
  const loopStart = performance.now();
  let lastReport = loopStart;
  try {
    for (let i = 0; i < iterations; i++) {
      const start = performance.now();
      if (start - loopStart >= durationMs && i > 0) break;
      await session.run(feeds);
      const end = performance.now();
      latenciesMs.push(end - start);
      if (end - lastReport > 250) {
        lastReport = end;
        const fraction = Number.isFinite(iterations) ? (i + 1) / iterations : Math.min(1, (end - loopStart) / durationMs);
        progress({ phase: 'measuring', message: `run ${i + 1}${Number.isFinite(iterations) ? `/${iterations}` : ''}`, done: i + 1, total: Number.isFinite(iterations) ? iterations : undefined, percentage: 10 + weight * fraction });
      }
    }
  } catch (e) {
    throw runError(e, `measured run ${latenciesMs.length + 1}`);
  }
  const measuredWallMs = performance.now() - loopStart;
  const cpu = process.cpuUsage(cpuBefore);
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const outputs = session.outputMetadata.map((m) => ({ name: m.name, type: m.isTensor ? m.type : 'non-tensor', shape: m.isTensor ? [...m.shape] : [] }));
  await session.release();

  let profile: RunnerResult['profile'];
  if (options.profile) {
    const runs = options.profileIterations ?? DEFAULTS.profileIterations;
    progress({ phase: 'profiling', message: `profiling ${runs} runs`, done: 0, total: runs, percentage: 82 });
    const level = options.graphOptimization ?? DEFAULTS.graphOptimization;
    const optimizedPath = path.join(workDir, 'optimized.onnx');
    const writeOptimized = level !== 'disabled' && model.fileSize < MAX_OPTIMIZED_MODEL_BYTES;
    const pso: ort.InferenceSession.SessionOptions = { ...so, enableProfiling: true, profileFilePrefix: path.join(workDir, 'profile') };
    if (writeOptimized) pso.optimizedModelFilePath = optimizedPath;
    session = await createSession(modelPath, pso, provider);
    try {
      // One unrecorded run (the profile's own warm-up), then the recorded ones.
      for (let i = 0; i <= runs; i++) await session.run(feeds);
    } catch (e) {
      throw runError(e, 'a profiled run');
    }
    session.endProfiling();
    await session.release();
    // onnxruntime-node 1.30's endProfiling() does not return the file: it is <prefix>_<date>.json in workDir.
    const file = fs
      .readdirSync(workDir)
      .filter((f) => /^profile.*\.json$/.test(f))
      .map((f) => path.join(workDir, f))
      .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
    if (!file) throw new BenchError('runFailed', `onnxruntime wrote no profile in ${workDir}`);
    const aggregate = aggregateProfile(JSON.parse(fs.readFileSync(file, 'utf8')), 1);
    let optimized: { nodes: GraphNodeInfo[]; initializers: Set<string> } | undefined;
    if (writeOptimized && fs.existsSync(optimizedPath)) {
      try {
        const opt = decodeModelFile(optimizedPath);
        optimized = { nodes: graphNodes(opt), initializers: new Set(opt.proto.graph?.initializer.map((t) => t.name) ?? []) };
      } catch {
        notes.push('the optimized model onnxruntime saved could not be decoded: profile names were mapped by name only');
      }
    }
    profile = mapProfile(aggregate, graphNodes(model), optimized, level, plans.map((p) => p.name));
  }

  const work = estimateWork(model, resolved.shapes);
  progress({ phase: 'done', message: 'done', percentage: 100 });
  return {
    modelPath,
    provider,
    sessionCreateMs,
    firstRunMs,
    warmupMs,
    latenciesMs,
    measuredWallMs,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    peakRssBytes,
    inputs,
    dims: resolved.choices,
    outputs,
    work,
    versions: { onnxruntime: ort.env.versions.node ?? ort.env.versions.common, node: process.version, v8: process.versions.v8 },
    profile,
    notes,
  };
}

/**
 * The first run failed with some dims defaulted to 1: find which. Tries the defaulted dims
 * together at 8, 32 and 128; at the first value that runs, sets each back to 1 alone: the
 * ones that fail are the ones to set.
 */
async function explainDefaultedDims(
  session: ort.InferenceSession,
  active: InputPlan[],
  plans: InputPlan[],
  files: ReadonlyMap<string, InputValue>,
  options: BenchOptions,
  defaulted: { key: string; input: string; axis: number }[],
  ortMessage: string,
): Promise<BenchError> {
  const keys = [...new Set(defaulted.map((d) => d.key))];
  const tryWith = async (dims: Record<string, number>): Promise<boolean> => {
    try {
      const o = { ...options, dims: { ...options.dims, ...dims } };
      const r = resolveShapes(plans, o, new Map([...files].map(([k, v]) => [k, v.dims])));
      await session.run(buildFeeds(active, r.shapes, files, o).feeds);
      return true;
    } catch {
      return false;
    }
  };
  const where = (key: string) =>
    defaulted
      .filter((d) => d.key === key)
      .map((d) => `input '${d.input}' axis ${d.axis}`)
      .join(', ');
  let works: number | undefined;
  for (const value of [8, 32, 128]) {
    if (await tryWith(Object.fromEntries(keys.map((k) => [k, value])))) {
      works = value;
      break;
    }
  }
  if (works === undefined) {
    return new BenchError(
      'runFailed',
      `the model failed on its first run with ${keys.map((k) => `${k}=1 (${where(k)})`).join(', ')} taken as defaults, and also with them set to 8, 32 and 128, so the dimensions may not be the cause. Set them to the values the model expects (${keys.map((k) => `--dim ${k}=VALUE`).join(' ')}). onnxruntime said: ${ortMessage}`,
      ortMessage,
      defaulted.map((d) => ({ input: d.input, axis: d.axis, key: d.key })),
    );
  }
  const culprits: string[] = [];
  if (keys.length > 1) {
    for (const k of keys) if (!(await tryWith(Object.fromEntries(keys.map((x) => [x, x === k ? 1 : works!]))))) culprits.push(k);
  }
  const blamed = culprits.length ? culprits : keys;
  return new BenchError(
    'dimensions',
    `the model fails with ${blamed.map((k) => `${k} = 1 (${where(k)})`).join(' and ')}, the default for a dimension nobody set; it runs with ${blamed.map((k) => `${k}=${works}`).join(', ')}. ` +
      `Set ${blamed.length > 1 ? 'them' : 'it'} to a real value: ${blamed.map((k) => `--dim ${k}=VALUE`).join(' ')} on the command line (VS Code asks for symbolic dimensions before the run). onnxruntime said: ${ortMessage}`,
    ortMessage,
    defaulted.filter((d) => blamed.includes(d.key)).map((d) => ({ input: d.input, axis: d.axis, key: d.key, worksWith: works })),
  );
}

// ---- roofline calibration -------------------------------------------------------------------

const MATMUL_N = 512;
const COPY_ELEMENTS = 32 * 1024 * 1024;

function matmulModel(n: number): Uint8Array {
  const rng = seededRandom(7);
  const b = Float32Array.from({ length: n * n }, () => rng() - 0.5);
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'calibration_matmul',
      node: [{ opType: 'MatMul', input: ['A', 'B'], output: ['Y'], name: 'matmul' }],
      initializer: [{ name: 'B', dims: [n, n], dataType: 1, raw: float32Raw(b) }],
      input: [{ name: 'A', type: { tensor: { elemType: 1, shape: [n, n] } } }],
      output: [{ name: 'Y', type: { tensor: { elemType: 1, shape: [n, n] } } }],
    },
  });
}

function addModel(elements: number): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'calibration_copy',
      node: [{ opType: 'Add', input: ['X', 'C'], output: ['Y'], name: 'add' }],
      initializer: [{ name: 'C', dims: [], dataType: 1, raw: float32Raw([1]) }],
      input: [{ name: 'X', type: { tensor: { elemType: 1, shape: [elements] } } }],
      output: [{ name: 'Y', type: { tensor: { elemType: 1, shape: [elements] } } }],
    },
  });
}

async function bestOf(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, minRuns: number, budgetMs: number): Promise<number> {
  await session.run(feeds);
  let best = Infinity;
  const start = performance.now();
  for (let i = 0; i < minRuns || performance.now() - start < budgetMs; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    best = Math.min(best, performance.now() - t0);
    if (i > 200) break;
  }
  return best;
}

/**
 * The machine's measured peaks: float32 MatMul (512³, best of many short runs, which holds up on a busy machine) through onnxruntime for
 * compute; a 128 MiB tensor streamed through an element-wise Add (read + write) and a
 * 128 MiB TypedArray copy for memory bandwidth (the faster of the two counts). Best of a few runs.
 */
export async function calibrate(threads: number, progress: Send): Promise<MachineCalibration> {
  const so: ort.InferenceSession.SessionOptions = { intraOpNumThreads: threads, graphOptimizationLevel: 'all', logSeverityLevel: 3 };
  progress({ phase: 'calibrating', message: 'measuring peak compute (MatMul)', percentage: 0 });
  const mm = await ort.InferenceSession.create(matmulModel(MATMUL_N), so);
  const rng = seededRandom(11);
  const a = new ort.Tensor('float32', Float32Array.from({ length: MATMUL_N * MATMUL_N }, () => rng() - 0.5), [MATMUL_N, MATMUL_N]);
  const mmMs = await bestOf(mm, { A: a }, 20, 2000);
  await mm.release();
  const peakGflops = (2 * MATMUL_N ** 3) / (mmMs * 1e6);

  progress({ phase: 'calibrating', message: 'measuring memory bandwidth (tensor copy)', percentage: 50 });
  const add = await ort.InferenceSession.create(addModel(COPY_ELEMENTS), so);
  const x = new ort.Tensor('float32', new Float32Array(COPY_ELEMENTS).fill(1), [COPY_ELEMENTS]);
  const addMs = await bestOf(add, { X: x }, 8, 1000);
  await add.release();
  const addGBps = (2 * 4 * COPY_ELEMENTS) / (addMs * 1e6);
  const src = new Float64Array(COPY_ELEMENTS / 2).fill(1);
  const dst = new Float64Array(COPY_ELEMENTS / 2);
  let copyMs = Infinity;
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    dst.set(src);
    copyMs = Math.min(copyMs, performance.now() - t0);
  }
  const copyGBps = (2 * 8 * (COPY_ELEMENTS / 2)) / (copyMs * 1e6);
  return {
    peakGflops,
    peakGBps: Math.max(addGBps, copyGBps),
    method: `compute: best of up to 200 ${MATMUL_N}x${MATMUL_N}x${MATMUL_N} float32 MatMul runs in onnxruntime with ${threads} intra-op threads (${mmMs.toFixed(1)} ms); bandwidth: the faster of a 128 MiB element-wise Add in onnxruntime (read + write, ${addGBps.toFixed(1)} GB/s) and a 128 MiB TypedArray copy (${copyGBps.toFixed(1)} GB/s)`,
    threads,
    measuredAt: new Date().toISOString(),
    machine: machineFingerprint(),
  };
}
