/**
 * Grouping by name scopes, sections, default expansion, layout per group in worker
 * threads, and the scene the view draws; on hand-built graphs, a real ResNet-50 and a
 * synthetic transformer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packScene, unpackScene, type GraphScene, type SceneNode } from '../../protocol/graph';
import { GraphLayouter, LayoutPool } from '../../server/src/graph/layout';
import { GraphService, sourceOf } from '../../server/src/graph/service';
import { ancestorsOf, buildStructure, defaultExpanded, MAX_CHILDREN, scopesOf, type GraphBody } from '../../server/src/graph/structure';
import type { Node } from '../../server/src/onnx/model';
import { syntheticTransformer } from '../webview/synthetic-model';

function node(name: string, opType: string, input: string[], output: string[]): Node {
  return { name, opType, input, output, domain: '', overload: '', attribute: [], docString: '', metadataProps: [], deviceConfigurations: [] };
}

function body(nodes: Node[], inputs = ['x'], outputs = [nodes[nodes.length - 1].output[0]]): GraphBody {
  return { name: 'g', nodes, inputs, outputs, initializers: new Set() };
}

function overlaps(a: SceneNode, b: SceneNode): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe('graph view: structure and layout', function () {
  this.timeout(120_000);
  const pool = new LayoutPool(2);
  after(() => pool.dispose());

  it('reads name scopes the way exporters write them', () => {
    assert.deepEqual(scopesOf('/encoder/layer.3/attention/MatMul_1'), ['encoder', 'layer.3', 'attention']);
    assert.deepEqual(scopesOf('model/dense/MatMul'), ['model', 'dense']);
    assert.deepEqual(scopesOf('Conv_12'), []);
    assert.deepEqual(scopesOf(''), []);
  });

  it('groups nodes by scope, replaces single-child groups by their child, and aggregates edges', () => {
    const s = buildStructure(
      body([
        node('/enc/l0/MatMul', 'MatMul', ['x'], ['a']),
        node('/enc/l0/Relu', 'Relu', ['a'], ['b']),
        node('/enc/l1/MatMul', 'MatMul', ['b'], ['c']),
        node('/enc/l1/Relu', 'Relu', ['c'], ['d']),
        node('/head/Softmax', 'Softmax', ['d'], ['y']),
      ]),
    );
    const ids = (i: number) => s.items[i].children.map((c) => s.items[c].id);
    // /head holds one node: the node itself sits at the top level.
    assert.deepEqual(ids(0), ['i:x', 'g/enc', 'n4', 'o:y']);
    assert.deepEqual(ids(s.byId.get('g/enc')!), ['g/enc/l0', 'g/enc/l1']);
    assert.equal(s.items[s.byId.get('g/enc')!].count, 4);
    assert.equal(s.items[s.byId.get('g/enc')!].sub, '4 nodes');
    assert.deepEqual(ancestorsOf(s, s.byId.get('n3')!), ['g/enc', 'g/enc/l1']);
    assert.equal(s.edgeFrom.length, 6, 'x->n0, a, b, c, d, y->output');
    // Scene ids: ops by their node index (no map entry each), groups and graph inputs/outputs by name.
    assert.equal(s.items[s.byId.get('n0')!].node, 0);
    assert.equal(s.items[s.byId.get('i:x')!].kind, 'input');
    assert.equal(s.items[s.byId.get('o:y')!].kind, 'output');
    for (const id of ['n5', 'n03', 'n', 'n-1', 'n1x', 'g/head', 'i:y']) assert.equal(s.byId.get(id), undefined, id);
    assert.ok(s.byId.has('g/enc/l0') && s.byId.has('n4') && !s.byId.has('n5'));
  });

  it('cuts a group with more than MAX_CHILDREN children into sections', () => {
    const nodes: Node[] = [];
    for (let i = 0; i < 2500; i++) nodes.push(node(`/blocks/b${i}/Relu`, 'Relu', [i ? `t${i - 1}` : 'x'], [`t${i}`]));
    const s = buildStructure(body(nodes));
    const blocks = s.items[s.byId.get('g/blocks')!];
    assert.equal(blocks.children.length, 3);
    for (const c of blocks.children) assert.ok(s.items[c].children.length <= MAX_CHILDREN);
    assert.deepEqual(blocks.children.map((c) => s.items[c].id), ['g/blocks#1', 'g/blocks#2', 'g/blocks#3']);
    assert.equal(s.items[blocks.children[0]].label, 'Relu … Relu');
    assert.equal(blocks.children.reduce((n, c) => n + s.items[c].count, 0), 2500);
  });

  it('opens large models collapsed to a readable top level', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlh-graph-'));
    const file = join(dir, 'gpt.onnx');
    writeFileSync(file, syntheticTransformer({ nodes: 10_000 }));
    const service = new GraphService({ poolSize: 2 });
    try {
      const opened = await service.open({ path: file });
      const r = { ...opened, scene: unpackScene(opened.scene) };
      assert.ok(r.scene.totalNodes >= 10_000);
      assert.ok(r.scene.nodes.length <= 400, `${r.scene.nodes.length} boxes`);
      const layers = r.scene.nodes.filter((n) => /^g\/transformer\/h\.\d+$/.test(n.id));
      assert.ok(layers.length > 100 && layers.every((n) => !n.expanded && n.count === 32));
      // Expanding one layer lays out only that layer (and re-places its parent).
      const expanded = unpackScene(await service.layout({ path: file, expanded: [...r.scene.expanded, 'g/transformer/h.7'] }));
      assert.equal(expanded.nodes.length, r.scene.nodes.length + 6);
      const frame = expanded.nodes.find((n) => n.id === 'g/transformer/h.7')!;
      assert.ok(frame.expanded);
      const inside = expanded.nodes.filter((n) => n.id.startsWith('g/transformer/h.7/') || (n.kind === 'op' && n.depth === frame.depth + 1 && n.x >= frame.x && n.x < frame.x + frame.w && n.y > frame.y && n.y < frame.y + frame.h));
      assert.equal(inside.length, 6);
      for (const c of inside) assert.ok(c.x >= frame.x && c.y >= frame.y && c.x + c.w <= frame.x + frame.w + 0.5 && c.y + c.h <= frame.y + frame.h + 0.5);
      // Siblings below moved down to make room; nothing overlaps.
      const after = expanded.nodes.find((n) => n.id === 'g/transformer/h.8')!;
      assert.ok(after.y >= frame.y + frame.h);
      const boxes = expanded.nodes.filter((n) => !n.expanded);
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) assert.ok(!overlaps(boxes[i], boxes[j]), `${boxes[i].id} overlaps ${boxes[j].id}`);
    } finally {
      await service.dispose();
    }
  });

  it('lays out ResNet-50 with routed edges between the boxes', async () => {
    const { decodeModelFile } = await import('../../server/src/onnx/decode');
    const m = decodeModelFile(join(__dirname, '..', '..', '..', 'shared', 'models', 'onnx-backend', 'light', 'light_resnet50.onnx'));
    const g = m.proto.graph!;
    const inits = new Set(g.initializer.map((t) => t.name));
    const s = buildStructure({ name: g.name, nodes: g.node, inputs: g.input.map((v) => v.name).filter((n) => !inits.has(n)), outputs: g.output.map((v) => v.name), initializers: inits });
    assert.deepEqual(defaultExpanded(s), [], 'no scopes: one flat level');
    const scene: GraphScene = await new GraphLayouter(s, pool).scene([]);
    assert.equal(scene.nodes.length, g.node.length + 2);
    const byId = new Map(scene.nodes.map((n) => [n.id, n]));
    for (const e of scene.edges) {
      const a = byId.get(e.from)!, b = byId.get(e.to)!;
      assert.ok(e.points.length >= 4);
      // Edges leave the source's bottom and enter the target's top (layered, downwards).
      assert.ok(Math.abs(e.points[1] - (a.y + a.h)) < 1, `${e.from} -> ${e.to} starts at the source`);
      assert.ok(Math.abs(e.points[e.points.length - 1] - b.y) < 1, `${e.from} -> ${e.to} ends at the target`);
    }
    for (let i = 0; i < scene.nodes.length; i++) for (let j = i + 1; j < scene.nodes.length; j++) assert.ok(!overlaps(scene.nodes[i], scene.nodes[j]));
  });

  it('packs a scene for the wire and unpacks the same scene', () => {
    const scene: GraphScene = {
      nodes: [
        { id: 'i:x', kind: 'input', label: 'x', sub: 'input', x: 10.3, y: 0, w: 90, h: 38, depth: 0 },
        { id: 'g/enc', kind: 'group', label: 'enc', sub: '4 nodes', x: 0, y: 60.123, w: 300, h: 200, depth: 0, expanded: true, count: 4 },
        { id: 'n0', kind: 'op', label: 'If', name: '', opType: 'If', domain: 'ai.onnx', x: 20, y: 100, w: 56, h: 26, depth: 1, steps: [{ label: 'then_branch', step: { kind: 'attribute', node: 0, attribute: 'then_branch', index: 0 } }] },
        { id: 'n1', kind: 'op', label: 'Relu', name: '/enc/Relu ünïcode "q"', opType: 'Relu', x: 20, y: 160, w: 56, h: 26, depth: 1 },
        { id: 'o:y', kind: 'output', label: 'y', sub: 'output', x: 0, y: 300, w: 90, h: 38, depth: 0 },
      ],
      edges: [
        { from: 'i:x', to: 'n0', label: 'x', points: [55, 38, 48, 100] },
        { from: 'n0', to: 'n1', label: '2 tensors', points: [48, 126, 40, 140, 48, 160] },
        { from: 'n1', to: 'o:y', label: 'y', points: [] },
      ],
      width: 300.5,
      height: 338,
      expanded: ['g/enc'],
      totalNodes: 2,
      layoutMs: 3,
    };
    const packed = packScene(scene);
    // Crosses JSON (LSP) as a handful of strings.
    const back = unpackScene(JSON.parse(JSON.stringify(packed)));
    const rounded = (v: number) => Math.round(v * 16) / 16;
    assert.deepEqual(back, {
      ...scene,
      nodes: scene.nodes.map((n) => ({ ...n, x: rounded(n.x), y: rounded(n.y) })),
      edges: scene.edges.map((e) => ({ ...e, points: e.points.map(rounded) })),
    });
    assert.deepEqual(unpackScene(packScene({ ...scene, nodes: [], edges: [] })).nodes, []);
    assert.throws(() => unpackScene({ ...packed, nodeCount: 6 }), /do not match/);
    assert.throws(() => packScene({ ...scene, edges: [{ from: 'n0', to: 'n9', label: '', points: [] }] }), /n9/);
  });

  it('lays out groups of the same shape once, and answers each with its own ids', async () => {
    const own = new LayoutPool(1);
    try {
      const shape = (base: number) => ({
        nodes: [{ id: -1, w: 1, h: 1, layer: 'FIRST' as const }, { id: base, w: 80, h: 26 }, { id: base + 1, w: 60, h: 26 }, { id: base + 2, w: 70, h: 26 }, { id: -2, w: 1, h: 1, layer: 'LAST' as const }],
        edges: [[-1, base], [base, base + 1], [base, base + 2], [base + 1, base + 2], [base + 2, -2]] as [number, number][],
      });
      const [a, b] = await Promise.all([own.run(shape(10)), own.run(shape(50))]);
      assert.deepEqual(own.stats, { jobs: 2, cacheHits: 1, elk: 1 });
      const ids = (r: typeof a) => r.positions!.filter((_, i) => i % 3 === 0).sort((x, y) => x - y);
      assert.deepEqual(ids(a), [-2, -1, 10, 11, 12]);
      assert.deepEqual(ids(b), [-2, -1, 50, 51, 52]);
      // Same places, and a caller shifting its copy leaves the other's (and the cache's) alone.
      assert.deepEqual(a.positions!.filter((_, i) => i % 3), b.positions!.filter((_, i) => i % 3));
      a.routes![0][1] += 100;
      const c = await own.run(shape(90));
      assert.deepEqual(c.routes, b.routes);
      assert.equal(own.stats.elk, 1);
    } finally {
      await own.dispose();
    }
  });

  it('finds the user frame of a PyTorch stack trace', () => {
    const trace = 'File "/home/a/model.py", line 40, in forward\n    x = self.attn(x)\nFile "/usr/lib/python3/dist-packages/torch/nn/modules/module.py", line 1736, in _call_impl\n    return f()';
    assert.deepEqual(sourceOf({ 'pkg.torch.onnx.stack_trace': trace }), { file: '/home/a/model.py', line: 40, text: 'x = self.attn(x)' });
    assert.equal(sourceOf({}), undefined);
  });
});
