/**
 * The graph view in VS Code's dark, light and high-contrast themes (headless Chromium, see
 * harness.ts): ResNet-50 with a profile overlay, a search's highlights and a selection,
 * checked on the canvas's pixels against colours derived from the theme's variables:
 * the background, op and input boxes and the contrast of their text, edges, heat halos
 * and their labels, selection and highlight rings, high-contrast outlines. Screenshots
 * go to test-results/theme-*.png.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GraphScene, SceneNode } from '../../protocol/graph';
import { OP_TEXT, opFill } from '../../webviews/src/graph/theme';
import { canvasPixels, contrast, distance, dominant, emptySpot, fmt, hex, hook, hue, mostContrasting, onCanvas, overlaps, pixel, type Rect, type Rgb } from './colors';
import { Harness, MODELS, THEMES, type GraphHook, type ViewerPage, type WebviewTheme } from './harness';
import { syntheticTransformer } from './synthetic-model';

const RESNET = join(MODELS, 'light', 'light_resnet50.onnx');

/** Circular distance of two hues in degrees. */
const hueGap = (a: number, b: number) => Math.min(Math.abs(a - b), 360 - Math.abs(a - b));

/** Nodes whose boxes (with `pad` around) lie wholly on the canvas and off the minimap. */
function inView(scene: GraphScene, view: { x: number; y: number; scale: number }, canvas: { w: number; h: number }, pad = 12): SceneNode[] {
  const minimap: Rect = { x: canvas.w - 194, y: canvas.h - 154, w: 194, h: 154 };
  return scene.nodes.filter((n) => {
    const r = onCanvas(n, view);
    const padded = { x: r.x - pad, y: r.y - pad, w: r.w + 2 * pad, h: r.h + 2 * pad };
    return padded.x >= 0 && padded.y >= 0 && padded.x + padded.w <= canvas.w && padded.y + padded.h <= canvas.h && !overlaps(padded, minimap);
  });
}

/** A ring around `box` (left of it, at mid-height) in a colour of `expected`'s hue, standing 3:1 against the background. */
async function assertRing(v: ViewerPage, box: Rect, expected: Rgb, bg: Rgb, what: string): Promise<void> {
  const [strip] = await canvasPixels(v, [{ x: box.x - 10, y: box.y + box.h / 2, w: 10, h: 1 }]);
  const ring = strip.filter((p) => contrast(p, bg) >= 3 && hueGap(hue(p), hue(expected)) <= 15);
  assert.ok(ring.length, `${what}: no ring pixel of hue ${hue(expected).toFixed(0)} at 3:1 against ${fmt(bg)} in ${strip.map(fmt).join(' ')}`);
}

