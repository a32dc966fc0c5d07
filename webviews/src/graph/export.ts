/**
 * Export of the current scene (as expanded now) to SVG text and PNG, in the theme's
 * colours. Text is escaped; the SVG is standalone (no external references).
 */
import type { SceneEdge } from '../../../protocol/graph';
import { drawScene, FONT_SIZE, type Marks, type SceneIndex } from './render';
import { OP_TEXT, opFill, type Theme } from './theme';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function pathData(e: SceneEdge): string {
  const p = e.points;
  const f = (v: number) => v.toFixed(1);
  let d = `M${f(p[0])},${f(p[1])}`;
  if (p.length === 4) {
    const dy = Math.max(24, Math.abs(p[3] - p[1]) / 2);
    return `${d} C${f(p[0])},${f(p[1] + dy)} ${f(p[2])},${f(p[3] - dy)} ${f(p[2])},${f(p[3])}`;
  }
  for (let k = 2; k < p.length - 2; k += 2) d += ` Q${f(p[k])},${f(p[k + 1])} ${f((p[k] + p[k + 2]) / 2)},${f((p[k + 1] + p[k + 3]) / 2)}`;
  return `${d} L${f(p[p.length - 2])},${f(p[p.length - 1])}`;
}

const MARGIN = 20;

export function sceneToSvg(index: SceneIndex, theme: Theme): string {
  const { scene } = index;
  const w = Math.ceil(scene.width + 2 * MARGIN), h = Math.ceil(scene.height + 2 * MARGIN);
  const out: string[] = [];
  const font = escapeXml(theme.font);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="${-MARGIN} ${-MARGIN} ${w} ${h}" font-family="${font}" font-size="${FONT_SIZE}">`);
  out.push(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${escapeXml(theme.edge)}"/></marker></defs>`);
  out.push(`<rect x="${-MARGIN}" y="${-MARGIN}" width="${w}" height="${h}" fill="${escapeXml(theme.background)}"/>`);
  for (const f of index.frames) {
    out.push(`<g class="group" data-id="${escapeXml(f.id)}"><rect x="${f.x}" y="${f.y}" width="${f.w}" height="${f.h}" rx="7" fill="${escapeXml(f.depth % 2 ? theme.background : theme.frameFill)}" fill-opacity="0.55" stroke="${escapeXml(theme.frameBorder)}"/>`);
    out.push(`<text x="${f.x + 8}" y="${f.y + 17}" fill="${escapeXml(theme.foreground)}" font-weight="600">${escapeXml(f.label)}</text></g>`);
  }
  out.push(`<g fill="none" stroke="${escapeXml(theme.edge)}" stroke-width="1.2">`);
  for (const e of scene.edges) out.push(`<path d="${pathData(e)}" marker-end="url(#arrow)"><title>${escapeXml(e.label)}</title></path>`);
  out.push('</g>');
  for (const n of index.boxes) {
    const cx = n.x + n.w / 2;
    if (n.kind === 'op') {
      out.push(`<g class="node" data-id="${escapeXml(n.id)}"><rect x="${n.x}" y="${n.y}" width="${n.w}" height="${n.h}" rx="5" fill="${opFill(n.opType ?? '')}"/><text x="${cx}" y="${n.y + n.h / 2 + 4}" fill="${OP_TEXT}" text-anchor="middle">${escapeXml(n.label)}</text>${n.name ? `<title>${escapeXml(n.name)}</title>` : ''}</g>`);
    } else if (n.kind === 'group') {
      out.push(`<g class="group" data-id="${escapeXml(n.id)}"><rect x="${n.x}" y="${n.y}" width="${n.w}" height="${n.h}" rx="5" fill="${escapeXml(theme.groupFill)}" stroke="${escapeXml(theme.groupBorder)}"/><text x="${cx}" y="${n.y + 18}" fill="${escapeXml(theme.foreground)}" text-anchor="middle" font-weight="600">${escapeXml(n.label)}</text><text x="${cx}" y="${n.y + 33}" fill="${escapeXml(theme.muted)}" text-anchor="middle" font-size="${FONT_SIZE - 1}">${escapeXml(n.sub ?? '')}</text></g>`);
    } else {
      out.push(`<g class="${n.kind}" data-id="${escapeXml(n.id)}"><rect x="${n.x}" y="${n.y}" width="${n.w}" height="${n.h}" rx="${n.h / 2}" fill="${escapeXml(theme.ioFill)}"/><text x="${cx}" y="${n.y + 17}" fill="${escapeXml(theme.ioText)}" text-anchor="middle">${escapeXml(n.label)}</text><text x="${cx}" y="${n.y + 31}" fill="${escapeXml(theme.ioText)}" fill-opacity="0.75" text-anchor="middle" font-size="${FONT_SIZE - 1}">${escapeXml(n.sub ?? '')}</text></g>`);
    }
  }
  out.push('</svg>');
  return out.join('\n');
}

/** The scene as a PNG (base64, no data: prefix), scaled down to fit `maxSide` pixels. */
export function sceneToPngBase64(index: SceneIndex, theme: Theme, marks: Marks, maxSide = 8192): string {
  const { scene } = index;
  const scale = Math.min(2, maxSide / (scene.width + 2 * MARGIN), maxSide / (scene.height + 2 * MARGIN));
  const width = Math.ceil((scene.width + 2 * MARGIN) * scale), height = Math.ceil((scene.height + 2 * MARGIN) * scale);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  drawScene({ ctx, width, height, ratio: 1 }, index, { x: MARGIN * scale, y: MARGIN * scale, scale }, theme, marks);
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}
