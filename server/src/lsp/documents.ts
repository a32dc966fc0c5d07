/**
 * Open text documents with their syntax trees. Incremental LSP changes are applied to
 * the text and, as tree-sitter edits, to the tree, so that the next parse reuses every
 * unchanged subtree (tree-sitter and LSP both count columns in UTF-16 code units).
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver/node';
import { Edit, type Point, type Tree } from 'web-tree-sitter';
import type { Finding } from '../../../protocol/findings';
import type { PythonModule } from '../engine/python/module';

function endPoint(start: Point, text: string): Point {
  let row = start.row;
  let lastBreak = -1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    row++;
    lastBreak = i;
  }
  return lastBreak < 0 ? { row, column: start.column + text.length } : { row, column: text.length - lastBreak - 1 };
}

export class OpenDocument {
  /** The last tree, already edited to match `text`; consumed by the next lint. */
  tree: Tree | undefined;
  /** The module indexed on `tree` by the last lint; the next lint reuses its unchanged leading statements. */
  module: PythonModule | undefined;
  findings: Finding[] = [];
  /** Set while a lint is queued, so bursts of changes lint once. */
  lintQueued = false;

  constructor(
    public doc: TextDocument,
    readonly path: string,
  ) {}

  get uri(): string {
    return this.doc.uri;
  }
  get version(): number {
    return this.doc.version;
  }
  get text(): string {
    return this.doc.getText();
  }
  get languageId(): string {
    return this.doc.languageId;
  }

  line(n: number): string {
    return this.doc.getText({ start: { line: n, character: 0 }, end: { line: n + 1, character: 0 } }).replace(/\r?\n$/, '');
  }

  applyChanges(changes: TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if ('range' in change && this.tree) {
        const startIndex = this.doc.offsetAt(change.range.start);
        const oldEndIndex = this.doc.offsetAt(change.range.end);
        // Positions from offsets: the client's range may point past a line's end.
        const startPosition = this.doc.positionAt(startIndex);
        const oldEndPosition = this.doc.positionAt(oldEndIndex);
        const start: Point = { row: startPosition.line, column: startPosition.character };
        this.tree.edit(new Edit({
          startIndex,
          oldEndIndex,
          newEndIndex: startIndex + change.text.length,
          startPosition: start,
          oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
          newEndPosition: endPoint(start, change.text),
        }));
      } else if (!('range' in change)) {
        // A full-text change: nothing of the old tree can be trusted.
        this.tree?.delete();
        this.tree = undefined;
        this.module = undefined;
      }
      this.doc = TextDocument.update(this.doc, [change], version);
    }
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = undefined;
    this.module = undefined;
  }
}
