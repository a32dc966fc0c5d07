/**
 * Canvas 2D renderer of a laid-out scene: expanded groups as frames, collapsed groups,
 * ops, inputs and outputs as boxes, edges as smoothed polylines. Only what intersects the
 * viewport is drawn; boxes are batched per fill colour, and text and arrowheads are
 * dropped when they would be too small to read, so tens of thousands of boxes pan smoothly.
 */
import type { GraphScene, ProfileOverlayNodes, SceneEdge, SceneNode } from '../../../protocol/graph';
import { heatColor, OP_TEXT, opFill, type Theme } from './theme';

export interface View {
  x: number;
  y: number;
  scale: number;
}

export interface Marks {
  selected?: string;
  /** Search matches, producer/consumer highlights. */
  highlighted: ReadonlySet<string>;
  profile?: ProfileOverlayNodes;
}

/** A heat-overlay label as drawn: its node, its text and its box in CSS pixels of the target. */
export interface DrawnLabel {
  id: string;
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DrawStats {
  /** Boxes drawn (frames included). */
  nodes: number;
  edges: number;
  ms: number;
  /** Profile labels drawn (those in view), when a profile is shown and text is readable. */
  labels?: DrawnLabel[];
}

export const FONT_SIZE = 12;
const RADIUS = 5;

/** Index of a scene for culling and hit testing. */
export class SceneIndex {
  /** Boxes that are not open frames, in draw order; frames separately (parents first). */
  readonly frames: SceneNode[] = [];
  readonly boxes: SceneNode[] = [];
  readonly byId = new Map<string, SceneNode>();
  /** Per edge: bounding box [x0, y0, x1, y1]. */
  readonly edgeBox: Float64Array;

  constructor(readonly scene: GraphScene) {
    for (const n of scene.nodes) {
      this.byId.set(n.id, n);
      (n.expanded ? this.frames : this.boxes).push(n);
    }
    this.edgeBox = new Float64Array(scene.edges.length * 4);
    scene.edges.forEach((e, i) => {
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (let k = 0; k < e.points.length; k += 2) {
        const x = e.points[k], y = e.points[k + 1];
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
      this.edgeBox.set([x0, y0, x1, y1], i * 4);
    });
  }

  /** The innermost box at a scene point (boxes over frames, deeper frames over outer ones). */
  hit(x: number, y: number): SceneNode | undefined {
    for (let i = this.boxes.length - 1; i >= 0; i--) {
      const n = this.boxes[i];
      if (x >= n.x && x <= n.x + n.w && y >= n.y && y <= n.y + n.h) return n;
    }
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const n = this.frames[i];
      if (x >= n.x && x <= n.x + n.w && y >= n.y && y <= n.y + n.h) return n;
    }
    return undefined;
  }
}

function edgePath(ctx: CanvasRenderingContext2D | Path2D, e: SceneEdge): void {
  const p = e.points;
  ctx.moveTo(p[0], p[1]);
  if (p.length === 4) {
    // Unrouted (between boxes of different groups): a vertical S-curve.
    const dy = Math.max(24, Math.abs(p[3] - p[1]) / 2);
    ctx.bezierCurveTo(p[0], p[1] + dy, p[2], p[3] - dy, p[2], p[3]);
    return;
  }
  for (let k = 2; k < p.length - 2; k += 2) {
    const mx = (p[k] + p[k + 2]) / 2, my = (p[k + 1] + p[k + 3]) / 2;
    ctx.quadraticCurveTo(p[k], p[k + 1], mx, my);
  }
  ctx.lineTo(p[p.length - 2], p[p.length - 1]);
}

function arrowHead(path: Path2D, e: SceneEdge, size: number): void {
  const p = e.points, n = p.length;
  const x = p[n - 2], y = p[n - 1];
  let dx = 0, dy = 1;
  if (n > 4) {
    dx = x - p[n - 4];
    dy = y - p[n - 3];
    const len = Math.hypot(dx, dy) || 1;
    dx /= len;
    dy /= len;
  }
  path.moveTo(x, y);
  path.lineTo(x - dx * size - dy * size * 0.5, y - dy * size + dx * size * 0.5);
  path.lineTo(x - dx * size + dy * size * 0.5, y - dy * size - dx * size * 0.5);
  path.closePath();
}

function fitText(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text;
  let lo = 0, hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(text.slice(0, mid) + '…').width <= max) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo) + '…';
}