async function checkTheme(v: ViewerPage, theme: WebviewTheme): Promise<void> {
  const vars = theme.vars;
  const bg = hex(vars['--vscode-editor-background']);
  const { scene, view, stats, canvas } = await hook(v);
  const visible = inView(scene, view, canvas);
  const labels = stats.labels ?? [];

  // The background, where nothing is drawn.
  const spot = emptySpot(scene, view, canvas, labels);
  assert.ok(distance(await pixel(v, spot.x, spot.y), bg) <= 2, `${theme.name}: background at ${spot.x},${spot.y}`);

  // Op boxes: the category's fill, and text that reads on it.
  const ops = visible.filter((n) => n.kind === 'op');
  assert.ok(ops.length >= 8, `${theme.name}: ${ops.length} ops in view`);
  for (const n of ops) {
    const box = onCanvas(n, view);
    const fill = hex(opFill(n.opType ?? ''));
    assert.ok(contrast(fill, hex(OP_TEXT)) >= 4.5, `${n.opType}: op text colour on its fill`);
    const [[inside], text] = await canvasPixels(v, [
      { x: box.x + 2.5, y: box.y + box.h / 2, w: 1, h: 1 },
      { x: box.x + 4, y: box.y + 3, w: box.w - 8, h: box.h - 6 },
    ]);
    assert.ok(distance(inside, fill) <= 3, `${theme.name}: ${n.id} (${n.opType}) is filled ${fmt(inside)}, not ${fmt(fill)}`);
    const label = mostContrasting(text, fill);
    assert.ok(label.ratio >= 3 && distance(label.color, hex(OP_TEXT)) <= 80, `${theme.name}: ${n.id} (${n.opType}) label ${fmt(label.color)} ${label.ratio.toFixed(2)}:1`);
  }

  // Inputs and outputs: the badge colours, with an outline in high contrast.
  const ios = visible.filter((n) => n.kind === 'input' || n.kind === 'output');
  assert.ok(ios.length, `${theme.name}: the graph input is in view`);
  const ioFill = hex(vars['--vscode-badge-background'], bg), ioText = hex(vars['--vscode-badge-foreground'], ioFill);
  assert.ok(contrast(ioFill, ioText) >= 4.5, `${theme.name}: badge colours`);
  for (const n of ios) {
    const box = onCanvas(n, view);
    const [[inside], text, edge] = await canvasPixels(v, [
      { x: box.x + 4, y: box.y + box.h / 2, w: 1, h: 1 },
      { x: box.x + box.h / 2, y: box.y + 3, w: box.w - box.h, h: box.h - 6 },
      { x: box.x - 1.5, y: box.y + box.h / 2, w: 3, h: 1 },
    ]);
    assert.ok(distance(inside, ioFill) <= 3, `${theme.name}: ${n.id} is filled ${fmt(inside)}, not ${fmt(ioFill)}`);
    const t = mostContrasting(text, ioFill);
    assert.ok(t.ratio >= 3, `${theme.name}: ${n.id} label ${t.ratio.toFixed(2)}:1`);
    if (vars['--vscode-contrastBorder']) {
      const border = hex(vars['--vscode-contrastBorder']);
      const outline = mostContrasting(edge, bg);
      assert.ok(outline.ratio >= 3 && distance(outline.color, border) <= 90, `${theme.name}: ${n.id} outline ${fmt(outline.color)} (${edge.map(fmt).join(' ')})`);
    }
  }

  // Edges: a straight vertical stretch, crossed by a row of pixels.
  const edgeColor = hex(vars['--vscode-editorLineNumber-foreground'], bg);
  const taken = [...scene.nodes.map((n) => onCanvas(n, view)), ...labels];
  let edgesChecked = 0;
  for (const e of scene.edges) {
    const p = e.points;
    if (p.length < 4 || p.some((x, i) => i % 2 === 0 && x !== p[0])) continue;
    const mid = { x: view.x + p[0] * view.scale, y: view.y + ((p[1] + p[p.length - 1]) / 2) * view.scale };
    const probe = { x: mid.x - 6, y: mid.y - 1, w: 12, h: 3 };
    if (Math.abs(p[p.length - 1] - p[1]) * view.scale < 20 || mid.x < 8 || mid.y < 8 || mid.x > canvas.w - 200 || mid.y > canvas.h - 8 || taken.some((r) => overlaps(r, probe))) continue;
    const [row] = await canvasPixels(v, [{ x: mid.x - 5, y: mid.y, w: 10, h: 1 }]);
    const line = mostContrasting(row, bg);
    assert.ok(line.ratio >= 2.2 && hueGap(hue(line.color), hue(edgeColor)) <= 40, `${theme.name}: edge ${e.from} -> ${e.to} ${fmt(line.color)} ${line.ratio.toFixed(2)}:1 against ${fmt(bg)}`);
    edgesChecked++;
  }
  assert.ok(edgesChecked >= 2, `${theme.name}: ${edgesChecked} edges checked`);

  // Heat halos: each stands 3:1 against the background; hotter is redder.
  const profile = await v.page.evaluate(() => (window as unknown as { __mlHygieneGraph: { profile(): Record<string, { share: number }> | undefined } }).__mlHygieneGraph.profile());
  assert.ok(profile);
  const halos: { share: number; color: Rgb }[] = [];
  for (const n of ops) {
    const p = n.name ? profile[n.name] : undefined;
    if (!p) continue;
    const box = onCanvas(n, view);
    const [strip] = await canvasPixels(v, [{ x: box.x - 4, y: box.y + box.h / 2 - 3, w: 2, h: 6 }]);
    const color = dominant(strip);
    assert.ok(contrast(color, bg) >= 3, `${theme.name}: halo of ${n.id} (${(p.share * 100).toFixed(0)}%) ${fmt(color)} is ${contrast(color, bg).toFixed(2)}:1 against ${fmt(bg)}`);
    halos.push({ share: p.share, color });
  }
  assert.ok(halos.length >= 3, `${theme.name}: ${halos.length} halos in view`);
  halos.sort((a, b) => b.share - a.share);
  assert.ok(hue(halos[0].color) < hue(halos[halos.length - 1].color), `${theme.name}: hottest ${fmt(halos[0].color)} is redder than coolest ${fmt(halos[halos.length - 1].color)}`);

  // Heat labels: text that reads on the label's own fill; clear of each other and of other boxes.
  assert.ok(labels.length >= 3, `${theme.name}: ${labels.length} heat labels`);
  const pill = hex(vars['--vscode-editorWidget-background'], bg);
  assert.ok(contrast(pill, hex(vars['--vscode-editor-foreground'], pill)) >= 4.5);
  for (const l of labels) {
    const [inner] = await canvasPixels(v, [{ x: l.x + 1.5, y: l.y + 1.5, w: l.w - 3, h: l.h - 3 }]);
    const fill = dominant(inner);
    assert.ok(distance(fill, pill) <= 3, `${theme.name}: label ${l.text} on ${fmt(fill)}, not ${fmt(pill)}`);
    const t = mostContrasting(inner, fill);
    assert.ok(t.ratio >= 3, `${theme.name}: label ${l.text} ${t.ratio.toFixed(2)}:1`);
  }

  // The selection and the search's highlights: rings in the theme's focus and find colours.
  const selected = await v.data('selected');
  const highlighted = ops.filter((n) => n.opType === 'Relu' && n.id !== selected);
  const sel = ops.find((n) => n.id === selected);
  assert.ok(sel && highlighted.length, `${theme.name}: the selection and a highlight are in view`);
  await assertRing(v, onCanvas(sel, view), hex(vars['--vscode-focusBorder'], bg), bg, `${theme.name}: selection of ${sel.id}`);
  for (const n of highlighted) await assertRing(v, onCanvas(n, view), hex(vars['--vscode-editorOverviewRuler-findMatchForeground'], bg), bg, `${theme.name}: highlight of ${n.id}`);
}

