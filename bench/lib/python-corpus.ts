/**
 * The benchmark corpus: the files the CLI would lint under a root (same discovery, same
 * .gitignore and exclusion handling), and one line count used for every tool.
 */
import * as fs from 'node:fs';
import { createLinter, isLintable } from '../../server/src/compose';
import { discoverFiles } from '../../server/src/engine/files';

/** Lines as `wc -l` counts them, plus a last line without a newline. Applied to the same text for every tool. */
export function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.length && !text.endsWith('\n') ? n + 1 : n;
}

export interface Corpus {
  root: string;
  /** Every file the CLI lints under root. */
  files: string[];
  /** The Python sources among them (what Ruff is given). */
  python: string[];
  lines: number;
  bytes: number;
}

export function loadCorpus(root: string): Corpus {
  const linter = createLinter();
  const files = discoverFiles([root], { accept: (f) => isLintable(linter, f) }).filter((f) => !linter.configFor(f).isExcluded(f));
  const python = files.filter((f) => linter.fileKind(f) === 'python');
  let lines = 0;
  let bytes = 0;
  for (const f of python) {
    const buf = fs.readFileSync(f);
    bytes += buf.length;
    lines += countLines(buf.toString('utf8'));
  }
  return { root, files, python, lines, bytes };
}