// ---- heat-overlay labels ----------------------------------------------------------------

/** Label height, padding, and gap to its node (scene units: labels scale with the view). */
const LABEL_H = 16;
const LABEL_PAD = 3;
const LABEL_GAP = 7;
/** Margin kept around other boxes (the heat halo reaches 5 out). */
const HALO = 5;

interface Placed {
  text: string;
  x: number;
  y: number;
  w: number;
}

export function formatShare(share: number): string {
  const pct = share * 100;
  return pct >= 9.95 ? `${pct.toFixed(0)}%` : pct >= 0.05 ? `${pct.toFixed(1)}%` : '<0.1%';
}

export function formatMs(ms: number): string {
  return `${ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)} ms`;
}

/** Rectangles in a uniform grid, for "does this box touch anything already there". */
class RectGrid {
  private readonly cells = new Map<number, number[]>();
  private readonly rects: number[] = [];
  constructor(private readonly size = 96) {}

  private *keys(x0: number, y0: number, x1: number, y1: number): Generator<number> {
    const s = this.size;
    for (let gx = Math.floor(x0 / s); gx <= Math.floor(x1 / s); gx++)
      for (let gy = Math.floor(y0 / s); gy <= Math.floor(y1 / s); gy++) yield gx * 1_000_003 + gy;
  }

  add(x: number, y: number, w: number, h: number): void {
    const i = this.rects.push(x, y, x + w, y + h) - 4;
    for (const k of this.keys(x, y, x + w, y + h)) {
      const list = this.cells.get(k);
      if (list) list.push(i);
      else this.cells.set(k, [i]);
    }
  }

  hits(x: number, y: number, w: number, h: number): boolean {
    const r = this.rects;
    for (const k of this.keys(x, y, x + w, y + h))
      for (const i of this.cells.get(k) ?? []) if (x < r[i + 2] && x + w > r[i] && y < r[i + 3] && y + h > r[i + 1]) return true;
    return false;
  }
}

/** The edges as line segments in a uniform grid, for "does this box cross an edge". */
class SegmentGrid {
  private readonly cells = new Map<number, number[]>();
  private readonly segs: number[] = [];
  constructor(private readonly size = 96) {}

  add(x0: number, y0: number, x1: number, y1: number): void {
    const i = this.segs.push(x0, y0, x1, y1) - 4;
    const s = this.size;
    for (let gx = Math.floor(Math.min(x0, x1) / s); gx <= Math.floor(Math.max(x0, x1) / s); gx++)
      for (let gy = Math.floor(Math.min(y0, y1) / s); gy <= Math.floor(Math.max(y0, y1) / s); gy++) {
        const k = gx * 1_000_003 + gy;
        const list = this.cells.get(k);
        if (list) list.push(i);
        else this.cells.set(k, [i]);
      }
  }

  /** Whether any segment crosses the box (Liang-Barsky clipping). */
  hits(x: number, y: number, w: number, h: number): boolean {
    const s = this.size, g = this.segs;
    for (let gx = Math.floor(x / s); gx <= Math.floor((x + w) / s); gx++)
      for (let gy = Math.floor(y / s); gy <= Math.floor((y + h) / s); gy++)
        for (const i of this.cells.get(gx * 1_000_003 + gy) ?? []) {
          const x0 = g[i], y0 = g[i + 1], dx = g[i + 2] - x0, dy = g[i + 3] - y0;
          let t0 = 0, t1 = 1, inside = true;
          for (const [p, q] of [[-dx, x0 - x], [dx, x + w - x0], [-dy, y0 - y], [dy, y + h - y0]]) {
            if (p === 0) {
              if (q < 0) inside = false;
            } else {
              const t = q / p;
              if (p < 0) t0 = Math.max(t0, t);
              else t1 = Math.min(t1, t);
            }
            if (!inside || t0 > t1) break;
          }
          if (inside && t0 <= t1) return true;
        }
    return false;
  }
}

