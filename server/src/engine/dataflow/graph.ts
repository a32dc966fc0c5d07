/**
 * The dataflow graph: what a program does with data, as plain values and events, in
 * execution order. Language-neutral: a walker for one language (python.ts) builds it from
 * syntax, and rules ask it questions ("which fits shaped this value?", "which split
 * produced this?") without looking at syntax again. The only language-specific thing in
 * here is the syntax node each value and event points at (web-tree-sitter nodes, which
 * every grammar the engine loads shares).
 *
 * Model:
 * - A `Value` is one abstract value produced at one place: data (a frame, an array, a
 *   column), an estimator object, a tuple of values, a reduction statistic (`X.mean()`),
 *   a literal, or a reference to a library name. Data values record the values they were
 *   derived from (`parents`) and the fits whose learned state went into them (`fits`):
 *   `scaler.transform(X)` is derived from X and carries the scaler's fits.
 * - Events happen in execution order (`order`): a `FitEvent` (an estimator learns from
 *   data, or a hand-written statistic is computed over data and applied), a `SplitEvent`
 *   (rows split into train and test parts), an `ApplyEvent` (a fitted estimator transforms
 *   or predicts), a `CrossValEvent` and an `EvalEvent` (a metric or `score` over data).
 * - The lineage of a value is everything it was derived from, transitively. A value's
 *   split parts (the train or test parts of splits in its lineage) say which side of a
 *   split it holds; its roots (lineage values with no parents) say where its rows came from.
 */
import type { Node } from 'web-tree-sitter';

export type SplitSide = 'train' | 'test';

/** What a fitted thing is, for the leakage rules and for messages. */
export type FitCategory =
  | 'scaler'
  | 'imputer'
  | 'encoder'
  | 'decomposition'
  | 'vectorizer'
  | 'statistic'
  | 'selector'
  | 'sampler'
  | 'model'
  | 'search'
  | 'pipeline'
  /** Other transformers of scikit-learn's preprocessing modules (`LabelBinarizer`, `PolynomialFeatures`). */
  | 'transformer'
  | 'unknown';

/** Categories that preprocess data (learned from the data, applied to it). */
export const PREPROCESSING: ReadonlySet<FitCategory> = new Set(['scaler', 'imputer', 'encoder', 'decomposition', 'vectorizer', 'statistic', 'selector', 'sampler']);

/** Evidence that rows are ordered in time. */
export interface TimeEvidence {
  node: Node;
  why: string;
}

export type ValueKind = 'data' | 'estimator' | 'tuple' | 'stat' | 'literal' | 'ref' | 'function';

export class Value {
  /** Values this one was derived from. */
  readonly parents: Value[] = [];
  /** Fits whose learned state went into this value (transform and predict outputs). */
  readonly fits: FitEvent[] = [];
  /** For the parts a split returns: which split and which side. */
  split?: { event: SplitEvent; side: SplitSide };
  /** For a slice of rows (`X[:n]`, `df.iloc[800:]`): the sliced expression's text, for manual splits. */
  sliceOf?: string;
  /** The first variable a split part was bound to (`X_test`). */
  boundName?: string;
  /** For tuples and lists: their items, for unpacking. */
  items?: Value[];
  /** For estimators: the object's state. */
  estimator?: EstimatorObject;
  /** For `X.mean()`: the value the statistic is computed over. */
  statOf?: Value;
  /** For references to library names (`np`, `StandardScaler`) and local functions: the qualified name. */
  qualname?: string;
  /** Evidence, at this value, that the rows are ordered in time. */
  time?: TimeEvidence;
  /** For splitter objects (`KFold(shuffle=True)`): what their `split` does. */
  splitter?: { name: string; shuffled: boolean; grouped: boolean };
  /** For iterables whose elements are known (`kf.split(X)`, `zip(names, models)`): one element. */
  element?: Value;
  private lineageCache?: Set<Value>;
  private rootsCache?: Set<Value>;
  private partsCache?: Array<{ event: SplitEvent; side: SplitSide; value: Value }>;

  private labelText?: string;

  constructor(
    readonly id: number,
    public kind: ValueKind,
    /** Where the value is produced (an expression, or the name that introduced an unknown value). */
    readonly node: Node,
    /**
     * A short description for messages, usually the source text or the variable name.
     * Absent: the node's text, shortened, read when first asked for (most labels never are).
     */
    label?: string,
  ) {
    this.labelText = label;
  }

  /** A short description for messages, usually the source text or the variable name. */
  get label(): string {
    return (this.labelText ??= shortLabel(this.node.text));
  }

  set label(text: string) {
    this.labelText = text;
  }

  /** This value and every value it was derived from (through parents, tuple items and statistics). */
  lineage(): Set<Value> {
    if (this.lineageCache) return this.lineageCache;
    const seen = new Set<Value>();
    const stack: Value[] = [this];
    while (stack.length) {
      const v = stack.pop()!;
      if (seen.has(v)) continue;
      seen.add(v);
      stack.push(...v.parents);
      if (v.items) stack.push(...v.items);
      if (v.statOf) stack.push(v.statOf);
    }
    this.lineageCache = seen;
    return seen;
  }

  /** Values with nothing before them in this value's lineage: where its rows come from. */
  roots(): Set<Value> {
    if (this.rootsCache) return this.rootsCache;
    const out = new Set<Value>();
    for (const v of this.lineage()) if (!v.parents.length && !v.items?.length && !v.statOf && v.kind === 'data') out.add(v);
    this.rootsCache = out;
    return out;
  }

  /** Every fit whose learned state reached this value. */
  fitsReaching(): FitEvent[] {
    const out = new Set<FitEvent>();
    for (const v of this.lineage()) for (const f of v.fits) out.add(f);
    return [...out].sort((a, b) => a.order - b.order);
  }

