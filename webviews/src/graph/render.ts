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

export interface DrawStats {
  /** Boxes drawn (frames included). */
  nodes: number;
  edges: number;
  ms: number;
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
  const drawn: SceneNode[] = [];
  for (const n of index.boxes) {
    if (!visible(n)) continue;
    drawn.push(n);
    const fill = n.kind === 'op' ? opFill(n.opType ?? '') : n.kind === 'group' ? theme.groupFill : theme.ioFill;
    let list = byFill.get(fill);
    if (!list) byFill.set(fill, (list = []));
    list.push(n);
  }
  drawnNodes += drawn.length;
  // Profile heat overlay: a halo behind each profiled op.
  if (marks.profile) {
    for (const n of drawn) {
      const p = n.kind === 'op' && n.name ? marks.profile[n.name] : undefined;
      if (!p) continue;
      ctx.fillStyle = heatColor(p.share);
      ctx.beginPath();
      ctx.roundRect(n.x - 5, n.y - 5, n.w + 10, n.h + 10, RADIUS + 4);
      ctx.fill();
    }
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
  // Group borders (collapsed groups look like stacked cards).
  ctx.strokeStyle = theme.groupBorder;
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

  // Selection and highlights.
  for (const n of drawn) {
    const selected = marks.selected === n.id;
    if (!selected && !marks.highlighted.has(n.id)) continue;
    ctx.strokeStyle = selected ? theme.focus : theme.highlight;
    ctx.lineWidth = Math.max(2 * px, 2);
    ctx.beginPath();
    ctx.roundRect(n.x - 2, n.y - 2, n.w + 4, n.h + 4, RADIUS + 2);
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
      ctx.fillStyle = theme.foreground;
      for (const n of drawn) {
        const p = n.kind === 'op' && n.name ? marks.profile[n.name] : undefined;
        if (!p) continue;
        const text = `${p.ms.toFixed(2)} ms · ${(p.share * 100).toFixed(1)}%`;
        const tw = ctx.measureText(text).width;
        ctx.fillStyle = theme.groupFill;
        ctx.fillRect(n.x + n.w + 6, n.y + n.h / 2 - 8, tw + 6, 16);
        ctx.fillStyle = theme.foreground;
        ctx.fillText(text, n.x + n.w + 9, n.y + n.h / 2);
      }
    }
  }
  return { nodes: drawnNodes, edges: drawnEdges, ms: performance.now() - start };
}

/** Whether a scene point on a collapsed group hits its expand toggle (the `+` in its corner). */
export function hitsToggle(n: SceneNode, x: number, y: number): boolean {
  return n.kind === 'group' && !n.expanded && x >= n.x + n.w - 22 && y <= n.y + 24;
}

/** Whether a scene point lies on an expanded group's header (click there collapses it). */
export function hitsFrameHeader(n: SceneNode, y: number): boolean {
  return Boolean(n.expanded) && y <= n.y + 24;
}