/** An edge as drawn (edgePath), flattened to a polyline. */
function edgePolyline(e: SceneEdge): number[] {
  const p = e.points;
  if (p.length !== 4) return p;
  const dy = Math.max(24, Math.abs(p[3] - p[1]) / 2);
  const c = [p[0], p[1], p[0], p[1] + dy, p[2], p[3] - dy, p[2], p[3]];
  const out: number[] = [];
  for (let k = 0; k <= 8; k++) {
    const t = k / 8, u = 1 - t;
    const a = u * u * u, b = 3 * u * u * t, d = 3 * u * t * t, f = t * t * t;
    out.push(a * c[0] + b * c[2] + d * c[4] + f * c[6], a * c[1] + b * c[3] + d * c[5] + f * c[7]);
  }
  return out;
}

/**
 * Where each profiled op's label goes, for the whole scene at once (so panning and
 * zooming never move a label): hottest ops first, each to the first free spot of right
 * of its box, left of it, then the share alone on either side, below or above; a label
 * that fits nowhere is left out (its halo still shows the heat). Free means clear of
 * every box and its halo, of group headers and of the labels placed before it, and
 * where possible of the edges too (a label hides what it covers). Sizes are
 * in scene units, as the text scales with the view, so what is free is the same at
 * every zoom.
 */
function placeLabels(ctx: CanvasRenderingContext2D, index: SceneIndex, profile: ProfileOverlayNodes): Map<string, Placed> {
  const grid = new RectGrid();
  const ops: { n: SceneNode; ms: number; share: number }[] = [];
  for (const n of index.boxes) {
    const p = n.kind === 'op' && n.name ? profile[n.name] : undefined;
    const m = p || n.kind !== 'op' ? HALO : 2;
    grid.add(n.x - m, n.y - m, n.w + 2 * m, n.h + 2 * m + (n.kind === 'group' ? 4 : 0));
    if (p) ops.push({ n, ms: p.ms, share: p.share });
  }
  for (const f of index.frames) grid.add(f.x, f.y, f.w, 24);
  // Edges only near profiled ops matter.
  const near = new RectGrid();
  for (const { n } of ops) near.add(n.x - 200, n.y - 40, n.w + 400, n.h + 80);
  const edges = new SegmentGrid();
  for (const e of index.scene.edges) {
    const p = edgePolyline(e);
    for (let k = 0; k + 3 < p.length; k += 2) {
      const x0 = Math.min(p[k], p[k + 2]), y0 = Math.min(p[k + 1], p[k + 3]);
      if (near.hits(x0, y0, Math.abs(p[k + 2] - p[k]), Math.abs(p[k + 3] - p[k + 1]))) edges.add(p[k], p[k + 1], p[k + 2], p[k + 3]);
    }
  }
  ops.sort((a, b) => b.share - a.share || (a.n.id < b.n.id ? -1 : 1));
  const placed = new Map<string, Placed>();
  const width = new Map<string, number>();
  const measure = (text: string) => {
    let w = width.get(text);
    if (w === undefined) width.set(text, (w = Math.ceil(ctx.measureText(text).width) + 2 * LABEL_PAD));
    return w;
  };
  for (const { n, ms, share } of ops) {
    const short = formatShare(share);
    const full = `${formatMs(ms)} · ${short}`;
    const cy = n.y + n.h / 2 - LABEL_H / 2;
    const fw = measure(full), sw = measure(short);
    const candidates: Placed[] = [
      { text: full, x: n.x + n.w + LABEL_GAP, y: cy, w: fw },
      { text: full, x: n.x - LABEL_GAP - fw, y: cy, w: fw },
      { text: short, x: n.x + n.w + LABEL_GAP, y: cy, w: sw },
      { text: short, x: n.x - LABEL_GAP - sw, y: cy, w: sw },
      { text: short, x: n.x + n.w / 2 - sw / 2, y: n.y + n.h + LABEL_GAP, w: sw },
      { text: short, x: n.x + n.w / 2 - sw / 2, y: n.y - LABEL_GAP - LABEL_H, w: sw },
    ];
    const free = candidates.filter((c) => !grid.hits(c.x, c.y, c.w, LABEL_H));
    const spot = free.find((c) => !edges.hits(c.x + 1, c.y + 1, c.w - 2, LABEL_H - 2)) ?? free[0];
    if (!spot) continue;
    placed.set(n.id, spot);
    grid.add(spot.x - 2, spot.y - 2, spot.w + 4, LABEL_H + 4);
  }
  return placed;
}

