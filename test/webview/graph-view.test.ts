/**
 * The graph webview in headless Chromium, fed real decoded models through the same
 * messages as in VS Code (see harness.ts): ResNet-50 and Inception v1 from the ONNX
 * backend tests, If/Loop subgraph models, a transformer with name scopes, broken files.
 * Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unpackScene, type GraphScene, type WebviewToHostMessage } from '../../protocol/graph';
import { decodeModelFile } from '../../server/src/onnx/decode';
import { Harness, MODELS, type GraphHook, type ViewerPage } from './harness';
import { syntheticTransformer } from './synthetic-model';

const RESNET = join(MODELS, 'light', 'light_resnet50.onnx');
const INCEPTION = join(MODELS, 'light', 'light_inception_v1.onnx');
const IF_MODEL = join(MODELS, 'node', 'test_if.onnx');
const LOOP_MODEL = join(MODELS, 'node', 'test_loop11.onnx');

async function scene(v: ViewerPage): Promise<GraphScene> {
  const s = await v.page.evaluate(() => (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph.scene());
  assert.ok(s, 'a scene is drawn');
  return s;
}

async function screenPosition(v: ViewerPage, id: string) {
  return v.page.evaluate((i) => (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph.screenPosition(i), id);
}

/** Brings a node to the middle of the view (as search would), then returns where it is on screen. */
async function centered(v: ViewerPage, id: string) {
  await v.page.evaluate((i) => (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph.reveal(i), id);
  await v.waitIdle();
  const p = await screenPosition(v, id);
  assert.ok(p, `${id} is drawn`);
  return p;
}

async function drawnNodes(v: ViewerPage): Promise<number> {
  return Number(await v.data('drawnNodes'));
}

function exported(v: ViewerPage, format: 'svg' | 'png'): Extract<WebviewToHostMessage, { type: 'saveExport' }> | undefined {
  return v.sent.filter((m): m is Extract<WebviewToHostMessage, { type: 'saveExport' }> => m.type === 'saveExport' && m.format === format).pop();
}

describe('graph view (headless Chromium)', function () {
  this.timeout(180_000);
  const harness = new Harness();
  let tmp: string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'mlh-graph-'));
    await harness.start();
  });
  after(() => harness.stop());

  it('opens ResNet-50, draws it and shows a clicked node\'s details', async () => {
    const v = await harness.newPage();
    try {
      assert.equal(await v.open(RESNET), 'ready');
      await v.waitIdle();
      const s = await scene(v);
      assert.equal(s.totalNodes, decodeModelFile(RESNET).proto.graph!.node.length);
      assert.equal(s.nodes.filter((n) => n.kind === 'op').length, s.totalNodes, 'a flat model draws every node');
      const convs = s.nodes.filter((n) => n.opType === 'Conv');
      assert.equal(convs.length, 53, 'ResNet-50 has 53 convolutions');
      assert.ok((await drawnNodes(v)) > 10, 'boxes are drawn in the first view');
      await v.screenshot('resnet50-open');

      // Click a convolution: the details panel shows that node.
      const target = convs[10];
      const p = await centered(v, target.id);
      await v.page.mouse.click(p.x, p.y);
      await v.page.waitForSelector(`.details-node[data-node-id="${target.id}"]`);
      assert.equal(await v.data('selected'), target.id);
      const title = await v.page.textContent('.details-node h2');
      assert.match(title ?? '', /^Conv/);
      const text = (await v.page.textContent('.details')) ?? '';
      assert.match(text, /kernel_shape/);
      assert.match(text, /float\[1,\d+,\d+,\d+\]/, 'shapes are shown');
      assert.match(text, /FLOPs/);
      await v.screenshot('resnet50-details');

      // Statistics of an initializer-like input: ResNet's weights come from ConstantOfShape nodes, so no button; the model panel lists findings.
      await v.page.click('button.tool[title^="Model properties"]');
      await v.page.waitForSelector('.details-model');
      assert.match((await v.page.textContent('.details-model')) ?? '', /ONNX IR 3/);

      // Search by op type finds the one Softmax (and the graph output named softmax).
      await v.page.fill('input.search', 'Softmax');
      await v.page.press('input.search', 'Enter');
      await v.page.waitForFunction(() => document.body.dataset.searchMatches !== undefined);
      assert.equal(await v.data('searchMatches'), '2');
      await v.page.waitForSelector('.details-node h2');
      await v.page.waitForFunction(() => document.querySelector('.details-node h2')?.textContent?.startsWith('Softmax'));
      await v.screenshot('resnet50-search');

      // Export as SVG: a well-formed SVG with one box per drawn node.
      await v.page.click('button.tool:text("SVG")');
      await v.page.waitForFunction(() => (window as unknown as { __sent: { type: string }[] }).__sent.some((m) => m.type === 'saveExport'));
      const svg = exported(v, 'svg');
      assert.ok(svg);
      const check = await v.page.evaluate((text) => {
        const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
        return { error: doc.querySelector('parsererror')?.textContent ?? null, root: doc.documentElement.nodeName, nodes: doc.querySelectorAll('g.node').length, paths: doc.querySelectorAll('path').length };
      }, svg.data);
      assert.equal(check.error, null);
      assert.equal(check.root, 'svg');
      assert.equal(check.nodes, s.nodes.filter((n) => n.kind === 'op').length);
      assert.ok(check.paths >= s.edges.length);
      writeFileSync(join(__dirname, '..', '..', 'test-results', 'resnet50.svg'), svg.data);

      // PNG export: a real PNG.
      await v.page.click('button.tool:text("PNG")');
      await v.page.waitForFunction(() => (window as unknown as { __sent: { type: string; format?: string }[] }).__sent.some((m) => m.type === 'saveExport' && m.format === 'png'));
      const png = Buffer.from(exported(v, 'png')!.data, 'base64');
      assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
      writeFileSync(join(__dirname, '..', '..', 'test-results', 'resnet50-export.png'), png);

      // Profile overlay from the benchmark feature.
      const named = s.nodes.filter((n) => n.opType === 'Conv' && n.name).slice(0, 6);
      await v.post({ type: 'profileOverlay', nodes: Object.fromEntries(named.map((n, i) => [n.name!, { ms: 2 - i * 0.3, share: 0.3 - i * 0.05 }])) });
      await centered(v, named[0].id);
      await v.screenshot('resnet50-profile');
      assert.deepEqual(v.errors, []);
    } finally {
      await v.close();
    }
  });

  it('fits Inception v1 into the view and draws every node', async () => {
    const v = await harness.newPage();
    try {
      assert.equal(await v.open(INCEPTION), 'ready');
      await v.page.keyboard.press('f');
      await v.waitIdle();
      const s = await scene(v);
      assert.equal(await drawnNodes(v), s.nodes.length, 'after Fit every box is in view');
      assert.ok(s.nodes.some((n) => n.opType === 'Concat'), 'inception blocks concatenate');
      await v.screenshot('inception-v1-fit');
      // Zoom into the first inception block for a readable close-up.
      const concat = s.nodes.find((n) => n.opType === 'Concat')!;
      await centered(v, concat.id);
      await v.screenshot('inception-v1-block');
      assert.deepEqual(v.errors, []);
    } finally {
      await v.close();
    }
  });

  it('steps into If branches and a Loop body and back with breadcrumbs', async () => {
    const v = await harness.newPage();
    try {
      assert.equal(await v.open(IF_MODEL), 'ready');
      const s = await scene(v);
      const ifNode = s.nodes.find((n) => n.opType === 'If')!;
      assert.deepEqual(ifNode.steps?.map((x) => x.label).sort(), ['else_branch', 'then_branch']);
      const p = await screenPosition(v, ifNode.id);
      await v.page.mouse.dblclick(p!.x, p!.y);
      await v.page.waitForFunction(() => document.querySelectorAll('.crumbs .crumb').length === 2);
      await v.waitIdle();
      const inner = await scene(v);
      assert.notDeepEqual(inner.nodes.map((n) => n.id), s.nodes.map((n) => n.id));
      assert.match((await v.page.textContent('.crumbs')) ?? '', /If 0 › else_branch/);
      await v.screenshot('if-else-branch');
      await v.page.click('.crumbs .crumb.link');
      await v.page.waitForFunction(() => document.querySelectorAll('.crumbs .crumb').length === 1);
      await v.waitIdle();
      assert.deepEqual((await scene(v)).nodes.map((n) => n.id), s.nodes.map((n) => n.id));

      assert.equal(await v.open(LOOP_MODEL), 'ready');
      const loop = (await scene(v)).nodes.find((n) => n.opType === 'Loop')!;
      const lp = await screenPosition(v, loop.id);
      await v.page.mouse.click(lp!.x, lp!.y);
      await v.page.waitForSelector('.details-node button.action');
      await v.page.click('.details-node button.action:text("Open body")');
      await v.page.waitForFunction(() => document.querySelectorAll('.crumbs .crumb').length === 2);
      await v.waitIdle();
      const body = await scene(v);
      assert.ok(body.nodes.filter((n) => n.kind === 'op').length >= 2, 'the loop body has nodes');
      await v.screenshot('loop-body');
      assert.deepEqual(v.errors, []);
    } finally {
      await v.close();
    }
  });

  it('groups a transformer by name scopes; expand and collapse change what is drawn; go to source', async () => {
    const file = join(tmp, 'gpt.onnx');
    writeFileSync(file, syntheticTransformer({ nodes: 2000 }));
    const v = await harness.newPage();
    try {
      assert.equal(await v.open(file), 'ready');
      await v.waitIdle();
      const before = await scene(v);
      assert.ok(before.totalNodes >= 2000);
      assert.ok(before.nodes.length < 120, `opens to a readable top level (${before.nodes.length} boxes)`);
      const layer = before.nodes.find((n) => n.id === 'g/transformer/h.3');
      assert.ok(layer && !layer.expanded, 'layers are collapsed groups');
      assert.equal(layer.count, 32);
      await v.screenshot('transformer-collapsed');

      // Expand h.3 with its toggle.
      const p = await centered(v, layer.id);
      await v.page.mouse.click(p.toggleX, p.toggleY);
      await v.page.waitForFunction(() => document.body.dataset.sceneNodes !== undefined && document.body.dataset.state === 'ready');
      await v.page.waitForFunction((n) => Number(document.body.dataset.sceneNodes) > n, before.nodes.length);
      const expanded = await scene(v);
      assert.ok(expanded.expanded.includes('g/transformer/h.3'));
      assert.ok(expanded.nodes.some((n) => n.id === 'g/transformer/h.3/attn'), 'its sub-scopes are drawn');
      const frame = expanded.nodes.find((n) => n.id === 'g/transformer/h.3')!;
      for (const child of expanded.nodes.filter((n) => n.id.startsWith('g/transformer/h.3/'))) {
        assert.ok(child.x >= frame.x && child.y >= frame.y && child.x + child.w <= frame.x + frame.w + 0.5 && child.y + child.h <= frame.y + frame.h + 0.5, `${child.id} inside its frame`);
      }
      // And the attention block inside it.
      const attn = expanded.nodes.find((n) => n.id === 'g/transformer/h.3/attn')!;
      const ap = await centered(v, attn.id);
      await v.page.mouse.dblclick(ap.x, ap.y);
      await v.page.waitForFunction(() => document.body.dataset.state === 'ready' && (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph.scene()!.expanded.includes('g/transformer/h.3/attn'));
      await v.waitIdle();
      const deeper = await scene(v);
      assert.ok(deeper.nodes.some((n) => n.opType === 'Softmax'));
      await v.page.evaluate(() => {
        const hook = (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph;
        const f = hook.scene()!.nodes.find((n) => n.id === 'g/transformer/h.3')!;
        hook.setView({ scale: 0.85, x: 40 - f.x * 0.85, y: 20 - f.y * 0.85 });
      });
      await v.screenshot('transformer-expanded');

      // Collapse h.3 again (double-click its header): back to the first scene.
      const fp = await screenPosition(v, 'g/transformer/h.3');
      const f2 = (await scene(v)).nodes.find((n) => n.id === 'g/transformer/h.3')!;
      const view = await v.page.evaluate(() => (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph.view());
      await v.page.mouse.dblclick(fp!.x, fp!.y - (f2.h / 2 - 10) * view.scale);
      await v.page.waitForFunction((n) => Number(document.body.dataset.sceneNodes) === n && document.body.dataset.state === 'ready', before.nodes.length);

      // Go to source: the node carries the exporter's stack trace.
      const sourced = (await harness.handlers['mlHygiene/graph/search']({ path: file, query: '/transformer/h.0/attn/MatMul' })).matches.find((m) => m.label === '/transformer/h.0/attn/MatMul')!;
      await v.page.evaluate((i) => (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph.reveal(i), sourced.id);
      await v.page.waitForSelector('.details-node button.action');
      await v.page.click('.details-node button.action:text-matches("Go to Source")');
      const open = v.sent.find((m) => m.type === 'openSource');
      assert.deepEqual(open, { type: 'openSource', file: '/home/alice/work/gpt/model.py', line: 61 });
      await v.screenshot('transformer-source');
      assert.deepEqual(v.errors, []);
    } finally {
      await v.close();
    }
  });

  it('reopens with the saved view state (expanded groups, pan and zoom)', async () => {
    const file = join(tmp, 'gpt-state.onnx');
    writeFileSync(file, syntheticTransformer({ nodes: 600 }));
    const v = await harness.newPage();
    let state: Extract<WebviewToHostMessage, { type: 'didChangeState' }>['state'];
    try {
      assert.equal(await v.open(file), 'ready');
      await v.page.evaluate(() => (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph.reveal('g/transformer/h.5'));
      const p = await screenPosition(v, 'g/transformer/h.5');
      await v.page.mouse.dblclick(p!.x, p!.y);
      await v.page.waitForFunction(() => document.body.dataset.state === 'ready' && (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph.scene()!.expanded.includes('g/transformer/h.5'));
      const saved = v.sent.filter((m): m is Extract<WebviewToHostMessage, { type: 'didChangeState' }> => m.type === 'didChangeState').pop();
      assert.ok(saved?.state.expanded.includes('g/transformer/h.5'));
      state = saved!.state;
    } finally {
      await v.close();
    }
    // A new editor for the same file: the host sends the saved state with init.
    const w = await harness.newPage();
    try {
      await w.post({ type: 'init', path: file, fileName: 'gpt-state.onnx', state });
      await w.page.waitForFunction(() => document.body.dataset.state === 'ready');
      const s = await scene(w);
      assert.ok(s.expanded.includes('g/transformer/h.5'));
      const view = await w.page.evaluate(() => (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph.view());
      assert.deepEqual(view, state.view);
    } finally {
      await w.close();
    }
  });

  it('receives scenes packed and unpacks in the page the scene the server laid out', async () => {
    // Every group of a 1,000-node transformer open: about 1,400 boxes and their routed edges.
    const file = join(tmp, 'gpt-packed.onnx');
    writeFileSync(file, syntheticTransformer({ nodes: 1000 }));
    const packed = await harness.handlers['mlHygiene/graph/layout']({ path: file, expanded: harness.service.groupIds({ path: file }) });
    // Unpacked here with Node's Buffer; in the page with the browser's base64 decoding.
    const expected = unpackScene(packed);
    assert.ok(expected.nodes.length > 1000 && expected.edges.length > 1000);
    assert.ok(expected.nodes.some((n) => n.expanded) && expected.nodes.some((n) => n.name));
    const v = await harness.newPage();
    const layout = harness.handlers['mlHygiene/graph/layout'];
    try {
      assert.equal(await v.open(file), 'ready');
      harness.handlers['mlHygiene/graph/layout'] = async () => packed;
      await v.page.click('button.tool:text("Collapse")');
      await v.page.waitForFunction((n) => Number(document.body.dataset.sceneNodes) === n && document.body.dataset.state === 'ready', expected.nodes.length);
      assert.deepEqual(await scene(v), expected);
      // Boxes are where the server put them: select one by clicking it.
      const op = expected.nodes.find((n) => n.kind === 'op' && n.name === '/transformer/h.1/attn/Softmax')!;
      const p = await centered(v, op.id);
      await v.page.mouse.click(p.x, p.y);
      await v.page.waitForSelector(`.details-node[data-node-id="${op.id}"]`);
      assert.deepEqual(v.errors, []);
    } finally {
      harness.handlers['mlHygiene/graph/layout'] = layout;
      await v.close();
    }
  });

  it('shows the decoder\'s error for broken models', async () => {
    const truncated = join(tmp, 'truncated.onnx');
    writeFileSync(truncated, readFileSync(RESNET).subarray(0, 5000));
    const empty = join(tmp, 'empty.onnx');
    writeFileSync(empty, '');
    const v = await harness.newPage();
    try {
      assert.equal(await v.open(truncated), 'error');
      const text = (await v.page.textContent('.error-view')) ?? '';
      assert.match(text, /cannot be shown/);
      assert.match(text, /truncated\.onnx/);
      await v.screenshot('broken-truncated');
    } finally {
      await v.close();
    }
    const w = await harness.newPage();
    try {
      assert.equal(await w.open(empty), 'error');
      assert.match((await w.page.textContent('.error-view')) ?? '', /empty\.onnx/);
    } finally {
      await w.close();
    }
  });
});
