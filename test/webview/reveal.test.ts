/**
 * "Show in Graph" in the graph webview (headless Chromium, see harness.ts): the host's
 * `revealNodes` message, sent right after `init` as the extension does for a view it has
 * just opened, or to a view already open, selects the first node (its collapsed groups
 * expanded, the node centred, its details shown) and highlights the rest.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GraphScene } from '../../protocol/graph';
import { Harness, type GraphHook, type ViewerPage } from './harness';
import { syntheticTransformer } from './synthetic-model';

async function scene(v: ViewerPage): Promise<GraphScene> {
  const s = await v.page.evaluate(() => (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph.scene());
  assert.ok(s, 'a scene is drawn');
  return s;
}

describe('graph view: reveal nodes (Show in Graph)', function () {
  this.timeout(180_000);
  const harness = new Harness();
  let file: string;

  before(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'mlh-reveal-')), 'gpt.onnx');
    writeFileSync(file, syntheticTransformer({ nodes: 2000 }));
    await harness.start();
  });
  after(() => harness.stop());

  async function nodeId(name: string): Promise<string> {
    const m = (await harness.handlers['mlHygiene/graph/search']({ path: file, query: name })).matches.find((x) => x.label === name);
    assert.ok(m, `${name} exists`);
    return m.id;
  }

  it('selects, centres and highlights the nodes, expanding their collapsed groups', async () => {
    const softmax = await nodeId('/transformer/h.5/attn/Softmax');
    const matmul = await nodeId('/transformer/h.5/attn/MatMul');
    const v = await harness.newPage();
    try {
      // As the extension does for a view it just opened: init, then revealNodes at once.
      await v.post({ type: 'init', path: file, fileName: 'gpt.onnx' });
      await v.post({ type: 'revealNodes', ids: [softmax, matmul] });
      await v.page.waitForSelector(`.details-node[data-node-id="${softmax}"]`, { timeout: 60_000 });
      await v.waitIdle();
      assert.equal(await v.data('selected'), softmax);
      assert.match((await v.page.textContent('.details-node h2')) ?? '', /^Softmax/);
      const s = await scene(v);
      assert.ok(s.expanded.includes('g/transformer/h.5') && s.expanded.includes('g/transformer/h.5/attn'), `groups expanded: ${s.expanded.join(', ')}`);
      assert.ok(!s.expanded.includes('g/transformer/h.4'), 'other layers stay collapsed');
      assert.ok(s.nodes.some((n) => n.id === softmax) && s.nodes.some((n) => n.id === matmul), 'both nodes are drawn');
      // Centred in the canvas.
      const [pos, box] = await v.page.evaluate((id) => {
        const hook = (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph;
        const r = document.querySelector('canvas.graph')!.getBoundingClientRect();
        return [hook.screenPosition(id)!, { x: r.left + r.width / 2, y: r.top + r.height / 2 }];
      }, softmax);
      assert.ok(Math.abs(pos.x - box.x) < 2 && Math.abs(pos.y - box.y) < 2, `centred: ${JSON.stringify(pos)} vs ${JSON.stringify(box)}`);
      await v.screenshot('reveal-nodes');

      // A view already open: another layer's node, in a group still collapsed.
      const fc = await nodeId('/transformer/h.40/mlp/c_fc/MatMul');
      assert.ok(!(await scene(v)).nodes.some((n) => n.id === fc), 'not drawn before the reveal');
      await v.post({ type: 'revealNodes', ids: [fc] });
      await v.page.waitForSelector(`.details-node[data-node-id="${fc}"]`, { timeout: 60_000 });
      assert.equal(await v.data('selected'), fc);
      assert.ok((await scene(v)).expanded.includes('g/transformer/h.40/mlp'));

      // Malformed or unknown: ignored, or said in the status line; the view keeps working.
      await v.post({ type: 'revealNodes', ids: 'n1' } as unknown as { type: 'revealNodes'; ids: string[] });
      await v.post({ type: 'revealNodes', ids: ['n999999'] });
      await v.page.waitForFunction(() => /Cannot show the node/.test(document.querySelector('footer.status')?.textContent ?? ''));
      assert.equal(await v.data('selected'), fc);
      assert.deepEqual(v.errors, []);
    } finally {
      await v.close();
    }
  });
});