const labelCache = new WeakMap<SceneIndex, { profile: ProfileOverlayNodes; font: string; placed: Map<string, Placed> }>();

function heatLabels(ctx: CanvasRenderingContext2D, index: SceneIndex, profile: ProfileOverlayNodes): Map<string, Placed> {
  const hit = labelCache.get(index);
  if (hit && hit.profile === profile && hit.font === ctx.font) return hit.placed;
  const placed = placeLabels(ctx, index, profile);
  labelCache.set(index, { profile, font: ctx.font, placed });
  return placed;
}

export interface DrawTarget {
  ctx: CanvasRenderingContext2D;
  /** CSS pixels of the visible area. */
  width: number;
  height: number;
  /** Device pixel ratio to scale by. */
  ratio: number;
}

/** Draws the scene as seen through `view` (scene point p appears at p * scale + (x, y)). */
export function drawScene(target: DrawTarget, index: SceneIndex, view: View, theme: Theme, marks: Marks): DrawStats {
  const start = performance.now();
  const { ctx, width, height, ratio } = target;
  const s = view.scale;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, width, height);
  ctx.setTransform(ratio * s, 0, 0, ratio * s, ratio * view.x, ratio * view.y);
  const vx0 = -view.x / s, vy0 = -view.y / s, vx1 = vx0 + width / s, vy1 = vy0 + height / s;
  const visible = (n: SceneNode) => n.x <= vx1 && n.x + n.w >= vx0 && n.y <= vy1 && n.y + n.h >= vy0;
  const px = 1 / s;
  const showText = s * FONT_SIZE >= 4.5;
  const rounded = s >= 0.35;
  let drawnNodes = 0;
  let labels: DrawnLabel[] | undefined;

  // Frames of expanded groups, outer first.
  ctx.lineWidth = px;
  for (const f of index.frames) {
    if (!visible(f)) continue;
    drawnNodes++;
    ctx.beginPath();
    if (rounded) ctx.roundRect(f.x, f.y, f.w, f.h, RADIUS + 2);
    else ctx.rect(f.x, f.y, f.w, f.h);
    ctx.globalAlpha = 0.55;
    ctx.fillStyle = f.depth % 2 ? theme.background : theme.frameFill;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = marks.selected === f.id ? theme.focus : marks.highlighted.has(f.id) ? theme.highlight : theme.frameBorder;
    ctx.lineWidth = marks.selected === f.id || marks.highlighted.has(f.id) ? 2 * px : px;
    ctx.stroke();
    ctx.lineWidth = px;
  }

  // Boxes in view.
  const drawn: SceneNode[] = [];
  for (const n of index.boxes) if (visible(n)) drawn.push(n);
  drawnNodes += drawn.length;

  // Profile heat overlay: a halo behind each profiled op (under the edges, so arrowheads stay visible).
  if (marks.profile) {
    for (const n of drawn) {
      const p = n.kind === 'op' && n.name ? marks.profile[n.name] : undefined;
      if (!p) continue;
      ctx.fillStyle = heatColor(p.share, theme.kind);
      ctx.beginPath();
      ctx.roundRect(n.x - HALO, n.y - HALO, n.w + 2 * HALO, n.h + 2 * HALO, RADIUS + 4);
      ctx.fill();
    }
  }

  // Edges, batched into one path.
  const edgePath2D = new Path2D();
  const heads = new Path2D();
  const scene = index.scene;
  let drawnEdges = 0;
  const eb = index.edgeBox;
  const withHeads = s >= 0.3;
  for (let i = 0; i < scene.edges.length; i++) {
    if (eb[i * 4] > vx1 || eb[i * 4 + 2] < vx0 || eb[i * 4 + 1] > vy1 + 40 || eb[i * 4 + 3] < vy0 - 40) continue;
    const e = scene.edges[i];
    drawnEdges++;
    edgePath(edgePath2D, e);
    if (withHeads) arrowHead(heads, e, 7);
  }
  ctx.strokeStyle = theme.edge;
  ctx.lineWidth = Math.max(px, 1.2);
  ctx.stroke(edgePath2D);
  ctx.fillStyle = theme.edge;
  if (withHeads) ctx.fill(heads);

  // Boxes, batched per fill colour.
  const byFill = new Map<string, SceneNode[]>();
  for (const n of drawn) {
    const fill = n.kind === 'op' ? opFill(n.opType ?? '') : n.kind === 'group' ? theme.groupFill : theme.ioFill;
    let list = byFill.get(fill);
    if (!list) byFill.set(fill, (list = []));
    list.push(n);
  }
  for (const [fill, list] of byFill) {
    ctx.beginPath();
    for (const n of list) {
      if (rounded) ctx.roundRect(n.x, n.y, n.w, n.h, n.kind === 'input' || n.kind === 'output' ? n.h / 2 : RADIUS);
      else ctx.rect(n.x, n.y, n.w, n.h);
    }
    ctx.fillStyle = fill;
    ctx.fill();
  }
  // High contrast: every box outlined.
  if (theme.contrastBorder) {
    ctx.strokeStyle = theme.contrastBorder;
    ctx.lineWidth = px;
    ctx.beginPath();
    for (const n of drawn) {
      if (n.kind === 'group') continue;
      if (rounded) ctx.roundRect(n.x, n.y, n.w, n.h, n.kind === 'input' || n.kind === 'output' ? n.h / 2 : RADIUS);
      else ctx.rect(n.x, n.y, n.w, n.h);
    }
    ctx.stroke();
  }
  // Group borders (collapsed groups look like stacked cards).
  ctx.strokeStyle = theme.contrastBorder ?? theme.groupBorder;
  ctx.lineWidth = px;
  ctx.beginPath();
  for (const n of drawn) {
    if (n.kind !== 'group') continue;
    if (rounded) {
      ctx.roundRect(n.x, n.y, n.w, n.h, RADIUS);
      ctx.moveTo(n.x + 4, n.y + n.h + 3);
      ctx.lineTo(n.x + n.w - 4, n.y + n.h + 3);
    } else ctx.rect(n.x, n.y, n.w, n.h);
  }
  ctx.stroke();

  // Selection and highlights: a ring on a band of background, so that it stands out from a heat halo.
  for (const n of drawn) {
    const selected = marks.selected === n.id;
    if (!selected && !marks.highlighted.has(n.id)) continue;
    const ring = Math.max(2 * px, 2);
    // Around the halo of a profiled op, else close around the box.
    const o = marks.profile && n.kind === 'op' && n.name && marks.profile[n.name] ? HALO + 1.5 : 2.5;
    ctx.beginPath();
    ctx.roundRect(n.x - o, n.y - o, n.w + 2 * o, n.h + 2 * o, RADIUS + o);
    ctx.strokeStyle = theme.background;
    ctx.lineWidth = ring + 2 * px;
    ctx.stroke();
    ctx.strokeStyle = selected ? theme.focus : theme.highlight;
    ctx.lineWidth = ring;
    ctx.stroke();
  }

  if (showText) {
    ctx.textBaseline = 'middle';
    ctx.font = `${FONT_SIZE}px ${theme.font}`;
    const small = `${FONT_SIZE - 1}px ${theme.font}`;
    // Frame headers.
    for (const f of index.frames) {
      if (!visible(f)) continue;
      ctx.textAlign = 'left';
      ctx.fillStyle = theme.foreground;
      ctx.font = `600 ${FONT_SIZE}px ${theme.font}`;
      const label = `▾ ${f.label}`;
      ctx.font = small;
      const subWidth = f.sub ? ctx.measureText(f.sub).width : 0;
      ctx.font = `600 ${FONT_SIZE}px ${theme.font}`;
      ctx.fillText(fitText(ctx, label, f.w - subWidth - 28), f.x + 8, f.y + 13);
      ctx.textAlign = 'right';
      ctx.fillStyle = theme.muted;
      ctx.font = small;
      if (f.sub) ctx.fillText(f.sub, f.x + f.w - 8, f.y + 13);
    }
    ctx.textAlign = 'center';
    for (const n of drawn) {
      const cx = n.x + n.w / 2;
      if (n.kind === 'op') {
        ctx.font = `${FONT_SIZE}px ${theme.font}`;
        ctx.fillStyle = OP_TEXT;
        ctx.fillText(fitText(ctx, n.label, n.w - 8), cx, n.y + n.h / 2 + 0.5);
        if (n.steps) {
          ctx.textAlign = 'right';
          ctx.fillText('⤵', n.x + n.w - 4, n.y + n.h / 2);
          ctx.textAlign = 'center';
        }
      } else if (n.kind === 'group') {
        ctx.font = `600 ${FONT_SIZE}px ${theme.font}`;
        ctx.fillStyle = theme.foreground;
        ctx.fillText(fitText(ctx, n.label, n.w - 30), cx - 6, n.y + 14);
        ctx.font = small;
        ctx.fillStyle = theme.muted;
        if (n.sub) ctx.fillText(n.sub, cx - 6, n.y + 30);
        ctx.fillStyle = theme.foreground;
        ctx.font = `600 ${FONT_SIZE + 2}px ${theme.font}`;
        ctx.fillText('+', n.x + n.w - 11, n.y + 13);
      } else {
        ctx.font = `${FONT_SIZE}px ${theme.font}`;
        ctx.fillStyle = theme.ioText;
        ctx.fillText(fitText(ctx, n.label, n.w - 16), cx, n.y + 13);
        ctx.font = small;
        ctx.globalAlpha = 0.75;
        if (n.sub) ctx.fillText(n.sub, cx, n.y + 28);
        ctx.globalAlpha = 1;
      }
    }
    if (marks.profile) {
      ctx.font = small;
      ctx.textAlign = 'left';
      const placed = heatLabels(ctx, index, marks.profile);
      labels = [];
      ctx.lineWidth = px;
      // By label, not by box: a label can be in view when its op is just outside.
      for (const [id, l] of placed) {
        if (l.x > vx1 || l.x + l.w < vx0 || l.y > vy1 || l.y + LABEL_H < vy0) continue;
        ctx.beginPath();
        ctx.roundRect(l.x, l.y, l.w, LABEL_H, 3);
        ctx.fillStyle = theme.groupFill;
        ctx.fill();
        ctx.strokeStyle = theme.contrastBorder ?? theme.groupBorder;
        ctx.stroke();
        ctx.fillStyle = theme.foreground;
        ctx.fillText(l.text, l.x + LABEL_PAD, l.y + LABEL_H / 2 + 0.5);
        labels.push({ id, text: l.text, x: view.x + l.x * s, y: view.y + l.y * s, w: l.w * s, h: LABEL_H * s });
      }
    }
  }
  return { nodes: drawnNodes, edges: drawnEdges, ms: performance.now() - start, ...(labels ? { labels } : {}) };
}

/** Whether a scene point on a collapsed group hits its expand toggle (the `+` in its corner). */
export function hitsToggle(n: SceneNode, x: number, y: number): boolean {
  return n.kind === 'group' && !n.expanded && x >= n.x + n.w - 22 && y <= n.y + 24;
}

/** Whether a scene point lies on an expanded group's header (click there collapses it). */
export function hitsFrameHeader(n: SceneNode, y: number): boolean {
  return Boolean(n.expanded) && y <= n.y + 24;
}
