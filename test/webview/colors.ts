/**
 * Colour arithmetic for the webview tests: CSS hex colours, alpha compositing and WCAG
 * contrast, plus reading back what the graph canvas really shows.
 */
import type { GraphScene } from '../../protocol/graph';
import type { GraphHook, ViewerPage } from './harness';

export type Rgb = [number, number, number];

/** `#rgb`, `#rgba`, `#rrggbb` or `#rrggbbaa`, composited over `under` when it has alpha. */
export function hex(color: string, under: Rgb = [0, 0, 0]): Rgb {
  const m = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color.trim());
  if (!m) throw new Error(`not a hex colour: ${color}`);
  const h = m[1].length <= 4 ? [...m[1]].map((c) => c + c).join('') : m[1];
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  const a = h.length === 8 ? parseInt(h.slice(6, 8), 16) / 255 : 1;
  return [r, g, b].map((v, i) => Math.round(v * a + under[i] * (1 - a))) as Rgb;
}

export function luminance(c: Rgb): number {
  const lin = (v: number) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
}

/** WCAG 2 contrast ratio, 1 to 21. */
export function contrast(a: Rgb, b: Rgb): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** Largest per-channel difference. */
export function distance(a: Rgb, b: Rgb): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

/** Hue in degrees (0 red, 60 yellow). */
export function hue([r, g, b]: Rgb): number {
  const max = Math.max(r, g, b), min = Math.min(r, g, b);
  if (max === min) return 0;
  const d = max - min;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

export const fmt = (c: Rgb) => `rgb(${c.join(',')})`;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The canvas pixels of each rectangle (canvas CSS pixels; rounded outward), as RGB triples. */
export async function canvasPixels(v: ViewerPage, rects: Rect[]): Promise<Rgb[][]> {
  return v.page.evaluate((rs) => {
    const canvas = document.querySelector('canvas.graph') as HTMLCanvasElement;
    const ratio = window.devicePixelRatio || 1;
    const ctx = canvas.getContext('2d')!;
    return rs.map((r) => {
      const x0 = Math.max(0, Math.floor(r.x * ratio)), y0 = Math.max(0, Math.floor(r.y * ratio));
      const x1 = Math.min(canvas.width, Math.ceil((r.x + r.w) * ratio)), y1 = Math.min(canvas.height, Math.ceil((r.y + r.h) * ratio));
      if (x1 <= x0 || y1 <= y0) return [];
      const d = ctx.getImageData(x0, y0, x1 - x0, y1 - y0).data;
      const out: [number, number, number][] = [];
      for (let i = 0; i < d.length; i += 4) out.push([d[i], d[i + 1], d[i + 2]]);
      return out;
    });
  }, rects);
}

export async function pixel(v: ViewerPage, x: number, y: number): Promise<Rgb> {
  const [[p]] = await canvasPixels(v, [{ x, y, w: 1, h: 1 }]);
  return p;
}

/** The pixel of `pixels` that stands out most against `against`. */
export function mostContrasting(pixels: Rgb[], against: Rgb): { color: Rgb; ratio: number } {
  let best: Rgb = against, ratio = 1;
  for (const p of pixels) {
    const r = contrast(p, against);
    if (r > ratio) (best = p), (ratio = r);
  }
  return { color: best, ratio };
}

/** The most frequent colour of `pixels`. */
export function dominant(pixels: Rgb[]): Rgb {
  const counts = new Map<string, number>();
  for (const p of pixels) counts.set(p.join(','), (counts.get(p.join(',')) ?? 0) + 1);
  const [top] = [...counts].sort((a, b) => b[1] - a[1])[0];
  return top.split(',').map(Number) as Rgb;
}

export const hook = (v: ViewerPage) => v.page.evaluate(() => {
  const h = (window as unknown as { __mlHygieneGraph: GraphHook }).__mlHygieneGraph;
  return { scene: h.scene()!, view: h.view(), stats: h.stats(), canvas: (() => {
    const r = document.querySelector('canvas.graph')!.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width, h: r.height };
  })() };
});

/** Where a scene node is on the canvas (CSS pixels relative to the canvas). */
export function onCanvas(n: { x: number; y: number; w: number; h: number }, view: { x: number; y: number; scale: number }): Rect {
  return { x: view.x + n.x * view.scale, y: view.y + n.y * view.scale, w: n.w * view.scale, h: n.h * view.scale };
}

export function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && a.x + a.w > b.x && a.y < b.y + b.h && a.y + a.h > b.y;
}

/** A canvas point at least `margin` pixels from every box, edge and label, inside the canvas and off the minimap. */
export function emptySpot(scene: GraphScene, view: { x: number; y: number; scale: number }, canvas: { w: number; h: number }, labels: Rect[] = [], margin = 12): { x: number; y: number } {
  const taken: Rect[] = [...scene.nodes.map((n) => onCanvas(n, view)), ...labels];
  for (const e of scene.edges) {
    const xs = e.points.filter((_, i) => i % 2 === 0), ys = e.points.filter((_, i) => i % 2 === 1);
    taken.push(onCanvas({ x: Math.min(...xs), y: Math.min(...ys), w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys) }, view));
  }
  for (let y = margin; y < canvas.h - 160; y += 10)
    for (let x = margin; x < canvas.w - margin; x += 10) {
      const probe = { x: x - margin, y: y - margin, w: 2 * margin, h: 2 * margin };
      if (!taken.some((r) => overlaps(r, probe))) return { x, y };
    }
  throw new Error('no empty spot on the canvas');
}
