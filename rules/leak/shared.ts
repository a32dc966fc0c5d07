/**
 * What the LEAK rules share: the leakage questions asked of the dataflow graph
 * (server/src/engine/dataflow), the wording of the flows, and the mechanical fixes
 * (move a fit after the split; wrap preprocessing and model into a Pipeline).
 */
import type { Node } from 'web-tree-sitter';
import type { Fix, RelatedLocation, TextEdit } from '../../protocol/findings';
import { PREPROCESSING, type DataflowGraph, type EvalEvent, type FitCategory, type FitEvent, type SplitEvent, type Value } from '../../server/src/engine/dataflow/graph';
import { dataflowOf as buildDataflow } from '../../server/src/engine/dataflow/python';
import { nodeRange } from '../../server/src/engine/lint';
import type { PythonModule } from '../../server/src/engine/python/module';
import type { PythonContext } from '../../server/src/engine/rule';

/** Words without which a file has no fit, split or evaluation for the LEAK rules to look at. */
const TRIGGERS = /fit|split|cross_val|score|_curve|scale|resample|\.(?:transform|predict)/;
const EMPTY: DataflowGraph = { fits: [], splits: [], applies: [], crossVals: [], evals: [], columns: [], valueAt: () => undefined };

/** The libraries whose code the LEAK rules are about (cheap early exit). */
export const LEAK_REQUIRES = ['sklearn', 'imblearn', 'category_encoders'];

/** Data libraries whose operations the dataflow walk models (frames, arrays, reductions). */
const DATA_LIBRARIES = ['pandas', 'numpy'];

/** Names of functions and methods that, defined in the file, make it fit or split data of its own. */
const FIT_OR_SPLIT = ['fit', 'fit_transform', 'fit_resample', 'fit_predict', 'partial_fit', 'split'];

/**
 * Whether the file can hold a leak at all: it imports a library the rules are about (or
 * pandas/NumPy), or defines a `fit` or `split` of its own. The rules' `requires` already
 * keeps them off other files when linting; this also guards callers that run them
 * regardless (the worst-case benchmark drops `requires`), because the walk is the most
 * expensive analysis of the engine.
 */
function mayLeak(m: PythonModule): boolean {
  let known = leakable.get(m);
  if (known === undefined) {
    known = computeMayLeak(m);
    leakable.set(m, known);
  }
  return known;
}

const leakable = new WeakMap<PythonModule, boolean>();

function computeMayLeak(m: PythonModule): boolean {
  if (LEAK_REQUIRES.some((r) => m.importsModule(r)) || DATA_LIBRARIES.some((r) => m.importsModule(r))) return true;
  for (const scope of m.scopes) for (const name of FIT_OR_SPLIT) if (scope.bindings.get(name)?.some((b) => b.kind === 'def')) return true;
  return false;
}

/** The module's dataflow graph; an empty one (without walking) when the file has nothing to leak. */
export function dataflowOf(m: PythonModule): DataflowGraph {
  return TRIGGERS.test(m.source) && mayLeak(m) ? buildDataflow(m) : EMPTY;
}

export const line = (n: Node): number => n.startPosition.row + 1;

