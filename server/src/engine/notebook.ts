/**
 * Jupyter notebooks as one Python program: code cells in order, joined into one
 * source so that rules see the notebook as it runs (an import in cell 1 resolves a
 * call in cell 7; a seed in cell 2 counts for a shuffle in cell 5). IPython magics and
 * shell escapes are blanked (the line stays, so positions map back), non-Python cells
 * are left out. Findings and fix edits are mapped back to (cell, line in cell).
 */
import type { Finding, Range, TextEdit } from '../../../protocol/findings';

export interface NotebookCellSource {
  /** Index among all cells of the notebook (markdown included), as Jupyter counts them. */
  index: number;
  text: string;
}

export interface NotebookProgram {
  source: string;
  /** The cells that made it into the program, in order, with their first line in `source`. */
  cells: Array<{ index: number; startLine: number; lineCount: number }>;
}

/** Cell magics whose body is not Python. `%%time`, `%%timeit`, `%%capture` run Python and are kept. */
const NON_PYTHON_CELL_MAGICS = /^%%(?!time\b|timeit\b|capture\b|prun\b|debug\b)\w+/;
/** Line magics, shell escapes and help requests: not Python, blanked. */
const MAGIC_LINE = /^\s*(?:[%!]|\?\??\s*\w)|\w\?\??\s*$/;

export class NotebookError extends Error {}

/** Reads an .ipynb (nbformat 4, or 3's worksheets) into its code cells; throws NotebookError with a clear message. */
export function parseIpynb(text: string): { cells: NotebookCellSource[]; language: string } {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    let where = '';
    if (m) {
      const before = text.slice(0, Number(m[1]));
      where = ` at line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`;
    }
    throw new NotebookError(`not a valid notebook: invalid JSON${where} (${(e as Error).message.split('\n')[0]})`);
  }
  if (!doc || typeof doc !== 'object') throw new NotebookError('not a valid notebook: the file is not a JSON object');
  const rawCells: unknown = doc.cells ?? doc.worksheets?.[0]?.cells;
  if (!Array.isArray(rawCells)) throw new NotebookError('not a valid notebook: no "cells" list (nbformat 4 expected)');
  const language: string = String(doc.metadata?.language_info?.name ?? doc.metadata?.kernelspec?.language ?? 'python').toLowerCase();
  const cells: NotebookCellSource[] = [];
  rawCells.forEach((cell: any, index: number) => {
    if (!cell || typeof cell !== 'object') throw new NotebookError(`not a valid notebook: cell ${index + 1} is not an object`);
    if (cell.cell_type !== 'code') return;
    const source = cell.source ?? cell.input;
    const joined = Array.isArray(source) ? source.join('') : typeof source === 'string' ? source : undefined;
    if (joined === undefined) throw new NotebookError(`not a valid notebook: cell ${index + 1} has no source text`);
    cells.push({ index, text: joined });
  });
  return { cells, language };
}

export function buildNotebookProgram(cells: readonly NotebookCellSource[]): NotebookProgram {
  const parts: string[] = [];
  const placed: NotebookProgram['cells'] = [];
  let line = 0;
  for (const cell of cells) {
    const lines = cell.text.replace(/\r\n?/g, '\n').split('\n');
    if (NON_PYTHON_CELL_MAGICS.test(lines[0] ?? '')) continue;
    const python = lines.map((l) => (MAGIC_LINE.test(l) ? '' : l));
    // A trailing newline in the cell would merge with the next cell's first line otherwise.
    if (python[python.length - 1] !== '') python.push('');
    placed.push({ index: cell.index, startLine: line, lineCount: python.length });
    parts.push(python.join('\n'));
    line += python.length;
  }
  return { source: parts.join('\n'), cells: placed };
}

function cellAt(program: NotebookProgram, line: number): NotebookProgram['cells'][number] | undefined {
  let lo = 0;
  let hi = program.cells.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = program.cells[mid];
    if (line < c.startLine) hi = mid - 1;
    else if (line >= c.startLine + c.lineCount) lo = mid + 1;
    else return c;
  }
  return undefined;
}

/** A range of the program as (cell, range in the cell); clipped to the start's cell. */
export function toCellRange(program: NotebookProgram, range: Range): { cell: number; range: Range } | undefined {
  const c = cellAt(program, range.start.line);
  if (!c) return undefined;
  const lastLine = c.startLine + c.lineCount - 1;
  const end = range.end.line > lastLine ? { line: lastLine, character: 0 } : range.end;
  return {
    cell: c.index,
    range: { start: { line: range.start.line - c.startLine, character: range.start.character }, end: { line: end.line - c.startLine, character: end.character } },
  };
}

/**
 * Rules name other places of the program as `line N` (1-based); in a notebook that line
 * is a line of the joined program, which the user never sees: say `cell C, line L`.
 */
export function cellLineText(program: NotebookProgram, message: string): string {
  return message.replace(/\bline (\d+)\b/g, (text, n: string) => {
    const line = Number(n) - 1;
    const c = cellAt(program, line);
    return c ? `cell ${c.index + 1}, line ${line - c.startLine + 1}` : text;
  });
}

/** Maps findings (and their fixes' edits) from program coordinates to cells. */
export function mapFindingsToCells(program: NotebookProgram, findings: readonly Finding[]): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const at = toCellRange(program, f.range);
    if (!at) continue;
    const mapped: Finding = { ...f, message: cellLineText(program, f.message), range: at.range, cell: { index: at.cell, range: at.range } };
    if (f.related) mapped.related = f.related.map((r) => (r.path ? r : { ...r, range: toCellRange(program, r.range)?.range ?? r.range, message: `${cellLineText(program, r.message)} (cell ${(toCellRange(program, r.range)?.cell ?? 0) + 1})` }));
    if (f.fixes)
      mapped.fixes = f.fixes.flatMap((fix) => {
        const edits: TextEdit[] = [];
        for (const e of fix.edits) {
          if (e.path) {
            edits.push(e);
            continue;
          }
          const where = toCellRange(program, e.range);
          if (!where) return [];
          edits.push({ ...e, range: where.range, cell: where.cell });
        }
        return [{ ...fix, edits }];
      });
    out.push(mapped);
  }
  return out;
}
