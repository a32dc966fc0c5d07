/**
 * Edit sequences for the LSP latency benchmark: kinds of incremental edits a user makes
 * in a Python ML file, planned on a local copy of the text so that every edit's range is
 * right for the text the server holds at that point. Deterministic for a seed.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import { seededRandom } from './stats';

export type Kind = 'type-char' | 'insert-line' | 'delete-line' | 'edit-import';
export const KINDS: Kind[] = ['type-char', 'insert-line', 'delete-line', 'edit-import'];
/** Share of each kind among the measured edits. */
export const MIX: Record<Kind, number> = { 'type-char': 0.4, 'insert-line': 0.2, 'delete-line': 0.2, 'edit-import': 0.2 };

export interface Change {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
}
export interface PlannedEdit {
  kind: Kind;
  change: Change;
  /** For insert-line: the line inserted, and whether `pickle.load` should resolve (a finding is expected there). */
  insertedLine?: number;
  expectFinding?: boolean;
}

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);

/**
 * Plans the edit sequence on a local copy of the text (so every edit's range is right
 * for the text the server has at that point), deterministic for a seed.
 */
export function planEdits(initial: string, kinds: Kind[], seed: number): PlannedEdit[] {
  const rand = seededRandom(seed);
  let lines = initial.split('\n');
  const pending: string[] = [];
  let blob = 0;
  let pickleAliased = false;
  let numpyAliased = false;
  let importToggle = 0;
  const out: PlannedEdit[] = [];
  const apply = (c: Change) => {
    const text = lines.join('\n');
    const doc = TextDocument.create('file:///x.py', 'python', 1, text);
    lines = TextDocument.applyEdits(doc, [{ range: c.range, newText: c.text }]).split('\n');
  };
  const bodyLine = (test: (l: string) => boolean) => {
    for (;;) {
      const i = Math.floor(rand() * lines.length);
      if (/^ {4,}\S/.test(lines[i]) && !lines[i].includes('_bench_') && test(lines[i])) return i;
    }
  };
  for (let kind of kinds) {
    if (kind === 'delete-line' && !pending.length) kind = 'insert-line';
    let edit: PlannedEdit;
    switch (kind) {
      case 'type-char': {
        const i = bodyLine((l) => /(?<!\w)[A-Za-z_]\w*/.test(l.trimStart()));
        // Identifiers only: not keywords, not a string's prefix (`f"..."`, `rb'...'`).
        const ids = [...lines[i].matchAll(/(?<!\w)[A-Za-z_]\w*/g)].filter((m) => !KEYWORDS.has(m[0]) && !/['"]/.test(lines[i][m.index! + m[0].length] ?? ''));
        if (!ids.length) continue;
        const m = ids[Math.floor(rand() * ids.length)];
        const at = m.index! + m[0].length;
        // The typed letter keeps the file valid: `i` + `s` would make the keyword `is`.
        let ch = 'abcdefghijklmnopqrstuvwxyz'[Math.floor(rand() * 26)];
        while (KEYWORDS.has(m[0] + ch)) ch = 'abcdefghijklmnopqrstuvwxyz'[Math.floor(rand() * 26)];
        edit = { kind, change: { range: { start: { line: i, character: at }, end: { line: i, character: at } }, text: ch } };
        break;
      }
      case 'insert-line': {
        const i = bodyLine((l) => /^ +[A-Za-z_]\w* = /.test(l));
        const indent = /^ */.exec(lines[i])![0];
        const marker = `_bench_blob_${blob++}`;
        pending.push(marker);
        edit = {
          kind,
          change: { range: { start: { line: i, character: 0 }, end: { line: i, character: 0 } }, text: `${indent}${marker} = pickle.load(f)\n` },
          insertedLine: i,
          expectFinding: !pickleAliased,
        };
        break;
      }
      case 'delete-line': {
        const marker = pending.splice(Math.floor(rand() * pending.length), 1)[0];
        const i = lines.findIndex((l) => l.includes(`${marker} =`));
        edit = { kind, change: { range: { start: { line: i, character: 0 }, end: { line: i + 1, character: 0 } }, text: '' } };
        break;
      }
      case 'edit-import': {
        if (importToggle++ % 2 === 0) {
          const i = lines.findIndex((l) => l.startsWith('import pickle'));
          edit = pickleAliased
            ? { kind, change: { range: { start: { line: i, character: 13 }, end: { line: i, character: lines[i].length } }, text: '' } }
            : { kind, change: { range: { start: { line: i, character: 13 }, end: { line: i, character: 13 } }, text: ' as pk' } };
          pickleAliased = !pickleAliased;
        } else {
          const i = lines.findIndex((l) => l.startsWith('import numpy as np'));
          const end = 'import numpy as np'.length;
          edit = numpyAliased
            ? { kind, change: { range: { start: { line: i, character: end }, end: { line: i, character: end + 1 } }, text: '' } }
            : { kind, change: { range: { start: { line: i, character: end }, end: { line: i, character: end } }, text: '_' } };
          numpyAliased = !numpyAliased;
        }
        break;
      }
    }
    apply(edit.change);
    out.push(edit);
  }
  return out;
}

/** The kinds of the measured edits in their exact proportions, shuffled; deletes only ever follow inserts. */
export function kindSequence(n: number, rand: () => number): Kind[] {
  const kinds: Kind[] = [];
  for (const k of KINDS) for (let i = 0; i < Math.round(n * MIX[k]); i++) kinds.push(k);
  while (kinds.length < n) kinds.push('type-char');
  kinds.length = n;
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  // A delete needs an earlier insert: swap it with the next insert where there is none.
  let pending = 0;
  for (let i = 0; i < kinds.length; i++) {
    if (kinds[i] === 'delete-line' && pending === 0) {
      const j = kinds.indexOf('insert-line', i + 1);
      if (j > 0) [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
    }
    if (kinds[i] === 'insert-line') pending++;
    if (kinds[i] === 'delete-line') pending--;
  }
  return kinds;
}