  /** The split parts in this value's lineage. */
  splitParts(): Array<{ event: SplitEvent; side: SplitSide; value: Value }> {
    if (this.partsCache) return this.partsCache;
    const out: Array<{ event: SplitEvent; side: SplitSide; value: Value }> = [];
    for (const v of this.lineage()) if (v.split) out.push({ ...v.split, value: v });
    // Values are complete once made (a split part is marked when it is first bound, before anything derives from it).
    this.partsCache = out;
    return out;
  }

  /** Whether some test part of a split reached this value. */
  testParts(): Array<{ event: SplitEvent; value: Value }> {
    return this.splitParts().filter((p) => p.side === 'test');
  }

  /** Time-order evidence anywhere in the lineage. */
  timeEvidence(): TimeEvidence | undefined {
    // The strongest evidence first (sorted or indexed by time, then lag features, then parsed dates), earliest on ties.
    const rank = (t: TimeEvidence) => (/^(sorted|indexed|a DatetimeIndex)/.test(t.why) ? 0 : /^\./.test(t.why) ? 1 : 2);
    let best: TimeEvidence | undefined;
    for (const v of this.lineage()) {
      const t = v.time;
      if (t && (!best || rank(t) < rank(best) || (rank(t) === rank(best) && t.node.startIndex < best.node.startIndex))) best = t;
    }
    return best;
  }

  /** Whether two values share a root (their rows come, at least partly, from the same place). */
  sharesRowsWith(other: Value): boolean {
    const mine = this.roots();
    for (const r of other.roots()) if (mine.has(r)) return true;
    return false;
  }
}

/** An estimator object and what it learned. */
/** A node's text on one line, at most 50 characters (the same as dataflow/python.ts `short`). */
function shortLabel(text: string, max = 50): string {
  const one = text.replace(/\s*\n\s*/g, ' ');
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

export interface EstimatorObject {
  /** Class name as written in the library (`StandardScaler`). */
  cls: string;
  category: FitCategory;
  /** The constructor call (or the expression the object first appeared at). */
  node: Node;
  /** Fits of this object so far, in order. */
  fits: FitEvent[];
  /** Loop statements the object was created in. */
  loops: readonly Node[];
  /** For searches (`GridSearchCV(cv=KFold(shuffle=True))`): what their CV splitter does. */
  cvShuffled?: boolean;
  cvGrouped?: boolean;
}

interface EventBase {
  /** Position in execution order. */
  order: number;
  /** The call (or expression) where the event happens. */
  node: Node;
  /** Loop statements the event runs in, outermost first (loops around inlined calls included). */
  loops: readonly Node[];
  /** The calls of this file's functions that led here, outermost first. */
  via: readonly Node[];
}

export interface FitEvent extends EventBase {
  category: FitCategory;
  /** `StandardScaler`, or `mean`/`std` for a hand-written statistic. */
  what: string;
  /** `fit`, `fit_transform`, `fit_resample`, `fit_predict`, or `statistic`. */
  method: string;
  /** The data fitted on (X; and y for supervised fits). */
  inputs: Value[];
  /** How the code names the data fitted on (`X`, `df[num_cols]`). */
  inputLabel: string;
  estimator?: EstimatorObject;
  /** Data the fit watches to stop early or pick its best iteration (`eval_set=`, `validation_data=`). */
  monitored?: { value: Value; node: Node };
  /** Values this fit produced directly (the output of `fit_transform`, `fit_resample`, the expression a statistic is applied in). */
  outputs: Value[];
}

export interface SplitEvent extends EventBase {
  /** `train_test_split`, `KFold.split`, ... */
  splitter: string;
  inputs: Value[];
  /** How the code names each input. */
  inputLabels: string[];
  /** The parts, with their sides. */
  parts: Value[];
  /** Whether the rows are shuffled before splitting. */
  shuffled: boolean;
  /** Whether the split keeps groups apart (`GroupKFold`, a `groups=` argument). */
  grouped: boolean;
  /** Whether a validation part was cut from the same data too (`X_valid = X[600:1000]`). */
  validation?: boolean;
}

export interface ApplyEvent extends EventBase {
  estimator: EstimatorObject;
  method: string;
  input: Value;
  output: Value;
}

export interface CrossValEvent extends EventBase {
  /** `cross_val_score`, `GridSearchCV.fit`, ... */
  what: string;
  /** The estimator expression given to it (for the Pipeline fix), when there is one. */
  estimatorNode?: Node;
  /** The data argument nodes (X, y). */
  dataNodes: Node[];
  inputs: Value[];
  /** Whether the CV splitter shuffles (`KFold(shuffle=True)`, `ShuffleSplit`). */
  shuffled: boolean;
  grouped: boolean;
}

export interface EvalEvent extends EventBase {
  /** `accuracy_score`, `model.score`, ... */
  what: string;
  inputs: Value[];
  /** The estimator objects whose predictions (or whose `score`) are evaluated. */
  models: EstimatorObject[];
}

/** Where a column name is used on a value (`df['user_id']`, `groupby('user_id')`). */
export interface ColumnUse {
  name: string;
  node: Node;
  value: Value;
}

/** The dataflow facts of one program (a module, or a notebook's cells in order). */
export interface DataflowGraph {
  readonly fits: readonly FitEvent[];
  readonly splits: readonly SplitEvent[];
  readonly applies: readonly ApplyEvent[];
  readonly crossVals: readonly CrossValEvent[];
  readonly evals: readonly EvalEvent[];
  readonly columns: readonly ColumnUse[];
  /** The value an expression node evaluated to, the last time the walk evaluated it. */
  valueAt(node: Node): Value | undefined;
}
