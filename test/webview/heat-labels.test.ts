/**
 * Labels of the profile heat overlay (headless Chromium, see harness.ts): Inception v1,
 * a dense graph, profiled for real with onnxruntime (the bench feature's in-process
 * service), its per-node times posted to the view as the extension does. At several
 * zoom levels and places, every label drawn must be clear of every other label and of
 * every box, say its node's share, and stay where it was when the view zooms.
 * Screenshots go to test-results/heat-labels-*.png.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ProfileOverlayNodes } from '../../protocol/graph';
import { benchmarkModel } from '../../server/src/bench/service';
import { hook, onCanvas, overlaps, type Rect } from './colors';
import { Harness, MODELS, type GraphHook, type ViewerPage } from './harness';

const INCEPTION = join(MODELS, 'light', 'light_inception_v1.onnx');
const RESNET = join(MODELS, 'light', 'light_resnet50.onnx');

/** Per-node times of a real profiled run, keyed as the extension keys them (client/src/benchmark.ts). */
async function profileOf(model: string): Promise<ProfileOverlayNodes> {
  const report = await benchmarkModel(model, { iterations: 2, warmup: 0, intraOpThreads: 1, profile: true, profileIterations: 2, graphOptimization: 'disabled', roofline: false });
  const overlay: ProfileOverlayNodes = {};
  for (const n of Object.values(report.profile!.nodes)) if (n.name) overlay[n.name] = { ms: n.meanUs / 1000, share: n.share };
  return overlay;
}

