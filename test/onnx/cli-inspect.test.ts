/**
 * `ml-hygiene inspect` on a shared model (text and JSON) and on bad input: a zero-byte
 * file (which Python's onnx.load accepts as an empty model), a truncated model, a file that
 * is not ONNX, a missing path and bad usage. Exit codes as documented on runInspect.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { runInspect } from '../../server/src/cli/inspect';
import type { ModelSummary } from '../../protocol/model';
import type { TensorStats } from '../../protocol/model';
import { makeTempDir, SHARED_MODELS, SYSTEM_PYTHON } from './helpers';
import { execFileSync } from 'node:child_process';

async function inspect(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (chunk) => (outText += chunk));
  err.on('data', (chunk) => (errText += chunk));
  const code = await runInspect(argv, out, err);
  return { code, out: outText, err: errText };
}

const RESNET = path.join(SHARED_MODELS, 'light/light_resnet50.onnx');
const SQUEEZENET = path.resolve(__dirname, '../../examples/models/squeezenet1_1.onnx');

describe('CLI: ml-hygiene inspect', () => {
  let dir: string;
  before(() => { dir = makeTempDir('inspect'); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('json: the summary with findings; exit 1 because of error findings', async () => {
    const { code, out, err } = await inspect(RESNET, '--format', 'json');
    assert.equal(err, '');
    const json = JSON.parse(out) as ModelSummary;
    assert.equal(json.irVersion, 3);
    assert.deepEqual(json.opsets, [{ domain: '', version: 9 }]);
    assert.deepEqual(json.producer, { name: 'onnx-caffe2', version: '' });
    assert.equal(json.graph.nodeCount, 415);
    assert.equal(json.graph.initializerCount, 269);
    assert.equal(json.graph.inputs[0].name, 'gpu_0/data_0');
    assert.equal(json.graph.outputs[0].type?.text, 'float[1,1000]');
    assert.ok(json.parameters.count > 0 && json.parameters.byDataType.length > 0);
    assert.ok(Math.abs(json.flops.macs / 1e9 - 4.09) < 0.02);
    const rules = new Set(json.findings!.map((f) => f.rule));
    assert.ok(rules.has('MODEL001') && rules.has('MODEL002'), [...rules].join(','));
    assert.equal(code, json.findings!.some((f) => f.severity === 'error') ? 1 : 0);
  });

  it('text: header, I/O, parameters, FLOPs, findings', async () => {
    const { out } = await inspect(RESNET);
    assert.match(out, /IR version\s+3/);
    assert.match(out, /opsets\s+ai\.onnx 9/);
    assert.match(out, /graph\s+resnet50: 415 nodes, 269 initializers/);
    assert.match(out, /gpu_0\/softmax_1: float\[1,1000\]/);
    assert.match(out, /FLOPs\s+8\.\d+ G, MACs 4\.\d+ G/);
    assert.match(out, /warning MODEL001 {2}model producer 'onnx-caffe2' has no producer_version/);
  });

  it('exit 0 for a clean model', async () => {
    const clean = path.join(SHARED_MODELS, 'node/test_relu.onnx');
    const { code } = await inspect(clean, '--format=json');
    assert.equal(code, 0);
  });

  const badInputs: [string, () => string, RegExp][] = [
    ['zero-byte file', () => { const f = path.join(dir, 'empty.onnx'); fs.writeFileSync(f, ''); return f; }, /empty\.onnx: empty file \(0 bytes\): not an ONNX model/],
    ['truncated model', () => {
      const f = path.join(dir, 'truncated.onnx');
      fs.writeFileSync(f, fs.readFileSync(RESNET).subarray(0, 30_000));
      return f;
    }, /truncated\.onnx: graph(\.[a-z_]+\[\d+\])*: .*byte \d+.*(end of file \(size 30000\)|enclosing message)/],
    ['non-onnx file', () => { const f = path.join(dir, 'notes.onnx'); fs.writeFileSync(f, 'This is a README, not a model.\n'); return f; }, /notes\.onnx: .*(byte \d+|not an ONNX model)/],
    ['PNG file', () => {
      const f = path.join(dir, 'image.onnx');
      fs.writeFileSync(f, Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'));
      return f;
    }, /image\.onnx: .*(byte \d+|not an ONNX model)/],
    ['nonexistent path', () => path.join(dir, 'nope.onnx'), /nope\.onnx: no such file/],
    ['a directory', () => dir, /: is a directory/],
  ];
  for (const [name, make, message] of badInputs) {
    it(`exit 2 with a clear message: ${name}`, async () => {
      const file = make();
      const { code, out, err } = await inspect(file, '--format', 'json');
      assert.equal(code, 2);
      assert.equal(out, '');
      assert.match(err, message);
      assert.ok(err.includes(file), err);
    });
  }

  it('--nodes lists every main-graph node with its output shapes and FLOPs', async () => {
    const { code, out } = await inspect(SQUEEZENET, '--nodes');
    assert.equal(code, 0);
    const rows = out.split('\n').filter((l) => /^\s+\d+ {2}\S/.test(l));
    assert.equal(rows.length, 83);
    assert.match(out, /^\s+\d+ {2}Conv\s+\/features\/features\.0\/Conv -> \S+: float\[batch,64,111,111\]\s+[\d.]+ M FLOPs$/m);
  });

  it('--tensor: statistics and histogram of one weight, equal to numpy\'s', async () => {
    const oracle = JSON.parse(execFileSync(SYSTEM_PYTHON, ['-c', `
import json, sys, onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
w = next(numpy_helper.to_array(t) for t in m.graph.initializer if t.name == sys.argv[2]).astype('float64')
print(json.dumps({"min": w.min(), "max": w.max(), "mean": w.mean(), "std": w.std(), "count": int(w.size)}))
`, SQUEEZENET, 'features.3.expand3x3.weight'], { encoding: 'utf8' })) as { min: number; max: number; mean: number; std: number; count: number };
    const { code, out, err } = await inspect(SQUEEZENET, '--format', 'json', '--tensor', 'features.3.expand3x3.weight');
    assert.equal(err, '');
    assert.equal(code, 0);
    const stats = (JSON.parse(out) as { tensors: TensorStats[] }).tensors[0];
    assert.equal(stats.elementCount, oracle.count);
    assert.deepEqual(stats.dims, [64, 16, 3, 3]);
    for (const k of ['min', 'max', 'mean', 'std'] as const) assert.ok(Math.abs(stats[k]! - oracle[k]) < 1e-6, `${k}: ${stats[k]} vs ${oracle[k]}`);
    assert.equal(stats.histogram.counts.reduce((a, b) => a + b, 0), oracle.count);
    const text = (await inspect(SQUEEZENET, '--tensor', 'features.3.expand3x3.weight')).out;
    assert.match(text, /tensor {10}features\.3\.expand3x3\.weight: float\[64,16,3,3\], 9\.22 k values/);
    assert.equal(text.split('\n').filter((l) => / \| #* \d+$/.test(l)).length, 16);
  });

  it('--tensor with a name the model lacks: exit 2, and names ones it has', async () => {
    const { code, err } = await inspect(SQUEEZENET, '--tensor', 'expand3x3');
    assert.equal(code, 2);
    assert.match(err, /has no initializer named 'expand3x3'; did you mean 'features\.3\.expand3x3\.weight'/);
    assert.equal((await inspect(SQUEEZENET, '--tensor')).code, 2);
  });

  it('exit 2 on bad usage', async () => {
    assert.equal((await inspect()).code, 2);
    assert.equal((await inspect(RESNET, '--format', 'yaml')).code, 2);
    assert.equal((await inspect(RESNET, RESNET)).code, 2);
    assert.equal((await inspect(RESNET, '--frobnicate')).code, 2);
  });
});
