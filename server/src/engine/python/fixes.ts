/**
 * Edits that quick fixes of several rules share. Plain text edits on the parse tree: no
 * LSP types (the LSP layer turns them into a WorkspaceEdit).
 */
import type { Node } from 'web-tree-sitter';
import type { Range, TextEdit } from '../../../../protocol/findings';
import { nodeRange } from '../lint';
import type { CallSite } from './module';

const point = (row: number, column: number): Range => ({ start: { line: row, character: column }, end: { line: row, character: column } });

/**
 * The edits that add `text` (`random_state=0`, `weights_only=True`) as the last argument
 * of a call: after a trailing comma if there is one; on its own line when the call spans
 * lines and the closing parenthesis has its own line (with the indentation of the last
 * argument's line, one level deeper when the arguments start on the call's own line),
 * after a comment that ends the last argument's line. Undefined when the call has no
 * plain argument list (`f"..."`, a generator argument).
 */
export function addArgumentEdits(source: string, call: CallSite, text: string): TextEdit[] | undefined {
  const list = call.argumentList;
  if (list?.type !== 'argument_list') return undefined;
  const close = list.lastChild;
  if (close?.type !== ')') return undefined;
  const children = list.children.filter((c): c is Node => c !== null);
  const args = children.filter((c) => c.isNamed && c.type !== 'comment');
  if (!args.length) {
    const open = list.firstChild!;
    return [{ range: point(open.endPosition.row, open.endPosition.column), newText: text }];
  }
  const last = args[args.length - 1];
  const after = children.slice(children.indexOf(last) + 1);
  const comma = after.find((c) => c.type === ',');
  const anchor = comma ?? last;
  const comment = after.find((c) => c.type === 'comment' && c.startPosition.row === anchor.endPosition.row);
  if (close.startPosition.row > last.endPosition.row) {
    const lineOfLast = source.split('\n')[last.startPosition.row] ?? '';
    const onCallLine = last.startPosition.row === list.startPosition.row;
    const indent = /^\s*/.exec(lineOfLast)![0] + (onCallLine ? '    ' : '');
    const end = (comment ?? anchor).endPosition;
    if (!comma && !comment) return [{ range: point(end.row, end.column), newText: `,\n${indent}${text}` }];
    const edits: TextEdit[] = [];
    if (!comma) edits.push({ range: point(last.endPosition.row, last.endPosition.column), newText: ',' });
    edits.push({ range: point(end.row, end.column), newText: `\n${indent}${text}${comma ? ',' : ''}` });
    return edits;
  }
  if (comma) {
    return [{ range: { start: { line: comma.endPosition.row, character: comma.endPosition.column }, end: { line: close.startPosition.row, character: close.startPosition.column } }, newText: ` ${text}` }];
  }
  return [{ range: point(last.endPosition.row, last.endPosition.column), newText: `, ${text}` }];
}

/**
 * The edits that make a keyword argument `keyword=value`: replace the value when the
 * keyword is given (`random_state=None`, `weights_only=None`), else add it last.
 */
export function setKeywordEdits(source: string, call: CallSite, keyword: string, value: string): TextEdit[] | undefined {
  const existing = call.keyword(keyword);
  if (existing) return [{ range: nodeRange(existing), newText: value }];
  return addArgumentEdits(source, call, `${keyword}=${value}`);
}