async function setView(v: ViewerPage, view: { x: number; y: number; scale: number }): Promise<void> {
  await v.page.evaluate((w) => (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph.setView(w), view);
  await v.waitIdle();
}

/** Centres scene point (x, y) at `scale`. */
async function look(v: ViewerPage, x: number, y: number, scale: number): Promise<void> {
  const { canvas } = await hook(v);
  await setView(v, { scale, x: canvas.w / 2 - x * scale, y: canvas.h / 2 - y * scale });
}

const shrink = (r: Rect, by = 0.5): Rect => ({ x: r.x + by, y: r.y + by, w: r.w - 2 * by, h: r.h - 2 * by });

/** What is drawn now: the labels, checked for overlaps and against the profile. Returns text by node id. */
async function checkLabels(v: ViewerPage, profile: ProfileOverlayNodes, where: string): Promise<Map<string, { text: string; x: number; y: number }>> {
  const { scene, view, stats, canvas } = await hook(v);
  const labels = stats.labels ?? [];
  const byId = new Map(scene.nodes.map((n) => [n.id, n]));
  const boxes = scene.nodes.filter((n) => !n.expanded).map((n) => ({ id: n.id, r: onCanvas(n, view) }));
  for (const [i, a] of labels.entries()) {
    // Its node's share, with the time when there is room.
    const n = byId.get(a.id)!;
    const p = profile[n.name!];
    assert.ok(p, `${where}: label on ${a.id} without a profile entry`);
    const pct = p.share * 100;
    const share = pct >= 9.95 ? `${pct.toFixed(0)}%` : pct >= 0.05 ? `${pct.toFixed(1)}%` : '<0.1%';
    assert.ok(a.text === share || a.text.endsWith(` · ${share}`), `${where}: ${a.id} "${a.text}" vs share ${p.share}`);
    // Within the canvas's reach, clear of every other label and every box (its own included).
    for (const b of labels.slice(i + 1)) assert.ok(!overlaps(shrink(a), shrink(b)), `${where}: labels of ${a.id} "${a.text}" and ${b.id} "${b.text}" overlap: ${JSON.stringify([a, b])}`);
    for (const box of boxes) assert.ok(!overlaps(shrink(a), box.r), `${where}: label of ${a.id} "${a.text}" covers box ${box.id} (${byId.get(box.id)!.label})`);
  }
  assert.ok(labels.every((l) => l.x + l.w > 0 && l.y + l.h > 0 && l.x < canvas.w && l.y < canvas.h), `${where}: only labels in view are reported`);
  return new Map(labels.map((l) => [l.id, { text: l.text, x: (l.x - view.x) / view.scale, y: (l.y - view.y) / view.scale }]));
}

describe('profile heat labels (headless Chromium, real onnxruntime profile)', function () {
  this.timeout(180_000);
  const harness = new Harness();
  before(() => harness.start());
  after(() => harness.stop());

  it('labels Inception v1\'s profiled ops without overlaps at every zoom level', async () => {
    const profile = await profileOf(INCEPTION);
    const v = await harness.newPage();
    try {
      assert.equal(await v.open(INCEPTION), 'ready');
      await v.waitIdle();
      const { scene } = await hook(v);
      const profiled = scene.nodes.filter((n) => n.kind === 'op' && n.name && profile[n.name]);
      assert.ok(profiled.length >= 100, `${profiled.length} ops of the scene are in the profile`);
      await v.post({ type: 'profileOverlay', nodes: profile });
      await v.waitIdle();

      // The densest place: the first inception block (four branches side by side, each op profiled).
      const concat = scene.nodes.find((n) => n.opType === 'Concat')!;
      const hottest = [...profiled].sort((a, b) => profile[b.name!].share - profile[a.name!].share)[0];
      const seen = new Map<number, Map<string, { text: string; x: number; y: number }>>();
      for (const scale of [0.5, 0.75, 1, 1.5, 2.5]) {
        await look(v, concat.x + concat.w / 2, concat.y - 150, scale);
        const labels = await checkLabels(v, profile, `block at ${scale}x`);
        assert.ok(labels.size >= (scale <= 1 ? 10 : 3), `${labels.size} labels at ${scale}x`);
        seen.set(scale, labels);
        if (scale === 0.75 || scale === 1.5) await v.screenshot(`heat-labels-inception-block-${scale}x`);
      }
      // Zooming moves no label and changes no text: placement is the same at every scale.
      for (const [scale, labels] of seen)
        for (const [id, l] of labels) {
          const at1 = seen.get(1)!.get(id);
          if (!at1) continue;
          assert.equal(l.text, at1.text, `${id} at ${scale}x`);
          assert.ok(Math.abs(l.x - at1.x) < 0.01 && Math.abs(l.y - at1.y) < 0.01, `${id} moved at ${scale}x`);
        }

      // The hottest op always gets its label, in full.
      await look(v, hottest.x + hottest.w / 2, hottest.y + hottest.h / 2, 1);
      const atHottest = await checkLabels(v, profile, 'hottest op');
      assert.match(atHottest.get(hottest.id)?.text ?? '', / ms · /, `${hottest.id} (${hottest.opType}) has a full label`);
      await v.screenshot('heat-labels-inception-hottest');

      // Too small to read: no labels drawn (the halos stay).
      await v.page.keyboard.press('f');
      await v.waitIdle();
      const fit = await hook(v);
      if (fit.view.scale * 12 < 4.5) assert.equal(fit.stats.labels, undefined, 'no labels when text is not drawn');
      else await checkLabels(v, profile, 'fit');
      assert.deepEqual(v.errors, []);
    } finally {
      await v.close();
    }
  });

  it('labels ResNet-50\'s profiled ops without overlaps, panning across the graph', async () => {
    const profile = await profileOf(RESNET);
    const v = await harness.newPage();
    try {
      assert.equal(await v.open(RESNET), 'ready');
      await v.post({ type: 'profileOverlay', nodes: profile });
      await v.waitIdle();
      const { scene } = await hook(v);
      let total = 0;
      // Down the graph in steps of a screen, at 100%.
      for (let y = 0; y < scene.height; y += 700) {
        await look(v, scene.width / 2, y + 350, 1);
        total += (await checkLabels(v, profile, `resnet at y=${y}`)).size;
      }
      assert.ok(total >= 50, `${total} labels drawn across the graph`);
      await look(v, scene.width / 2, 1200, 1);
      await v.screenshot('heat-labels-resnet50');
      assert.deepEqual(v.errors, []);
    } finally {
      await v.close();
    }
  });
});
