/**
 * Open text documents with the module of their last lint: the next lint finds what the
 * changes touched by comparing texts, and parses and indexes only that again.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver/node';
import type { Finding } from '../../../protocol/findings';
import type { PythonModule } from '../engine/python/module';

export class OpenDocument {
  /** The module of the last lint; the next lint takes over its chunks that the changes did not touch. */
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
    this.doc = TextDocument.update(this.doc, changes, version);
  }

  dispose(): void {
    this.module?.dispose();
    this.module = undefined;
  }
}
