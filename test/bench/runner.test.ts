/**
 * The benchmark end to end with the real runner process (dist/bench-runner.js) and real
 * onnxruntime-node: statistics, profile, dimensions and every way a job can fail.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchReport } from '../../protocol/bench';
import { BenchError } from '../../server/src/bench/errors';
import { benchmarkModel } from '../../server/src/bench/service';
import { buildModels, SHARED_NODE, SQUEEZENET } from './models';

async function failure(p: Promise<unknown>): Promise<BenchError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BenchError, `expected a BenchError, got ${(e as Error).stack}`);
    return e;
  }
  assert.fail('expected the benchmark to fail');
}

function assertConsistent(r: BenchReport, iterations: number): void {
  const l = r.latencyMs;
  assert.equal(r.iterations, iterations);
  assert.equal(r.samplesMs.length, iterations);
  assert.ok(l.min > 0, `min ${l.min}`);
  assert.ok(l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max, JSON.stringify(l));
  assert.ok(l.min <= l.mean && l.mean <= l.max, JSON.stringify(l));
  assert.ok(r.throughput > 0 && r.sessionCreateMs > 0 && r.firstRunMs > 0);
  assert.equal(r.histogram.counts.reduce((a, b) => a + b, 0), iterations);
  assert.ok(r.peakRssBytes > 10 * 2 ** 20, `peak RSS ${r.peakRssBytes}`);
}

describe('bench runner', function () {
  this.timeout(120000);
  let models: ReturnType<typeof buildModels>;
  const cacheBefore = process.env.ML_HYGIENE_CACHE_DIR;
  before(() => {
    models = buildModels();
    process.env.ML_HYGIENE_CACHE_DIR = path.join(models.dir, 'cache');
  });
  after(() => {
    if (cacheBefore === undefined) delete process.env.ML_HYGIENE_CACHE_DIR;
    else process.env.ML_HYGIENE_CACHE_DIR = cacheBefore;
    fs.rmSync(models.dir, { recursive: true, force: true });
  });

  it('measures test_add with consistent statistics and the iteration count asked for', async () => {
    const progress: string[] = [];
    const r = await benchmarkModel(path.join(SHARED_NODE, 'test_add.onnx'), { iterations: 17, warmup: 2, roofline: false }, { onProgress: (p) => progress.push(p.phase) });
    assertConsistent(r, 17);
    assert.equal(r.warmup, 2);
    assert.equal(r.provider, 'cpu');
    assert.deepEqual(r.inputs.map((i) => [i.name, i.type, i.shape]), [['x', 'float32', [3, 4, 5]], ['y', 'float32', [3, 4, 5]]]);
    assert.match(r.inputs[0].source, /seeded random values in \[0, 1\]/);
    assert.ok(progress.includes('creatingSession') && progress.includes('firstRun') && progress.at(-1) === 'done', progress.join());
    assert.match(r.perfTestCommand, /^onnxruntime_perf_test .* -r 17 .*test_add\.onnx$/);
    assert.equal(r.roofline, null);
  });

  it('honours symbolic dimensions given by name, and states the ones it defaulted', async () => {
    const r = await benchmarkModel(models.dynamic, { iterations: 3, warmup: 0, dims: { seq: 7 }, batchSize: 4, roofline: false });
    assert.deepEqual(r.inputs[0].shape, [4, 7, 16]);
    assert.deepEqual(r.outputs[0].name, 'Y');
    assert.deepEqual(
      r.dims.map((d) => [d.key, d.value, d.from]),
      [['batch', 4, 'batch'], ['seq', 7, 'user']],
    );
    // The MatMul's FLOPs at these dims (plus the Relu's, one per element).
    assert.ok(r.work.flops >= 2 * 4 * 7 * 16 * 8 && r.work.flops <= 2 * 4 * 7 * 16 * 8 + 4 * 7 * 8, `flops ${r.work.flops}`);
    const d = await benchmarkModel(models.dynamic, { iterations: 2, warmup: 0, roofline: false });
    assert.deepEqual(d.inputs[0].shape, [1, 1, 16]);
    assert.ok(d.notes.some((n) => /batch, seq not set: taken as 1/.test(n)), d.notes.join('\n'));
    const e = await failure(benchmarkModel(models.dynamic, { iterations: 2, dims: { nope: 3 }, roofline: false }));
    assert.equal(e.kind, 'usage');
    assert.match(e.message, /no dynamic dimension 'nope'; its dynamic dimensions are: batch, seq/);
  });

  it('feeds inputs from JSON and .npy files, and says what is wrong with a bad one', async () => {
    const x = path.join(models.dir, 'x.json');
    fs.writeFileSync(x, JSON.stringify({ dims: [3, 4, 5], data: Array.from({ length: 60 }, (_, i) => i / 60) }));
    // A hand-written .npy (format 1.0, little-endian float32, C order).
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, 5), }";
    const padded = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const npyHead = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from([padded.length & 0xff, padded.length >> 8]), Buffer.from(padded, 'latin1')]);
    const y = path.join(models.dir, 'y.npy');
    fs.writeFileSync(y, Buffer.concat([npyHead, Buffer.from(new Float32Array(60).fill(0.5).buffer)]));
    const r = await benchmarkModel(path.join(SHARED_NODE, 'test_add.onnx'), { iterations: 2, warmup: 0, roofline: false, inputs: { x: { kind: 'file', path: x }, y: { kind: 'file', path: y } } });
    assert.deepEqual(r.inputs.map((i) => i.source), [`file ${x}`, `file ${y}`]);
    const bad = path.join(models.dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ dims: [3, 4, 6], data: new Array(72).fill(0) }));
    const e = await failure(benchmarkModel(path.join(SHARED_NODE, 'test_add.onnx'), { iterations: 2, roofline: false, inputs: { x: { kind: 'file', path: bad } } }));
    assert.equal(e.kind, 'inputFile');
    assert.match(e.message, /the file for input 'x' has 6 at axis 2, but the model fixes it to 5/);
  });

  it('says which dimension to set when the model fails with the default of 1', async () => {
    const e = await failure(benchmarkModel(models.reshape, { iterations: 2, roofline: false }));
    assert.equal(e.kind, 'dimensions');
    assert.match(e.message, /n = 1 \(input 'X' axis 0\)/);
    assert.match(e.message, /--dim n=VALUE/);
    assert.deepEqual(e.dims?.map((d) => [d.input, d.axis, d.key, d.worksWith]), [['X', 0, 'n', 8]]);
    const ok = await benchmarkModel(models.reshape, { iterations: 2, warmup: 0, dims: { n: 12 }, roofline: false });
    assert.deepEqual(ok.inputs[0].shape, [12]);
  });

  it('profiles squeezenet: per-node times add up to about the profiled run time and map back to model nodes', async () => {
    const r = await benchmarkModel(SQUEEZENET, { iterations: 3, warmup: 1, intraOpThreads: 1, profile: true, profileIterations: 3, roofline: false });
    assertConsistent(r, 3);
    const p = r.profile!;
    assert.ok(p, 'profile present');
    assert.equal(p.runs, 3);
    const sum = p.byNode.reduce((s, n) => s + n.meanUs, 0);
    assert.ok(Math.abs(sum - p.nodeTimeUs) < 1e-6 * p.nodeTimeUs + 1e-9);
    // Kernel time is nearly all of the run (the executor's own work is the rest).
    assert.ok(p.nodeTimeUs <= p.runTimeUs * 1.02 && p.nodeTimeUs >= p.runTimeUs * 0.7, `node ${p.nodeTimeUs} us vs run ${p.runTimeUs} us`);
    const shares = p.byOpType.reduce((s, o) => s + o.share, 0);
    assert.ok(Math.abs(shares - 1) < 1e-6, `shares ${shares}`);
    assert.equal(p.byOpType[0].opType, 'Conv');
    assert.ok(p.byNode.every((n) => n.provider === 'CPUExecutionProvider'));
    // Optimized (NCHWc, fused) nodes map back onto the model's Conv nodes.
    const convs = Object.values(p.nodes).filter((n) => n.opType === 'Conv' && n.meanUs > 0);
    assert.ok(convs.length >= 20, `${convs.length} Conv nodes with time`);
    const mapped = p.byNode.filter((n) => n.modelNodes.length).reduce((s, n) => s + n.meanUs, 0);
    assert.ok(mapped >= 0.95 * p.nodeTimeUs, `mapped ${mapped} of ${p.nodeTimeUs}`);
    // Every model Relu was fused into a Conv (or ran itself).
    const relus = Object.values(p.nodes).filter((n) => n.opType === 'Relu');
    assert.ok(relus.length > 0 && relus.every((n) => n.meanUs > 0 || n.fusedInto), JSON.stringify(relus.slice(0, 3)));
  });

  it('maps a profile with graph optimizations off one to one', async () => {
    const r = await benchmarkModel(SQUEEZENET, { iterations: 2, warmup: 0, intraOpThreads: 1, profile: true, profileIterations: 2, graphOptimization: 'disabled', roofline: false });
    const p = r.profile!;
    assert.ok(p.byNode.every((n) => n.mapping === 'name' && n.modelNodes.length === 1), JSON.stringify(p.byNode.filter((n) => n.mapping !== 'name').slice(0, 3)));
    assert.match(p.mappingNote, /one to one/);
  });

  it('fails clearly for a file that is not a model and for a model onnxruntime cannot load', async () => {
    const g = await failure(benchmarkModel(models.garbage, { iterations: 2, roofline: false }));
    assert.equal(g.kind, 'modelLoad');
    assert.match(g.message, /garbage\.onnx/);
    const b = await failure(benchmarkModel(models.badOp, { iterations: 2, roofline: false }));
    assert.equal(b.kind, 'modelLoad');
    assert.match(b.message, /onnxruntime cannot load .*bad-op\.onnx: .*NoSuchOperator/);
    const m = await failure(benchmarkModel(path.join(models.dir, 'missing.onnx'), { iterations: 2 }));
    assert.equal(m.kind, 'modelLoad');
    assert.match(m.message, /missing\.onnx: no such file/);
  });

  it('refuses bfloat16 inputs with a clear error', async () => {
    const e = await failure(benchmarkModel(models.bfloat16, { iterations: 2, roofline: false }));
    assert.equal(e.kind, 'unsupportedType');
    assert.match(e.message, /input 'X' has element type bfloat16, which onnxruntime-node 1\.30 cannot feed/i);
  });

  it('says what is missing for an unavailable provider (cuda here) and never falls back to the CPU', async () => {
    const e = await failure(benchmarkModel(path.join(SHARED_NODE, 'test_add.onnx'), { iterations: 2, provider: 'cuda' }));
    assert.equal(e.kind, 'providerUnavailable');
    assert.match(e.message, /'cuda' execution provider is not available/);
    assert.match(e.message, /never measures on the CPU instead/);
    assert.match(e.message, /libonnxruntime_providers_cuda\.so/);
    assert.match(e.message, /npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12/);
    assert.match(e.message, /CUDA 12 and cuDNN 9/);
  });

  it('reports a runner killed mid-run as such, and the next benchmark still works', async () => {
    let pid: number | undefined;
    let killed = false;
    const e = await failure(
      benchmarkModel(SQUEEZENET, { iterations: 100000, warmup: 0, intraOpThreads: 1, roofline: false }, {
        onRunnerStart: (p) => (pid = p),
        onProgress: (p) => {
          if (p.phase === 'warmup' || p.phase === 'measuring' || p.phase === 'firstRun') {
            if (!killed && pid) {
              killed = true;
              process.kill(pid, 'SIGKILL');
            }
          }
        },
      }),
    );
    assert.equal(e.kind, 'runnerCrashed');
    assert.match(e.message, /runner was killed \(SIGKILL\) while (running the model for the first time|warming up|measuring)/);
    assert.match(e.message, /language server is unaffected/);
    const r = await benchmarkModel(path.join(SHARED_NODE, 'test_add.onnx'), { iterations: 2, warmup: 0, roofline: false });
    assert.equal(r.iterations, 2);
  });

  it('stops at the time limit and on cancellation', async () => {
    const t = await failure(benchmarkModel(SQUEEZENET, { iterations: 100000, warmup: 0, intraOpThreads: 1, timeLimitMs: 1500, roofline: false }));
    assert.equal(t.kind, 'timeLimit');
    assert.match(t.message, /past its time limit of 2 s|past its time limit of 1\.5 s|past its time limit/);
    const abort = new AbortController();
    const c = await failure(
      benchmarkModel(SQUEEZENET, { iterations: 100000, warmup: 0, intraOpThreads: 1, roofline: false }, { onProgress: (p) => p.phase === 'measuring' && abort.abort(), signal: abort.signal }),
    );
    assert.equal(c.kind, 'cancelled');
  });

  it('computes a roofline for a MatMul-heavy model (calibrating once, then from the cache)', async () => {
    const r = await benchmarkModel(models.matmulChain, { iterations: 5, warmup: 1, intraOpThreads: 1, dims: { batch: 64 } });
    const rf = r.roofline!;
    assert.ok(rf, r.notes.join('\n'));
    assert.equal(r.work.flops, 4 * 2 * 64 * 256 * 256);
    assert.ok(rf.peakGflops > 0 && rf.peakGBps > 0 && rf.achievedGflops > 0);
    assert.ok(Math.abs(rf.computePercent - (100 * rf.achievedGflops) / rf.peakGflops) < 1e-9);
    assert.ok(rf.bound === 'compute' || rf.bound === 'memory');
    assert.ok(fs.existsSync(path.join(process.env.ML_HYGIENE_CACHE_DIR!, 'roofline-calibration.json')));
    const again = await benchmarkModel(models.matmulChain, { iterations: 2, warmup: 0, intraOpThreads: 1, dims: { batch: 64 } });
    assert.equal(again.roofline!.calibration.measuredAt, rf.calibration.measuredAt);
  });
});

