/**
 * The benchmark requests over a real language server (dist/server.js over stdio): results,
 * `$/progress`, saved runs and their comparison, and failures (a model that fails to load,
 * a runner killed mid-run, cancellation) that leave the server working.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationTokenSource, type ResponseError } from 'vscode-languageserver-protocol/node';
import { BenchMethods, type BenchComparison, type BenchErrorInfo, type BenchInputsResult, type BenchmarkResult, type SavedRunEntry } from '../../protocol/bench';
import { LspTestClient } from '../helpers/lsp-client';
import { buildModels, SHARED_NODE, SQUEEZENET } from './models';

type Progress = { token: string | number; value: { kind: string; message?: string; percentage?: number; title?: string } };

/** Resolves once a `$/progress` notification for `token` satisfies `predicate` (checked as they arrive). */
function waitForProgress(client: LspTestClient, token: string, predicate: (p: Progress['value']) => boolean, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if ((client.progress as Progress[]).some((p) => p.token === token && predicate(p.value))) return resolve();
      if (Date.now() > deadline) return reject(new Error(`no matching progress for ${token}: ${JSON.stringify(client.progress.slice(-5))}`));
      setTimeout(check, 10);
    };
    check();
  });
}

/** The server's child processes (the runner), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('benchmarks over LSP', function () {
  this.timeout(120000);
  let client: LspTestClient;
  let models: ReturnType<typeof buildModels>;
  let runsDir: string;
  const addModel = path.join(SHARED_NODE, 'test_add.onnx');
  const cacheBefore = process.env.ML_HYGIENE_CACHE_DIR;
  before(async () => {
    models = buildModels();
    runsDir = path.join(models.dir, '.ml-hygiene', 'runs');
    process.env.ML_HYGIENE_CACHE_DIR = path.join(models.dir, 'cache');
    ({ client } = await LspTestClient.start(undefined));
  });
  after(async () => {
    await client.stop();
    if (cacheBefore === undefined) delete process.env.ML_HYGIENE_CACHE_DIR;
    else process.env.ML_HYGIENE_CACHE_DIR = cacheBefore;
    fs.rmSync(models.dir, { recursive: true, force: true });
  });

  it('describes the inputs and symbolic dimensions to ask for', async () => {
    const r = (await client.connection.sendRequest(BenchMethods.benchmarkInputs, { path: models.dynamic })) as BenchInputsResult;
    assert.deepEqual(r.inputs, [{ name: 'X', elemType: 'FLOAT', shape: ['batch', 'seq', 16] }]);
    assert.deepEqual(r.symbolicDims.map((d) => [d.key, d.firstAxisOnly]), [['batch', true], ['seq', false]]);
    const bf = (await client.connection.sendRequest(BenchMethods.benchmarkInputs, { path: models.bfloat16 })) as BenchInputsResult;
    assert.deepEqual(bf.unsupported, ['X']);
  });

  it('benchmarks and profiles with $/progress, saves the runs and compares them', async () => {
    const token = 'bench-1';
    const a = (await client.connection.sendRequest(BenchMethods.benchmarkModel, { path: addModel, options: { iterations: 5, warmup: 0, roofline: false }, runsDir, workDoneToken: token })) as BenchmarkResult;
    assert.equal(a.report.iterations, 5);
    assert.ok(a.savedPath && fs.existsSync(a.savedPath));
    const mine = (client.progress as Progress[]).filter((p) => p.token === token).map((p) => p.value.kind);
    assert.equal(mine[0], 'begin');
    assert.equal(mine.at(-1), 'end');
    const b = (await client.connection.sendRequest(BenchMethods.profileModel, { path: addModel, options: { iterations: 5, warmup: 0, profileIterations: 2, roofline: false }, runsDir })) as BenchmarkResult;
    assert.ok(b.report.profile && b.report.profile.byOpType[0].opType === 'Add');
    assert.equal(Object.keys(b.report.profile.nodes).length, 1);
    const runs = (await client.connection.sendRequest(BenchMethods.listRuns, { runsDir, modelPath: addModel })) as SavedRunEntry[];
    assert.equal(runs.length, 2);
    assert.equal(runs[0].path, b.savedPath);
    assert.equal(runs[0].profiled, true);
    const cmp = (await client.connection.sendRequest(BenchMethods.compareRuns, { before: a.savedPath, after: b.savedPath })) as BenchComparison;
    assert.equal(cmp.latencyMs.p50.before, a.report.latencyMs.p50);
    assert.equal(cmp.latencyMs.p50.after, b.report.latencyMs.p50);
    assert.ok(cmp.caveats.every((c) => !/providers differ/.test(c)));
  });

  it('answers a model that fails to load with a clear error, and keeps working', async () => {
    const err = (await client.connection.sendRequest(BenchMethods.benchmarkModel, { path: models.badOp, options: { iterations: 2, roofline: false } }).then(
      () => assert.fail('expected an error'),
      (e) => e,
    )) as ResponseError<BenchErrorInfo>;
    assert.match(err.message, /onnxruntime cannot load .*bad-op\.onnx/);
    assert.equal(err.data?.kind, 'modelLoad');
    const ok = (await client.connection.sendRequest(BenchMethods.benchmarkModel, { path: addModel, options: { iterations: 2, warmup: 0, roofline: false } })) as BenchmarkResult;
    assert.equal(ok.report.iterations, 2);
  });

  it('reports a runner killed mid-run, and the server keeps working', async () => {
    const token = 'bench-kill';
    const pending = client.connection.sendRequest(BenchMethods.benchmarkModel, { path: SQUEEZENET, options: { iterations: 100000, warmup: 0, intraOpThreads: 1, roofline: false }, workDoneToken: token });
    const outcome = pending.then(() => undefined, (e: ResponseError<BenchErrorInfo>) => e);
    await waitForProgress(client, token, (v) => /^run \d+/.test(v.message ?? ''));
    const runners = childrenOf(client.child.pid!);
    assert.equal(runners.length, 1, `server children: ${runners}`);
    process.kill(runners[0], 'SIGKILL');
    const err = await outcome;
    assert.ok(err, 'the request failed');
    assert.equal(err.data?.kind, 'runnerCrashed');
    assert.match(err.message, /runner was killed \(SIGKILL\) while measuring.*language server is unaffected/);
    const ok = (await client.connection.sendRequest(BenchMethods.benchmarkModel, { path: addModel, options: { iterations: 2, warmup: 0, roofline: false } })) as BenchmarkResult;
    assert.equal(ok.report.iterations, 2);
    const text = (await client.connection.sendRequest('mlHygiene/modelText', { path: addModel })) as { text: string };
    assert.match(text.text, /Add/);
  });

  it('cancels a running benchmark ($/cancelRequest) and ends its runner', async () => {
    const token = 'bench-cancel';
    const source = new CancellationTokenSource();
    const pending = client.connection.sendRequest(BenchMethods.benchmarkModel, { path: SQUEEZENET, options: { iterations: 100000, warmup: 0, intraOpThreads: 1, roofline: false }, workDoneToken: token }, source.token);
    const outcome = pending.then(() => undefined, (e: ResponseError<BenchErrorInfo>) => e);
    await waitForProgress(client, token, (v) => /^run \d+/.test(v.message ?? ''));
    const runner = childrenOf(client.child.pid!)[0];
    source.cancel();
    const err = await outcome;
    assert.ok(err);
    assert.equal(err.data?.kind, 'cancelled');
    await waitForProgress(client, token, (v) => v.kind === 'end');
    // The runner is gone (killed when the request was cancelled).
    assert.ok(!childrenOf(client.child.pid!).includes(runner));
  });
});

