/**
 * The graph view's requests through the real bundled language server (dist/server.js over
 * stdio): open, layout (expand), node details, search, tensor statistics, findings, and a
 * broken model answered with the decoder's error. The layout runs in the server's worker
 * threads (dist/layout-worker.js).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GraphMethods, type GraphFindingsResult, type GraphNodeDetails, type GraphOpenResult, type GraphSearchResult, type PackedScene, unpackScene } from '../../protocol/graph';
import type { TensorStats } from '../../protocol/model';
import { LspTestClient } from '../helpers/lsp-client';
import { syntheticTransformer } from '../webview/synthetic-model';

const SHARED = path.join(__dirname, '..', '..', '..', 'shared', 'models', 'onnx-backend');

describe('graph view over LSP', function () {
  this.timeout(120_000);
  let client: LspTestClient;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-graph-lsp-'));
    fs.writeFileSync(path.join(dir, 'gpt.onnx'), syntheticTransformer({ nodes: 500 }));
    const bytes = fs.readFileSync(path.join(SHARED, 'light', 'light_inception_v1.onnx'));
    fs.writeFileSync(path.join(dir, 'truncated.onnx'), bytes.subarray(0, Math.floor(bytes.length / 3)));
    ({ client } = await LspTestClient.start(undefined));
  });
  after(() => client.stop());

  it('opens, expands, details, searches, reads statistics and findings', async () => {
    const file = path.join(dir, 'gpt.onnx');
    const first = (await client.connection.sendRequest(GraphMethods.open, { path: file })) as GraphOpenResult;
    assert.ok(first.scene.expanded.includes('g/transformer/h.2'), 'a small model opens expanded');
    // Reopened with only the transformer open (as a saved view state would).
    const open = (await client.connection.sendRequest(GraphMethods.open, { path: file, expanded: ['g/transformer'] })) as GraphOpenResult;
    assert.equal(open.model.producer.name, 'pytorch');
    assert.equal(open.breadcrumbs.length, 1);
    // Scenes cross LSP packed (columns in base64 typed arrays, one string table).
    const openScene = unpackScene(open.scene);
    const layer = openScene.nodes.find((n) => n.id === 'g/transformer/h.2')!;
    assert.ok(layer && !layer.expanded);
    const expanded = unpackScene((await client.connection.sendRequest(GraphMethods.layout, { path: file, expanded: [...open.scene.expanded, layer.id] })) as PackedScene);
    assert.ok(expanded.nodes.find((n) => n.id === layer.id)!.expanded);
    assert.ok(expanded.nodes.length > openScene.nodes.length);
    const search = (await client.connection.sendRequest(GraphMethods.search, { path: file, query: '/transformer/h.2/attn/Softmax' })) as GraphSearchResult;
    // The node by name, and the node that reads its output tensor.
    assert.equal(search.total, 2);
    assert.deepEqual(search.matches.map((m) => m.matched), ['name', 'tensor']);
    assert.deepEqual(search.matches[0].ancestors, ['g/transformer', 'g/transformer/h.2', 'g/transformer/h.2/attn']);
    const details = (await client.connection.sendRequest(GraphMethods.node, { path: file, id: search.matches[0].id })) as GraphNodeDetails;
    assert.equal(details.node.opType, 'Softmax');
    assert.equal(details.node.attributes[0].name, 'axis');
    assert.equal(details.inputFrom[0].kind, 'node');
    const mm = (await client.connection.sendRequest(GraphMethods.search, { path: file, query: '/transformer/h.0/attn/q_proj/MatMul' })) as GraphSearchResult;
    const mmDetails = (await client.connection.sendRequest(GraphMethods.node, { path: file, id: mm.matches[0].id })) as GraphNodeDetails;
    const weight = mmDetails.inputFrom[1];
    assert.equal(weight.kind, 'initializer');
    assert.ok(mmDetails.node.flops !== null || mmDetails.node.macs === null);
    assert.deepEqual(mmDetails.source, { file: '/home/alice/work/gpt/model.py', line: 40, text: 'x = self.attn/q_proj(x)' });
    const stats = (await client.connection.sendRequest(GraphMethods.tensorStats, { path: file, tensor: 'transformer.h.0.attn.q_proj.weight' })) as TensorStats;
    assert.equal(stats.elementCount, 64);
    assert.ok(stats.histogram.counts.reduce((a, b) => a + b, 0) === 64);
    const findings = (await client.connection.sendRequest(GraphMethods.findings, { path: file })) as GraphFindingsResult;
    assert.ok(Array.isArray(findings.findings));
  });

  it('answers a broken model with the decoder\'s error and keeps serving', async () => {
    await assert.rejects(client.connection.sendRequest(GraphMethods.open, { path: path.join(dir, 'truncated.onnx') }), /truncated\.onnx/);
    const again = (await client.connection.sendRequest(GraphMethods.open, { path: path.join(SHARED, 'node', 'test_if.onnx') })) as GraphOpenResult;
    assert.equal(unpackScene(again.scene).nodes.find((n) => n.opType === 'If')?.steps?.length, 2);
  });
});
