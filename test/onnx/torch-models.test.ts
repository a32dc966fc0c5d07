/**
 * Models exported in test setup by Debian's torch/torchvision (cached by script hash): a
 * CNN, a TransformerEncoder, a scripted model with Loop/If, and the CNN with external
 * data. Checked against what Python's onnx and numpy say about the same files.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModelFile } from '../../server/src/onnx/decode';
import { lintModel } from '../../server/src/onnx/lint';
import { summarizeModel } from '../../server/src/onnx/summary';
import { tensorStatistics } from '../../server/src/onnx/tensor-data';
import { modelToText } from '../../server/src/onnx/text';
import { cachedExport, makeTempDir } from './helpers';

interface OracleEntry {
  nodes: number; initializers: number; inputs: string[]; outputs: string[]; opTypes: string[]; parameters: number; external: number;
  largestWeight?: { name: string; dims: number[]; min: number; max: number; mean: number; std: number; zeros: number };
}

describe('models exported by PyTorch', function () {
  this.timeout(300_000);
  let dir: string;
  let oracle: Record<string, OracleEntry>;
  before(() => {
    dir = cachedExport('export_torch.py');
    oracle = JSON.parse(fs.readFileSync(path.join(dir, 'oracle.json'), 'utf8'));
  });

  for (const name of ['cnn.onnx', 'transformer.onnx', 'control_flow.onnx', 'external/cnn.onnx']) {
    it(`${name}: same graph as onnx reads, parameters counted`, () => {
      const model = decodeModelFile(path.join(dir, name));
      const g = model.proto.graph!;
      const expected = oracle[name];
      assert.equal(g.node.length, expected.nodes);
      assert.equal(g.initializer.length, expected.initializers);
      assert.deepEqual(g.input.map((v) => v.name), expected.inputs);
      assert.deepEqual(g.output.map((v) => v.name), expected.outputs);
      assert.deepEqual([...new Set(g.node.map((n) => n.opType))].sort(), expected.opTypes);
      assert.equal(g.initializer.filter((t) => t.payload.kind === 'external').length, expected.external);
      const summary = summarizeModel(model);
      assert.equal(summary.parameters.count, expected.parameters);
      assert.equal(summary.producer.name, 'pytorch');
    });
  }

  it('cnn: symbolic batch, inferred shapes and MACs of mobilenet_v3_small', () => {
    const summary = summarizeModel(decodeModelFile(path.join(dir, 'cnn.onnx')));
    assert.equal(summary.graph.inputs[0].type?.text, 'float[batch,3,224,224]');
    assert.equal(summary.graph.outputs[0].type?.text, 'float[batch,1000]');
    const firstConv = summary.graph.nodes.find((n) => n.opType === 'Conv')!;
    assert.deepEqual(firstConv.outputs[0].type?.shape, ['batch', 16, 112, 112]);
    assert.equal(firstConv.outputs[0].typeSource, 'inferred');
    // torchvision reports 0.06 GFLOPS (multiply-adds) for mobilenet_v3_small.
    assert.ok(summary.flops.macs > 0.05e9 && summary.flops.macs < 0.065e9, String(summary.flops.macs));
    assert.deepEqual(summary.flops.symbolicDims, ['batch']);
    assert.equal(summary.flops.uncostedNodes, 0);
  });

  it('transformer: attention MatMuls get shapes through Shape/Gather/Concat/Reshape', () => {
    const summary = summarizeModel(decodeModelFile(path.join(dir, 'transformer.onnx')));
    const matmuls = summary.graph.nodes.filter((n) => n.opType === 'MatMul');
    assert.ok(matmuls.length >= 4);
    assert.ok(matmuls.every((n) => n.macs !== null), 'every MatMul costed');
    // Per layer, per unit of seq and batch: in_proj 64*192, QK^T and AV 4 heads*16 each,
    // out_proj 64*64, feed-forward 2*64*128.
    const perLayer = 64 * 192 + 4 * 16 + 4 * 16 + 64 * 64 + 2 * 64 * 128;
    assert.equal(summary.flops.macs, 2 * perLayer);
    assert.deepEqual(summary.flops.symbolicDims, ['batch', 'seq']);
    const scores = matmuls.find((n) => n.outputs[0].name.endsWith('MatMul_1_output_0'))!;
    assert.equal(scores.outputs[0].type?.text, 'float[batch*4,seq,seq]');
    assert.equal(summary.graph.outputs[0].type?.text, 'float[seq,batch,64]');
  });

  it('control_flow: Loop body with a nested If is decoded, summarized and printed', () => {
    const model = decodeModelFile(path.join(dir, 'control_flow.onnx'));
    const loop = model.proto.graph!.node.find((n) => n.opType === 'Loop')!;
    const body = loop.attribute.find((a) => a.name === 'body')!.g!;
    const nestedIf = body.node.find((n) => n.opType === 'If')!;
    assert.ok(nestedIf.attribute.find((a) => a.name === 'then_branch')?.g);
    const summary = summarizeModel(model);
    const loopSummary = summary.graph.nodes.find((n) => n.opType === 'Loop')!;
    assert.equal(loopSummary.subgraphs?.[0].attribute, 'body');
    assert.ok(loopSummary.subgraphs?.[0].graph.nodes.some((n) => n.opType === 'If' && n.subgraphs?.length === 2));
    const text = modelToText(model);
    assert.match(text, /= Loop \(.*\) <\n\s+body: graph = /);
    assert.match(text, /then_branch: graph = /);
  });

  it('external data: statistics of the largest weight equal numpy\'s, read from the .data file', async () => {
    const expected = oracle['cnn.onnx'].largestWeight!;
    for (const name of ['cnn.onnx', 'external/cnn.onnx']) {
      const model = decodeModelFile(path.join(dir, name));
      const tensor = model.proto.graph!.initializer.find((t) => t.name === expected.name)!;
      assert.equal(tensor.payload.kind, name.startsWith('external') ? 'external' : 'raw');
      const stats = await tensorStatistics(model, tensor, { bins: 10 });
      assert.deepEqual(stats.dims, expected.dims);
      assert.equal(stats.min, expected.min);
      assert.equal(stats.max, expected.max);
      assert.ok(Math.abs(stats.mean! - expected.mean) < 1e-9, `${stats.mean} vs ${expected.mean}`);
      assert.ok(Math.abs(stats.std! - expected.std) < 1e-7, `${stats.std} vs ${expected.std}`);
      assert.equal(stats.zeros, expected.zeros);
      assert.equal(stats.histogram.counts.reduce((a, b) => a + b, 0), stats.elementCount);
    }
  });

  it('external data: a model copied without its .data file gets MODEL014, not a crash', async () => {
    const lonely = makeTempDir('lonely');
    try {
      fs.copyFileSync(path.join(dir, 'external/cnn.onnx'), path.join(lonely, 'cnn.onnx'));
      const findings = await lintModel(path.join(lonely, 'cnn.onnx'));
      const missing = findings.filter((f) => f.rule === 'MODEL014');
      assert.equal(missing.length, oracle['external/cnn.onnx'].external);
      assert.match(missing[0].message, /external data file 'cnn.data' does not exist/);
      const summary = summarizeModel(decodeModelFile(path.join(lonely, 'cnn.onnx')));
      assert.ok(summary.parameters.externalBytes > 10_000_000);
    } finally {
      fs.rmSync(lonely, { recursive: true, force: true });
    }
  });

  it('lint of the exported models: traceability findings only', async () => {
    for (const name of ['cnn.onnx', 'transformer.onnx', 'external/cnn.onnx']) {
      const findings = await lintModel(path.join(dir, name));
      assert.deepEqual([...new Set(findings.map((f) => f.rule))].sort(), ['MODEL002'], `${name}: ${JSON.stringify(findings)}`);
    }
  });
});
