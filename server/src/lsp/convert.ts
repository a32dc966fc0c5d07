/**
 * Turns the engine's plain findings into LSP diagnostics and code actions. The only
 * place (with server.ts) that knows LSP types.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeAction,
  CodeActionKind,
  DiagnosticSeverity,
  type Diagnostic,
  type TextDocumentEdit,
  type CreateFile,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { Finding, Fix, Range, Severity, TextEdit } from '../../../protocol/findings';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** Where the bundled rule docs are: dist/server.js -> docs/rules/ID.md. */
export function ruleDocsUri(ruleId: string): string {
  return pathToFileURL(path.join(__dirname, '..', 'docs', 'rules', `${ruleId}.md`)).href;
}

export function fileUri(file: string): string {
  return pathToFileURL(file).href;
}

export function toDiagnostic(f: Finding, ownUri: string): Diagnostic {
  const d: Diagnostic = {
    range: f.range,
    severity: SEVERITY[f.severity],
    code: f.rule,
    codeDescription: { href: ruleDocsUri(f.rule) },
    source: 'ml-hygiene',
    message: f.message,
  };
  if (f.related?.length)
    d.relatedInformation = f.related.map((r) => ({
      location: { uri: r.path ? fileUri(r.path) : ownUri, range: r.range },
      message: r.message,
    }));
  return d;
}

function rangesIntersect(a: Range, b: Range): boolean {
  const before = (p: Range['start'], q: Range['start']) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

function sameDiagnostic(d: Diagnostic, f: Finding): boolean {
  return d.code === f.rule && d.message === f.message && d.range.start.line === f.range.start.line && d.range.start.character === f.range.start.character;
}

/** Where an edit without a path goes: the document itself, or a notebook's cell. */
export type EditTarget = (edit: TextEdit) => string;

export function fixToWorkspaceEdit(fix: Fix, ownUri: string, version: number | null, target: EditTarget = () => ownUri): WorkspaceEdit {
  const byUri = new Map<string, TextDocumentEdit['edits']>();
  for (const e of fix.edits) {
    const uri = e.path ? fileUri(e.path) : target(e);
    const list = byUri.get(uri) ?? [];
    list.push({ range: e.range, newText: e.newText });
    byUri.set(uri, list);
  }
  const changes: Array<TextDocumentEdit | CreateFile> = [];
  for (const file of fix.createFiles ?? []) changes.push({ kind: 'create', uri: fileUri(file), options: { ignoreIfExists: true } });
  for (const [uri, edits] of byUri)
    changes.push({ textDocument: { uri, version: uri === ownUri ? version : null }, edits });
  return { documentChanges: changes };
}

/**
 * Quick fixes for the findings under `range`: each rule's own fixes, then "ignore this
 * rule on this line" (the suppression comment) for every finding.
 */
export function codeActionsFor(
  findings: readonly Finding[],
  range: Range,
  contextDiagnostics: readonly Diagnostic[],
  uri: string,
  version: number | null,
  lines: (line: number) => string,
  target?: EditTarget,
  /** The line comment of the document's language; null: it has none (JSON), so no suppression actions. */
  commentPrefix: string | null = '#',
  /** The client shows disabled code actions (`codeAction.disabledSupport`); otherwise disabled fixes are left out. */
  disabledSupport = false,
): CodeAction[] {
  const actions: CodeAction[] = [];
  const suppressions: CodeAction[] = [];
  for (const f of findings) {
    if (!rangesIntersect(f.range, range) && !contextDiagnostics.some((d) => sameDiagnostic(d, f))) continue;
    const diagnostic = toDiagnostic(f, uri);
    for (const fix of f.fixes ?? []) {
      if (fix.disabled !== undefined) {
        if (!disabledSupport) continue;
        const action = CodeAction.create(fix.title, CodeActionKind.QuickFix);
        action.disabled = { reason: fix.disabled };
        action.diagnostics = [diagnostic];
        actions.push(action);
        continue;
      }
      const action = CodeAction.create(fix.title, fixToWorkspaceEdit(fix, uri, version, target), CodeActionKind.QuickFix);
      action.diagnostics = [diagnostic];
      action.isPreferred = fix.safety === 'safe';
      actions.push(action);
    }
    if (f.rule.startsWith('MLH') || commentPrefix === null) continue;
    const lineNo = f.range.start.line;
    const text = lines(lineNo);
    const existing = /ml-hygiene:\s*ignore\[([^\]]*)\]/.exec(text);
    let edit;
    if (existing) {
      if (existing[1].split(',').map((s) => s.trim()).includes(f.rule)) continue;
      const at = existing.index + existing[0].length - 1;
      edit = { range: { start: { line: lineNo, character: at }, end: { line: lineNo, character: at } }, newText: `, ${f.rule}` };
    } else {
      const end = text.replace(/\s+$/, '').length;
      edit = {
        range: { start: { line: lineNo, character: end }, end: { line: lineNo, character: text.length } },
        newText: `  ${commentPrefix} ml-hygiene: ignore[${f.rule}]`,
      };
    }
    const action = CodeAction.create(
      `Ignore ${f.rule} on this line`,
      { documentChanges: [{ textDocument: { uri, version }, edits: [edit] }] },
      CodeActionKind.QuickFix,
    );
    action.diagnostics = [diagnostic];
    if (!suppressions.some((s) => s.title === action.title)) suppressions.push(action);
  }
  return [...actions, ...suppressions];
}