export function short(text: string, max = 50): string {
  const one = text.replace(/\s*\n\s*/g, ' ');
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

/** What a fit of each category learns from the rows, for "the test rows shape the …". */
export const LEARNS: Record<FitCategory, string> = {
  scaler: 'scaling',
  imputer: 'imputed values',
  encoder: 'encoding',
  decomposition: 'projection',
  vectorizer: 'vocabulary and weights',
  statistic: 'statistics',
  selector: 'choice of features',
  sampler: 'synthetic rows',
  model: 'model',
  search: 'chosen hyperparameters',
  pipeline: 'fitted pipeline',
  transformer: 'transformation',
  unknown: 'fitted state',
};

/** `StandardScaler` or `the mean of X` for messages. */
export function fitName(f: FitEvent): string {
  return f.category === 'statistic' ? `the ${f.what} of ${f.inputLabel}` : f.what;
}

/** `StandardScaler fitted on X at line 3`, `the mean and std of X computed at line 3`. */
export function fitPhrase(f: FitEvent): string {
  const at = `at line ${line(f.node)}${viaText(f.via)}`;
  if (f.category === 'statistic') return `the ${f.what} of ${f.inputLabel} computed ${at}`;
  if (f.category === 'sampler') return `${f.what} oversampled ${f.inputLabel} ${at}`;
  return `${f.what} fitted on ${f.inputLabel} ${at}`;
}

/** Statistics of one statement (`(X - X.mean()) / X.std()`) as one fit. */
export function mergeStatistics(fits: FitEvent[]): FitEvent[] {
  const out: FitEvent[] = [];
  const byStatement = new Map<number, FitEvent>();
  for (const f of fits) {
    if (f.category !== 'statistic') {
      out.push(f);
      continue;
    }
    const st = statementOf(f.node).startIndex;
    const prev = byStatement.get(st);
    if (!prev) {
      const copy = { ...f };
      byStatement.set(st, copy);
      out.push(copy);
    } else {
      if (!prev.what.split(' and ').includes(f.what)) prev.what = `${prev.what} and ${f.what}`;
      // Report at the widest expression (`(X - X.mean()) / X.std()`, not its left operand).
      if (f.node.startIndex <= prev.node.startIndex && f.node.endIndex >= prev.node.endIndex) prev.node = f.node;
    }
  }
  return out;
}

/** The "via helper()" part of a message, when the event ran inside a call of this file's function. */
export function viaText(via: readonly Node[]): string {
  if (!via.length) return '';
  const outer = via[0];
  const fn = outer.childForFieldName('function')?.text ?? 'a helper';
  return ` (in ${short(fn, 30)}(), called at line ${line(outer)})`;
}

/** Whether a split is used as an evaluation split: a model is fitted on its train part or something is evaluated on its test part. */
export function isEvaluationSplit(g: DataflowGraph, s: SplitEvent): boolean {
  const part = (v: Value, side: 'train' | 'test') => v.splitParts().some((p) => p.event === s && p.side === side);
  if (g.fits.some((f) => f.inputs.length && part(f.inputs[0], 'train') && !part(f.inputs[0], 'test'))) return true;
  if (g.evals.some((e) => e.inputs.some((i) => part(i, 'test')))) return true;
  return false;
}

/** `the split of X at line 12`, or `the train and test data loaded at line 5` for data loaded as separate sets. */
export function splitText(s: SplitEvent, inputIndex = 0): string {
  if (!s.inputs.length) return `the train and test data loaded separately (first at line ${line(s.node)})`;
  return `the split of ${s.inputLabels[inputIndex] ?? 'the data'} at line ${line(s.node)}`;
}

/** A split made in this program, or train and test data loaded separately when both were loaded. */
export function isRealSplit(s: SplitEvent): boolean {
  return s.inputs.length > 0 || (s.parts.some((p) => p.split?.side === 'test') && s.parts.some((p) => p.split?.side === 'train'));
}

/** Whether data holds a part of a split made in this program (data loaded from a `train.csv` still gets split). */
function heldSplit(v: Value): boolean {
  return v.splitParts().some((p) => p.event.inputs.length > 0);
}

export interface FitBeforeSplit {
  fit: FitEvent;
  split: SplitEvent;
  /** Index of the split input that the fit reached. */
  inputIndex: number;
  /** `transformed`: the fit's output is split; `applied`: the fitted estimator is applied to the split's parts. */
  how: 'transformed' | 'applied';
  applyNode?: Node;
}

/**
 * Fits of the given categories on data that is split afterwards, where the fitted state
 * reaches the split data: the data split was produced by the fit (`X_s = fit_transform(X)`,
 * then `split(X_s)`), or the estimator is applied to the split's parts afterwards. The
 * fitted data must share rows with the split data and hold no part of an earlier split.
 */
export function fitsBeforeSplit(g: DataflowGraph, categories: ReadonlySet<FitCategory>): FitBeforeSplit[] {
  const out = new Map<string, FitBeforeSplit>();
  for (const s of g.splits) {
    if (!isEvaluationSplit(g, s)) continue;
    s.inputs.forEach((u, inputIndex) => {
      for (const f of u.fitsReaching()) {
        if (!categories.has(f.category) || f.order > s.order || !f.inputs.length) continue;
        const v = f.inputs[0];
        if (heldSplit(v) || !v.sharesRowsWith(u)) continue;
        const k = `${f.node.startIndex}:${f.node.endIndex}`;
        if (!out.has(k)) out.set(k, { fit: f, split: s, inputIndex, how: 'transformed' });
      }
    });
    for (const a of g.applies) {
      if (a.order < s.order || !a.input.splitParts().some((p) => p.event === s)) continue;
      for (const f of a.estimator.fits) {
        if (!categories.has(f.category) || f.order > s.order || !f.inputs.length) continue;
        const v = f.inputs[0];
        if (heldSplit(v)) continue;
        const inputIndex = s.inputs.findIndex((u) => v.sharesRowsWith(u));
        if (inputIndex < 0) continue;
        const k = `${f.node.startIndex}:${f.node.endIndex}`;
        if (!out.has(k)) out.set(k, { fit: f, split: s, inputIndex, how: 'applied', applyNode: a.node });
      }
    }
  }
  return groupStatistics([...out.values()]);
}

/** `(X - X.mean()) / X.std()`: one finding per statement, at the outermost expression. */
function groupStatistics(found: FitBeforeSplit[]): FitBeforeSplit[] {
  const kept: FitBeforeSplit[] = [];
  const byStatement = new Map<string, FitBeforeSplit[]>();
  for (const f of found) {
    if (f.fit.category !== 'statistic') {
      kept.push(f);
      continue;
    }
    const st = statementOf(f.fit.node);
    const k = `${st.startIndex}`;
    byStatement.set(k, [...(byStatement.get(k) ?? []), f]);
  }
  for (const group of byStatement.values()) {
    group.sort((a, b) => b.fit.node.endIndex - b.fit.node.startIndex - (a.fit.node.endIndex - a.fit.node.startIndex));
    const what = [...new Set([...group].sort((a, b) => a.fit.order - b.fit.order).map((g) => g.fit.what))];
    const first = group[0];
    kept.push({ ...first, fit: { ...first.fit, what: what.join(' and ') } });
  }
  return kept.sort((a, b) => a.fit.node.startIndex - b.fit.node.startIndex);
}

export function statementOf(n: Node): Node {
  let cur: Node = n;
  while (cur.parent && cur.parent.type !== 'block' && cur.parent.type !== 'module') cur = cur.parent;
  return cur;
}

export function fitBeforeSplitMessage(ctx: PythonContext, hit: FitBeforeSplit, effect: string, advice: string): { message: string; related: RelatedLocation[] } {
  const { fit, split, inputIndex } = hit;
  const splitInput = split.inputLabels[inputIndex] ?? 'the data';
  const how = hit.how === 'applied' && hit.applyNode ? `, and applied to its parts at line ${line(hit.applyNode)}` : '';
  const message = `${fitPhrase(fit)}, before ${splitInput} is split into train and test at line ${line(split.node)} (${split.splitter})${how}: ${effect}; ${advice}`;
  const related: RelatedLocation[] = [{ range: nodeRange(split.node), message: `${splitInput} is split here, after ${fitName(fit)} saw all of its rows` }];
  if (hit.applyNode) related.push({ range: nodeRange(hit.applyNode), message: `the ${fit.what} fitted on all rows is applied to a part of the split here` });
  void ctx;
  return { message, related };
}

// ---------------------------------------------------------------------------------------
// Fixes

function lineStart(source: string, row: number): number {
  let at = 0;
  for (let i = 0; i < row; i++) {
    const nl = source.indexOf('\n', at);
    if (nl < 0) return source.length;
    at = nl + 1;
  }
  return at;
}

function indentOf(source: string, n: Node): string {
  const start = lineStart(source, n.startPosition.row);
  return /^[ \t]*/.exec(source.slice(start))![0];
}

/** An edit that deletes whole lines of a statement. */
function deleteLines(s: Node): TextEdit {
  return { range: { start: { line: s.startPosition.row, character: 0 }, end: { line: s.endPosition.row + 1, character: 0 } }, newText: '' };
}

function replaceNode(n: Node, text: string): TextEdit {
  return { range: nodeRange(n), newText: text };
}

function insertLinesAfter(s: Node, text: string): TextEdit {
  const at = { line: s.endPosition.row + 1, character: 0 };
  return { range: { start: at, end: at }, newText: text };
}

/** The `name = <call>` statement whose value is exactly the call, with its target name. */
function assignedName(call: Node): { stmt: Node; name: string } | undefined {
  const a = call.parent;
  if (a?.type !== 'assignment' || !a.childForFieldName('right')?.equals(call)) return undefined;
  const left = a.childForFieldName('left');
  if (left?.type !== 'identifier' || a.parent?.type !== 'expression_statement') return undefined;
  return { stmt: a.parent, name: left.text };
}

function wordCount(text: string, word: string): number {
  return text.match(new RegExp(`(?<![\\w.])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\w)`, 'g'))?.length ?? 0;
}

/** Whether a name is bound anywhere between two offsets. */
function reboundBetween(m: PythonModule, name: string, at: Node, from: number, to: number): boolean {
  const bindings = m.lookup(name, m.scopeAt(at.startIndex)) ?? [];
  return bindings.some((b) => b.start > from && b.start < to);
}

/**
 * The check of LEAK001-LEAK003: every fit of `categories` before a split it reaches, reported
 * at the fit with the flow (`effect` on the test score, `advice`) and the rule's fix.
 */
export function reportFitsBeforeSplit(
  ctx: PythonContext,
  categories: ReadonlySet<FitCategory>,
  effect: (hit: FitBeforeSplit) => string,
  advice: string,
  fixFor: (ctx: PythonContext, hit: FitBeforeSplit) => Fix | undefined,
): void {
  for (const hit of fitsBeforeSplit(dataflowOf(ctx.module), categories)) {
    const { message, related } = fitBeforeSplitMessage(ctx, hit, effect(hit), advice);
    const fix = fixFor(ctx, hit);
    ctx.reportNode(hit.fit.node, message, { related, fixes: fix ? [fix] : [] });
  }
}

/**
 * "Fit after the split": `X_s = scaler.fit_transform(X)` then
 * `X_train, X_test, ... = train_test_split(X_s, ...)` becomes the split of X followed by
 * `X_train = scaler.fit_transform(X_train)` and `X_test = scaler.transform(X_test)`.
 * Offered only when the shape is exactly that (same block, the scaled name used only by
 * the split, plain names on both sides).
 */
export function moveFitAfterSplitFix(ctx: PythonContext, hit: FitBeforeSplit): Fix | undefined {
  const { fit, split, inputIndex } = hit;
  if (hit.how !== 'transformed' || fit.method !== 'fit_transform' || fit.via.length || split.splitter !== 'train_test_split') return undefined;
  const src = ctx.source;
  const a = assignedName(fit.node);
  const func = fit.node.childForFieldName('function');
  const receiver = func?.type === 'attribute' ? func.childForFieldName('object') : undefined;
  const args = fit.node.childForFieldName('arguments')?.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment') ?? [];
  if (!a || !receiver || args.length < 1 || args.length > 2 || args.some((x) => x.type !== 'identifier')) return undefined;
  const splitAssign = split.node.parent;
  const pattern = splitAssign?.childForFieldName('left');
  const stmtB = splitAssign?.parent;
  if (splitAssign?.type !== 'assignment' || stmtB?.type !== 'expression_statement' || !pattern || !/^(pattern_list|tuple_pattern|list_pattern)$/.test(pattern.type)) return undefined;
  const targets = pattern.namedChildren.filter((c): c is Node => !!c);
  const splitArgs = split.node.childForFieldName('arguments')?.namedChildren.filter((c): c is Node => !!c && c.type !== 'keyword_argument' && c.type !== 'comment') ?? [];
  if (targets.length !== splitArgs.length * 2 || targets.some((t) => t.type !== 'identifier')) return undefined;
  if (!a.stmt.parent?.equals(stmtB.parent!) || a.stmt.startIndex > stmtB.startIndex) return undefined;
  const arg = splitArgs[inputIndex];
  if (arg?.type !== 'identifier' || arg.text !== a.name) return undefined;
  // The transformed name must be used by the split only.
  if (wordCount(src.slice(a.stmt.endIndex), a.name) !== 1) return undefined;
  const X = args[0].text;
  if (reboundBetween(ctx.module, X, a.stmt, a.stmt.endIndex, stmtB.startIndex)) return undefined;
  let yTrain: string | undefined;
  if (args[1]) {
    const j = splitArgs.findIndex((s) => s.text === args[1].text);
    if (j < 0) return undefined;
    yTrain = targets[2 * j].text;
  }
  let recv = receiver.text;
  const indent = indentOf(src, stmtB);
  let prelude = '';
  if (receiver.type === 'call') {
    // `StandardScaler().fit_transform(X)`: keep the estimator in a name to transform the test part.
    const name = { scaler: 'scaler', imputer: 'imputer', encoder: 'encoder', decomposition: 'reducer', vectorizer: 'vectorizer', selector: 'selector' }[fit.category as string];
    if (!name || wordCount(src, name)) return undefined;
    prelude = `${indent}${name} = ${receiver.text}\n`;
    recv = name;
  } else if (receiver.type !== 'identifier' || reboundBetween(ctx.module, receiver.text, a.stmt, a.stmt.endIndex, stmtB.endIndex)) return undefined;
  const tr = targets[2 * inputIndex].text;
  const te = targets[2 * inputIndex + 1].text;
  const text = `${prelude}${indent}${tr} = ${recv}.fit_transform(${tr}${yTrain ? `, ${yTrain}` : ''})\n${indent}${te} = ${recv}.transform(${te})\n`;
  return {
    title: `Fit ${fit.what} on ${tr} after the split, transform ${te}`,
    safety: 'unsafe',
    edits: [deleteLines(a.stmt), replaceNode(arg, X), insertLinesAfter(stmtB, text)],
  };
}

/**
 * "Resample after the split": `X_res, y_res = SMOTE().fit_resample(X, y)` then
 * `X_train, X_test, y_train, y_test = train_test_split(X_res, y_res, ...)` becomes the split
 * of X and y followed by `X_train, y_train = SMOTE().fit_resample(X_train, y_train)`.
 */
export function resampleAfterSplitFix(ctx: PythonContext, hit: FitBeforeSplit): Fix | undefined {
  const { fit, split } = hit;
  if (hit.how !== 'transformed' || fit.method !== 'fit_resample' || fit.via.length || split.splitter !== 'train_test_split') return undefined;
  const src = ctx.source;
  const a = fit.node.parent;
  const left = a?.childForFieldName('left');
  const stmtA = a?.parent;
  if (a?.type !== 'assignment' || !a.childForFieldName('right')?.equals(fit.node) || stmtA?.type !== 'expression_statement' || !left || !/^(pattern_list|tuple_pattern)$/.test(left.type)) return undefined;
  const outs = left.namedChildren.filter((c): c is Node => !!c);
  const args = fit.node.childForFieldName('arguments')?.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment') ?? [];
  if (outs.length !== 2 || args.length !== 2 || [...outs, ...args].some((x) => x.type !== 'identifier')) return undefined;
  const splitAssign = split.node.parent;
  const pattern = splitAssign?.childForFieldName('left');
  const stmtB = splitAssign?.parent;
  if (splitAssign?.type !== 'assignment' || stmtB?.type !== 'expression_statement' || !pattern || !/^(pattern_list|tuple_pattern|list_pattern)$/.test(pattern.type)) return undefined;
  const targets = pattern.namedChildren.filter((c): c is Node => !!c);
  const splitArgs = split.node.childForFieldName('arguments')?.namedChildren.filter((c): c is Node => !!c && c.type !== 'keyword_argument' && c.type !== 'comment') ?? [];
  if (splitArgs.length !== 2 || targets.length !== 4 || targets.some((t) => t.type !== 'identifier')) return undefined;
  if (!stmtA.parent?.equals(stmtB.parent!) || stmtA.startIndex > stmtB.startIndex) return undefined;
  if (splitArgs[0].text !== outs[0].text || splitArgs[1].text !== outs[1].text) return undefined;
  for (const o of outs) if (wordCount(src.slice(stmtA.endIndex), o.text) !== 1) return undefined;
  for (const x of args) if (reboundBetween(ctx.module, x.text, stmtA, stmtA.endIndex, stmtB.startIndex)) return undefined;
  const func = fit.node.childForFieldName('function');
  const receiver = func?.type === 'attribute' ? func.childForFieldName('object') : undefined;
  if (!receiver || (receiver.type !== 'identifier' && receiver.type !== 'call')) return undefined;
  const indent = indentOf(src, stmtB);
  const [xTr, , yTr] = targets.map((t) => t.text);
  return {
    title: `Resample only the training part with ${fit.what}, after the split`,
    safety: 'unsafe',
    edits: [
      deleteLines(stmtA),
      replaceNode(splitArgs[0], args[0].text),
      replaceNode(splitArgs[1], args[1].text),
      insertLinesAfter(stmtB, `${indent}${xTr}, ${yTr} = ${receiver.text}.fit_resample(${xTr}, ${yTr})\n`),
    ],
  };
}

/**
 * "Wrap into a Pipeline": `cross_val_score(model, X_s, y)` where
 * `X_s = StandardScaler().fit_transform(X)` becomes
 * `cross_val_score(make_pipeline(StandardScaler(), model), X, y)`, importing
 * `make_pipeline` when the file does not.
 */
export function pipelineFix(ctx: PythonContext, cv: { node: Node; estimatorNode?: Node; dataNodes: Node[] }, fit: FitEvent): Fix | undefined {
  const m = ctx.module;
  const g = dataflowOf(m);
  const est = cv.estimatorNode;
  const xNode = cv.dataNodes[0];
  if (!est || xNode?.type !== 'identifier' || fit.method !== 'fit_transform' || fit.via.length || !PREPROCESSING.has(fit.category) || fit.category === 'statistic') return undefined;
  if (g.valueAt(xNode) !== fit.outputs[0]) return undefined;
  const args = fit.node.childForFieldName('arguments')?.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment') ?? [];
  if (args.length < 1 || args[0].type !== 'identifier') return undefined;
  const X = args[0].text;
  const bindings = m.lookup(X, m.scopeAt(fit.node.startIndex)) ?? [];
  if (bindings.some((b) => b.start > fit.node.startIndex)) return undefined;
  const func = fit.node.childForFieldName('function');
  const receiver = func?.type === 'attribute' ? func.childForFieldName('object') : undefined;
  let ctor: string | undefined;
  if (receiver?.type === 'call') ctor = receiver.text;
  else if (receiver?.type === 'identifier' && fit.estimator?.node.type === 'call' && (m.lookup(receiver.text, m.scopeAt(fit.node.startIndex))?.length ?? 0) === 1) ctor = fit.estimator.node.text;
  if (!ctor) return undefined;
  const edits: TextEdit[] = [replaceNode(est, `make_pipeline(${ctor}, ${est.text})`), replaceNode(xNode, X)];
  if (m.resolveName('make_pipeline', m.scopeAt(cv.node.startIndex)) !== 'sklearn.pipeline.make_pipeline') {
    const imports = m.topLevel.filter((c) => c.type === 'import_statement' || c.type === 'import_from_statement');
    const last = imports[imports.length - 1];
    const at = last ? { line: last.endPosition.row + 1, character: 0 } : { line: 0, character: 0 };
    edits.unshift({ range: { start: at, end: at }, newText: 'from sklearn.pipeline import make_pipeline\n' });
  }
  return { title: `Move ${fit.what} into a Pipeline with the model`, safety: 'unsafe', edits };
}

// ---------------------------------------------------------------------------------------
// Evaluations on a test split (LEAK007)

/** Evaluations whose inputs hold the test part of a split, with that split. */
export function evalsOnTest(g: DataflowGraph): Map<SplitEvent, EvalEvent[]> {
  const out = new Map<SplitEvent, EvalEvent[]>();
  for (const e of g.evals) {
    const splits = new Set<SplitEvent>();
    for (const i of e.inputs) for (const p of i.testParts()) splits.add(p.event);
    for (const s of splits) out.set(s, [...(out.get(s) ?? []), e]);
  }
  return out;
}