/** Collapsed groups (cards) and expanded ones (frames): their outlines and their text. */
async function checkGroups(v: ViewerPage, theme: WebviewTheme): Promise<void> {
  const vars = theme.vars;
  const bg = hex(vars['--vscode-editor-background']);
  const { scene, view, canvas } = await hook(v);
  const visible = inView(scene, view, canvas, 4);
  const cards = visible.filter((n) => n.kind === 'group' && !n.expanded);
  assert.ok(cards.length >= 3, `${theme.name}: ${cards.length} collapsed groups in view`);
  const cardFill = hex(vars['--vscode-editorWidget-background'], bg);
  assert.ok(contrast(cardFill, hex(vars['--vscode-editor-foreground'], cardFill)) >= 4.5, `${theme.name}: group text colour on its fill`);
  for (const n of cards) {
    const box = onCanvas(n, view);
    const [[inside], text, left] = await canvasPixels(v, [
      { x: box.x + 3, y: box.y + box.h / 2, w: 1, h: 1 },
      { x: box.x + 4, y: box.y + 4, w: box.w - 8, h: box.h - 8 },
      { x: box.x - 2, y: box.y + box.h / 2, w: 4, h: 1 },
    ]);
    assert.ok(distance(inside, cardFill) <= 3, `${theme.name}: ${n.id} filled ${fmt(inside)}, not ${fmt(cardFill)}`);
    const t = mostContrasting(text, inside);
    assert.ok(t.ratio >= 3, `${theme.name}: ${n.id} text ${t.ratio.toFixed(2)}:1`);
    // The outline sets the card off the background (a 1-pixel line, antialiased).
    const outline = mostContrasting(left, bg);
    assert.ok(outline.ratio >= 1.5, `${theme.name}: ${n.id} outline ${fmt(outline.color)} ${outline.ratio.toFixed(2)}:1 against ${fmt(bg)} (${left.map(fmt).join(' ')})`);
  }
  const frames = scene.nodes.filter((n) => n.expanded && n.depth > 0).filter((n) => {
    const r = onCanvas(n, view);
    return r.x >= 4 && r.y >= 4 && r.x + r.w <= canvas.w && r.y + 30 <= canvas.h;
  });
  assert.ok(frames.length, `${theme.name}: an expanded group's header is in view`);
  for (const f of frames) {
    const box = onCanvas(f, view);
    const [header, left] = await canvasPixels(v, [
      { x: box.x + 6, y: box.y + 4, w: Math.min(60, box.w - 12), h: 18 },
      { x: box.x - 2, y: box.y + 40, w: 4, h: 1 },
    ]);
    const under = dominant(header);
    const t = mostContrasting(header, under);
    assert.ok(t.ratio >= 3, `${theme.name}: ${f.id} header text ${t.ratio.toFixed(2)}:1`);
    const outline = mostContrasting(left, bg);
    assert.ok(outline.ratio >= 1.2, `${theme.name}: ${f.id} frame outline ${fmt(outline.color)} ${outline.ratio.toFixed(2)}:1 (${left.map(fmt).join(' ')})`);
  }
}

