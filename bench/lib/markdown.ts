/** Markdown helpers for bench results (bench/results/<name>.md, assembled into BENCHMARKS.md). */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const RESULTS_DIR = path.join(__dirname, '..', 'results');

export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, align?: readonly ('l' | 'r')[]): string {
  const a = align ?? headers.map((_, i) => (i === 0 ? 'l' : 'r'));
  const lines = [
    `| ${headers.join(' | ')} |`,
    `| ${a.map((x) => (x === 'r' ? '---:' : ':---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(String).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** Whole number with thousands separators (1,234,567). */
export function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',') : '–';
}

export function fixed(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

export function writeSection(name: string, markdown: string): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.md`);
  fs.writeFileSync(file, markdown.trim() + '\n');
  return file;
}
