/** `ml-hygiene bench` through the built CLI (bin/ml-hygiene.js), with the real runner. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, REPO } from '../helpers/cli';
import { buildModels, SHARED_NODE } from './models';

describe('ml-hygiene bench', function () {
  this.timeout(120000);
  let models: ReturnType<typeof buildModels>;
  let cache: string;
  const bench = (args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, 'bench', ...args], { cwd: REPO, encoding: 'utf8', timeout: 120000, env: { ...process.env, ML_HYGIENE_CACHE_DIR: cache } });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  before(() => {
    models = buildModels();
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-bench-cache-'));
  });
  after(() => {
    fs.rmSync(models.dir, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('prints the JSON report: latencyMs percentiles, throughput, iterations, and operators when profiled', () => {
    const r = bench([path.join(SHARED_NODE, 'test_matmul_2d.onnx'), '--iterations', '12', '--warmup', '1', '--threads', '1', '--profile', '--profile-iterations', '2', '--no-roofline', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (const k of ['min', 'mean', 'p50', 'p90', 'p95', 'p99', 'max']) assert.equal(typeof j.latencyMs[k], 'number', k);
    assert.ok(j.latencyMs.min <= j.latencyMs.p50 && j.latencyMs.p50 <= j.latencyMs.p99 && j.latencyMs.p99 <= j.latencyMs.max);
    assert.equal(j.iterations, 12);
    assert.ok(j.throughput > 0);
    assert.ok(Array.isArray(j.operators) && j.operators.length >= 1);
    assert.equal(j.operators[0].opType, 'MatMul');
    assert.ok(j.operators[0].share > 0.99);
    assert.equal(j.options.intraOpThreads, 1);
    assert.match(j.perfTestCommand, /-x 1 /);
  });

  it('takes --dim and --batch, prints text and csv', () => {
    const t = bench([models.dynamic, '--iterations', '3', '--warmup', '0', '--dim', 'seq=5', '--batch', '2', '--no-roofline']);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /inputs: X float32\[2,5,16\]/);
    assert.match(t.stdout, /dims: batch=2 \(batch\), seq=5/);
    assert.match(t.stdout, /latency ms: min .* p50 .* p99 .* max/);
    assert.match(t.stdout, /same with onnxruntime_perf_test: onnxruntime_perf_test .*-f batch:2 -f seq:5/);
    const c = bench([models.dynamic, '--iterations', '3', '--warmup', '0', '--dim', 'seq=5', '--no-roofline', '--format', 'csv']);
    assert.equal(c.status, 0, c.stderr);
    const rows = c.stdout.trim().split('\n').map((l) => l.split(','));
    assert.deepEqual(rows[0], ['metric', 'value']);
    assert.ok(rows.some((r) => r[0] === 'latency_p50_ms' && Number(r[1]) > 0));
    assert.ok(rows.some((r) => r[0] === 'iterations' && r[1] === '3'));
  });

  it('saves a run and compares with it', () => {
    const runs = path.join(models.dir, 'runs');
    const a = bench([path.join(SHARED_NODE, 'test_add.onnx'), '--iterations', '5', '--warmup', '0', '--no-roofline', '--save', runs, '--format', 'json']);
    assert.equal(a.status, 0, a.stderr);
    const saved = JSON.parse(a.stdout).savedPath as string;
    assert.ok(fs.existsSync(saved) && saved.startsWith(runs));
    const b = bench([path.join(SHARED_NODE, 'test_add.onnx'), '--iterations', '5', '--warmup', '0', '--no-roofline', '--compare', saved]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /compared with .*\n\s+p50\s+[\d.]+ -> [\d.]+ ms \([+-][\d.]+%\)/);
  });

  it('exits 1 with a clear message when the benchmark fails, 2 on bad usage', () => {
    const cuda = bench([path.join(SHARED_NODE, 'test_add.onnx'), '--provider', 'cuda', '--iterations', '2']);
    assert.equal(cuda.status, 1);
    assert.match(cuda.stderr, /^ml-hygiene bench: The 'cuda' execution provider is not available.*npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12/m);
    const bf = bench([models.bfloat16, '--iterations', '2']);
    assert.equal(bf.status, 1);
    assert.match(bf.stderr, /input 'X' has element type bfloat16/i);
    const dims = bench([models.reshape, '--iterations', '2', '--no-roofline']);
    assert.equal(dims.status, 1);
    assert.match(dims.stderr, /--dim n=VALUE/);
    const missing = bench([path.join(models.dir, 'nope.onnx')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope\.onnx: no such file/);
    const usage = bench([path.join(SHARED_NODE, 'test_add.onnx'), '--iterations', 'many']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--iterations must be a whole number, not 'many'/);
    const unknown = bench([path.join(SHARED_NODE, 'test_add.onnx'), '--provider', 'tpu']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown execution provider 'tpu'/);
  });
});