describe('graph view in light, dark and high-contrast themes (headless Chromium)', function () {
  this.timeout(180_000);
  const harness = new Harness();
  let tmp: string;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'mlh-theme-'));
    await harness.start();
  });
  after(() => harness.stop());

  for (const theme of [THEMES.light, THEMES.highContrast, THEMES.dark]) {
    it(`draws a transformer's groups readably in the ${theme.name} theme`, async () => {
      const file = join(tmp, `gpt-${theme.name}.onnx`);
      writeFileSync(file, syntheticTransformer({ nodes: 600 }));
      const v = await harness.newPage(undefined, theme);
      try {
        assert.equal(await v.open(file), 'ready');
        // Opens h.3 and selects its (collapsed) attention block.
        await v.page.evaluate(() => (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph.reveal('g/transformer/h.3/attn'));
        await v.page.waitForFunction(() => document.body.dataset.state === 'ready' && document.body.dataset.selected === 'g/transformer/h.3/attn');
        await v.waitIdle();
        await v.screenshot(`theme-${theme.name}-groups`);
        await checkGroups(v, theme);
        assert.deepEqual(v.errors, []);
      } finally {
        await v.close();
      }
    });
  }

  for (const theme of [THEMES.light, THEMES.highContrast, THEMES.dark]) {
    it(`renders ResNet-50 readably in the ${theme.name} theme`, async () => {
      const v = await harness.newPage(undefined, theme);
      try {
        assert.equal(await v.open(RESNET), 'ready');
        await v.waitIdle();
        const { scene } = await hook(v);
        // A profile of the first ops except the Relus (they are the search's matches), hottest first.
        const profiled = scene.nodes.filter((n) => n.kind === 'op' && n.name && n.opType !== 'Relu').slice(0, 14);
        await v.post({ type: 'profileOverlay', nodes: Object.fromEntries(profiled.map((n, i) => [n.name!, { ms: 3.1 - i * 0.2, share: 0.42 - i * 0.03 }])) });
        await v.page.fill('input.search', 'Relu');
        await v.page.press('input.search', 'Enter');
        await v.page.waitForFunction(() => document.body.dataset.searchMatches !== undefined && document.body.dataset.selected);
        await v.waitIdle();
        await v.screenshot(`theme-${theme.name}-resnet50`);
        await checkTheme(v, theme);

        if (theme === THEMES.light) {
          // VS Code switches themes under an open view: the body's class and variables change.
          await v.page.evaluate((t) => {
            document.body.className = t.bodyClass;
            for (const [k, val] of Object.entries(t.vars)) document.body.style.setProperty(k, val);
          }, THEMES.dark);
          await v.waitIdle();
          await v.screenshot('theme-light-to-dark-resnet50');
          await checkTheme(v, THEMES.dark);
        }
        assert.deepEqual(v.errors, []);
      } finally {
        await v.close();
      }
    });
  }
});
