/**
 * Builds the dataflow graph (graph.ts) of a Python module or notebook program by an
 * abstract walk in execution order, in the manner of seeding.ts:
 *
 * - Module-level statements run in document order. Both arms of an `if`, every `try`
 *   arm and loop bodies are walked once, in order (a straight-line approximation: an
 *   assignment in the `if` arm is seen by the `else` arm). Loops are remembered, so that
 *   events know which loops they run in.
 * - Variables hold abstract values (graph.ts `Value`). Def-use is by the walk itself:
 *   a use reads the value the name holds at that point, so `X = X_train` breaks a flow
 *   and `X = scaler.fit_transform(X)` starts a new one. Tuple unpacking follows tuple
 *   values item by item (`X_train, X_test, y_train, y_test = train_test_split(X, y)`);
 *   attributes (`self.scaler`) are variables of their own; subscript assignment
 *   (`df['a'] = f(df['a'])`) makes a new value of the frame derived from the old one and
 *   the assigned value.
 * - Calls of library functions and methods are modelled by qualified name (library.ts):
 *   estimator constructors make estimator objects; `fit`/`fit_transform`/`fit_resample`
 *   record fits on them; `transform`/`predict` make values that carry the fits;
 *   `train_test_split` and splitter `split` record splits whose parts know their side;
 *   metrics and `score` record evaluations; pandas/NumPy operations (`drop`, column
 *   selection, `concat`, `.values`, arithmetic, `fillna`, unknown calls) derive a value
 *   from their data arguments. A reduction (`X.mean()`) combined with data in arithmetic
 *   or `fillna` is a fit of a hand-written statistic.
 * - Calls of this file's functions are walked at the call with the arguments' values
 *   bound to the parameters (a context-sensitive summary, depth-limited, no recursion),
 *   so a leak through a helper (`def scale(X): return StandardScaler().fit_transform(X)`)
 *   is seen with the caller's data. Functions (and methods) no call reaches are walked
 *   afterwards on their own, with unknown parameter values.
 */
import type { Node } from 'web-tree-sitter';
import type { PythonModule, Scope } from '../python/module';
import {
  Value,
  type ApplyEvent,
  type ColumnUse,
  type CrossValEvent,
  type DataflowGraph,
  type EstimatorObject,
  type EvalEvent,
  type FitEvent,
  type SplitEvent,
  type ValueKind,
} from './graph';
import {
  COMBINERS,
  LAG_METHODS,
  REDUCTIONS,
  SPLITTERS,
  TRAIN_TEST_SPLIT,
  crossValFunction,
  displayFromEstimator,
  estimatorClass,
  fitFunction,
  metricFunction,
  splitterClass,
} from './library';

const FIT_METHODS = new Set(['fit', 'fit_transform', 'fit_resample', 'fit_predict', 'partial_fit']);
const APPLY_METHODS = new Set(['transform', 'predict', 'predict_proba', 'predict_log_proba', 'decision_function', 'inverse_transform', 'score_samples', 'apply', 'staged_predict']);
const TIME_NAME = /(^|_)(date|dates|datetime|time|timestamp|ts|day|month|year|week|hour)($|_)/i;
const MAX_DEPTH = 4;
/** Index expressions that select rows rather than columns. */
const ROW_CUTS = new Set(['slice', 'unary_operator', 'comparison_operator', 'boolean_operator', 'not_operator']);
/** Names of row masks and index arrays (`mask_training`, `test_idx`), as opposed to lists of columns. */
const MASK_NAME = /mask|idx|indices|index|rows|^is_|train|test/i;
/** Attributes that describe a dataset's size or type, not its values. */
const SIZE_ATTRIBUTES = new Set(['shape', 'size', 'ndim', 'dtype', 'dtypes', 'columns', 'index', 'nbytes']);

class Frame {
  readonly vars = new Map<string, Value>();
  readonly returns: Value[] = [];
  constructor(
    readonly parent: Frame | undefined,
    readonly scope: Scope,
  ) {}
}

interface Args {
  positional: Value[];
  positionalNodes: Node[];
  keywords: Map<string, { value: Value; node: Node }>;
}

const key = (n: Node) => `${n.startIndex}:${n.endIndex}:${n.type}`;

class Walker implements DataflowGraph {
  readonly fits: FitEvent[] = [];
  readonly splits: SplitEvent[] = [];
  readonly applies: ApplyEvent[] = [];
  readonly crossVals: CrossValEvent[] = [];
  readonly evals: EvalEvent[] = [];
  readonly columns: ColumnUse[] = [];
  /**
   * The last value of every expression evaluated, with when it was recorded; indexed by
   * position on the first `valueAt` (rules ask only for their fixes: a position key costs
   * three reads from the wasm heap per expression, most of which nothing ever asks for).
   */
  private readonly recorded = new Map<number, { node: Node; value: Value; seq: number }>();
  private recordSeq = 0;
  private values?: Map<string, Value>;
  private functionScopes?: Map<number, Scope>;
  private nextId = 0;
  private order = 0;
  private readonly loops: Node[] = [];
  private readonly via: Node[] = [];
  private readonly active: Node[] = [];
  private readonly executed = new Set<string>();
  private readonly moduleFrame: Frame;
  private readonly closures = new Map<string, Frame>();
  private readonly manualSplits = new Map<string, SplitEvent>();
  private readonly pendingValidation = new Set<string>();
  private predefined?: SplitEvent;

  constructor(private readonly m: PythonModule) {
    this.moduleFrame = new Frame(undefined, m.moduleScope);
  }

  valueAt(node: Node): Value | undefined {
    if (!this.values) {
      this.values = new Map();
      // Per node the last value recorded; per position, that of the node recorded last.
      const last = new Map<string, { value: Value; seq: number }>();
      for (const r of this.recorded.values()) {
        const k = key(r.node);
        const known = last.get(k);
        if (!known || known.seq < r.seq) last.set(k, r);
      }
      for (const [k, r] of last) this.values.set(k, r.value);
    }
    return this.values.get(key(node));
  }

  run(): this {
    for (const s of this.m.topLevel) this.walkStatement(s, this.moduleFrame);
    // Functions and methods nothing here called: walked on their own, parameters unknown.
    for (const def of this.m.nodesOfType('function_definition')) {
      if (!def || this.executed.has(key(def))) continue;
      const frame = new Frame(this.moduleFrame, this.m.scopeAt(def.startIndex + 1) ?? this.m.moduleScope);
      this.executed.add(key(def));
      this.active.push(def);
      this.walkBlock(this.field(def, 'body'), frame);
      this.active.pop();
    }
    return this;
  }

  // ---- syntax tree reads, cached by node id (unique within a tree) ----
  // The walk reads the same nodes many times (a helper's body once per call of it), and
  // each read crosses into the wasm heap; the tree does not change while it walks.

  private readonly kidsCache = new Map<number, (Node | null)[]>();
  private readonly typeCache = new Map<number, string>();
  private readonly fieldCache = new Map<number, Map<string, Node | null>>();
  private readonly textCache = new Map<number, string>();

  private kids(n: Node): (Node | null)[] {
    let k = this.kidsCache.get(n.id);
    if (!k) {
      k = n.namedChildren;
      this.kidsCache.set(n.id, k);
    }
    return k;
  }

  private typeOf(n: Node): string {
    let t = this.typeCache.get(n.id);
    if (t === undefined) {
      t = n.type;
      this.typeCache.set(n.id, t);
    }
    return t;
  }

  private field(n: Node, name: string): Node | null {
    let fields = this.fieldCache.get(n.id);
    if (!fields) {
      fields = new Map();
      this.fieldCache.set(n.id, fields);
    }
    let f = fields.get(name);
    if (f === undefined) {
      f = n.childForFieldName(name);
      fields.set(name, f);
    }
    return f;
  }

  private textOf(n: Node): string {
    let t = this.textCache.get(n.id);
    if (t === undefined) {
      t = n.text;
      this.textCache.set(n.id, t);
    }
    return t;
  }

  // ---- values ----

  /** A new value; without a label it is named by its node's text, read when first asked for. */
  private make(kind: ValueKind, node: Node, label?: string, parents: Value[] = []): Value {
    const v = new Value(this.nextId++, kind, node, label);
    v.parents.push(...parents);
    return v;
  }

  private derive(node: Node, parents: Value[], label?: string): Value {
    const data = parents.filter((p) => p.kind !== 'literal' && p.kind !== 'ref' && p.kind !== 'function' && p.kind !== 'estimator');
    return this.make('data', node, label, data);
  }

  private literal(node: Node): Value {
    return this.make('literal', node);
  }

  private record(node: Node, v: Value): Value {
    // By node id (unique within the tree): a helper walked once per call records the same
    // nodes again, and only the last value of each is kept.
    this.recorded.set(node.id, { node, value: v, seq: this.recordSeq++ });
    if (this.values) this.values.set(key(node), v);
    return v;
  }

  private base() {
    return { order: this.order++, loops: [...this.loops], via: [...this.via] };
  }

  // ---- statements ----

  private walkBlock(block: Node | null, f: Frame): void {
    if (!block) return;
    for (const s of this.kids(block)) if (s) this.walkStatement(s, f);
  }

  private walkStatement(s: Node, f: Frame): void {
    switch (this.typeOf(s)) {
      case 'expression_statement':
        for (const c of this.kids(s)) if (c) this.eval(c, f);
        return;
      case 'function_definition': {
        const name = this.field(s, 'name');
        if (name) {
          const v = this.make('function', s, this.textOf(name));
          f.vars.set(this.textOf(name), v);
          this.closures.set(key(s), f);
        }
        return;
      }
      case 'decorated_definition': {
        const def = this.field(s, 'definition');
        if (def) this.walkStatement(def, f);
        return;
      }
      case 'class_definition': {
        const name = this.field(s, 'name');
        if (name) f.vars.set(this.textOf(name), this.make('ref', s, this.textOf(name)));
        return;
      }
      case 'return_statement': {
        const e = this.kids(s)[0];
        f.returns.push(e ? this.eval(e, f) : this.literal(s));
        return;
      }
      case 'for_statement': {
        const iterable = this.eval(this.field(s, 'right')!, f);
        this.loops.push(s);
        const left = this.field(s, 'left');
        if (left) this.bind(left, this.elementOf(iterable, left), f);
        this.walkBlock(this.field(s, 'body'), f);
        this.loops.pop();
        const alt = this.field(s, 'alternative');
        if (alt) this.walkCompound(alt, f);
        return;
      }
      case 'while_statement': {
        this.loops.push(s);
        this.walkCompound(s, f);
        this.loops.pop();
        return;
      }
      case 'if_statement':
      case 'try_statement':
      case 'with_statement':
      case 'elif_clause':
      case 'else_clause':
      case 'except_clause':
      case 'except_group_clause':
      case 'finally_clause':
      case 'match_statement':
      case 'case_clause':
      case 'block':
        this.walkCompound(s, f);
        return;
      case 'global_statement':
      case 'nonlocal_statement':
      case 'import_statement':
      case 'import_from_statement':
      case 'future_import_statement':
      case 'pass_statement':
      case 'break_statement':
      case 'continue_statement':
      case 'comment':
        return;
      default:
        for (const c of this.kids(s)) if (c && isExpressionType(this.typeOf(c))) this.eval(c, f);
    }
  }

  /** Compound statements: conditions are evaluated, blocks walked, clauses recursed into. */
  private walkCompound(s: Node, f: Frame): void {
    for (const c of this.kids(s)) {
      if (!c) continue;
      if (this.typeOf(c) === 'block') this.walkBlock(c, f);
      else if (this.typeOf(c) === 'with_clause') {
        for (const item of this.kids(c)) {
          const value = item?.namedChildren[0];
          if (value) this.eval(value, f);
        }
      } else if (/_clause$|^case_clause$|^match_statement$/.test(this.typeOf(c))) this.walkStatement(c, f);
      else if (this.typeOf(c) === 'comment') continue;
      else if (isExpressionType(this.typeOf(c))) this.eval(c, f);
    }
  }

  // ---- binding ----

  private lookup(name: string, f: Frame): Value | undefined {
    if (f.scope.globals.has(name)) return this.moduleFrame.vars.get(name);
    for (let fr: Frame | undefined = f; fr; fr = fr.parent) {
      const v = fr.vars.get(name);
      if (v) return v;
    }
    return undefined;
  }

  private frameFor(name: string, f: Frame): Frame {
    return f.scope.globals.has(name) ? this.moduleFrame : f;
  }

  private bind(target: Node, v: Value, f: Frame): void {
    switch (this.typeOf(target)) {
      case 'identifier':
        this.frameFor(this.textOf(target), f).vars.set(this.textOf(target), v);
        if (v.sliceOf && !v.split) this.manualSplit(target, v);
        if (v.split && !v.boundName) v.boundName = this.textOf(target);
        this.record(target, v);
        return;
      case 'attribute': {
        f.vars.set(this.textOf(target), v);
        this.record(target, v);
        // `df.index = pd.to_datetime(df['date'])`: the frame is now indexed by time.
        const object = this.field(target, 'value') ?? this.field(target, 'object');
        if (this.field(target, 'attribute')?.text === 'index' && v.timeEvidence() && object && (this.typeOf(object) === 'identifier' || this.typeOf(object) === 'attribute')) {
          const updated = this.derive(target, [this.eval(object, f)], short(this.textOf(object)));
          updated.time = { node: target.parent ?? target, why: 'a DatetimeIndex' };
          this.bind(object, updated, f);
        }
        return;
      }
      case 'subscript': {
        // `df['a'] = v`: the frame now holds a new value derived from the old one and v.
        const object = this.field(target, 'value');
        if (!object) return;
        const old = this.eval(object, f);
        if (old.kind === 'tuple' && old.items) {
          // `models[name] = LogisticRegression()`: the container holds one more item.
          old.items.push(v);
          return;
        }
        const updated = this.derive(target, [old, v], short(this.textOf(object)));
        this.noteColumns(target, old);
        if (v.time) updated.time = v.time;
        if (this.typeOf(object) === 'identifier' || this.typeOf(object) === 'attribute') this.bind(object, updated, f);
        return;
      }
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern':
      case 'tuple':
      case 'list':
      case 'expression_list': {
        const targets = this.kids(target).filter((c): c is Node => !!c && this.typeOf(c) !== 'comment');
        const items = v.items && v.items.length === targets.length && !targets.some((t) => this.typeOf(t) === 'list_splat_pattern') ? v.items : undefined;
        targets.forEach((t, i) => this.bind(t, items ? items[i] : this.derive(t, [v], short(this.textOf(t))), f));
        return;
      }
      case 'parenthesized_expression':
      case 'list_splat_pattern': {
        const inner = this.kids(target)[0];
        if (inner) this.bind(inner, v, f);
        return;
      }
      default:
        return;
    }
  }

  /**
   * A split by slicing (`X_train, X_test = X[:n], X[n:]`): slices of the same expression
   * bound to a training name and to a test name make one split, in place of
   * `train_test_split` (not shuffled: a cut).
   */
  private manualSplit(target: Node, v: Value): void {
    if (!v.sliceOf) return;
    let event = this.manualSplits.get(v.sliceOf);
    if (/(^|_)(val|valid|validation|dev)($|_)/i.test(this.textOf(target)) && !/train/i.test(this.textOf(target))) {
      if (event) event.validation = true;
      this.pendingValidation.add(v.sliceOf);
      return;
    }
    const side = /test|(^|_)te($|_)|hold/i.test(this.textOf(target)) ? 'test' : /train|(^|_)tr($|_)/i.test(this.textOf(target)) ? 'train' : undefined;
    if (!side) return;
    if (!event || event.parts.some((p) => p.split?.side === side)) {
      event = { ...this.base(), node: v.node, splitter: 'by hand', inputs: v.parents.slice(0, 1), inputLabels: [short(v.sliceOf, 40)], parts: [], shuffled: false, grouped: false };
      if (this.pendingValidation.has(v.sliceOf)) event.validation = true;
      this.manualSplits.set(v.sliceOf, event);
      this.splits.push(event);
    }
    v.split = { event, side };
    event.parts.push(v);
  }

  /** One element of an iterable (a loop variable's value). */
  private elementOf(v: Value, node: Node): Value {
    if (v.element) return v.element;
    if (v.items?.length) {
      const ests = v.items.filter((i) => i.estimator);
      if (ests.length === v.items.length) {
        // `for model in [LogisticRegression(), SVC()]`: one object standing for each of them.
        const e = this.make('estimator', node, ests.map((i) => i.estimator!.cls).join('/'));
        // It carries what its members learned (`models = {k: m.fit(X) ...}` fitted before the loop).
        e.estimator = { cls: ests.map((i) => i.estimator!.cls).join('/'), category: ests[0].estimator!.category, node: v.node, fits: ests.flatMap((i) => i.estimator!.fits), loops: [...this.loops] };
        return e;
      }
      const width = v.items[0].items?.length;
      if (width && v.items.every((i) => i.kind === 'tuple' && i.items?.length === width)) {
        const t = this.make('tuple', node);
        t.items = v.items[0].items!.map((_, k) => this.elementOf(this.tupleOf(node, v.items!.map((i) => i.items![k])), node));
        return t;
      }
    }
    return this.derive(node, [v]);
  }

  private tupleOf(node: Node, items: Value[]): Value {
    const t = this.make('tuple', node);
    t.items = items;
    return t;
  }

  private noteColumns(subscript: Node, value: Value): void {
    for (const c of this.kids(subscript).slice(1)) if (c) this.columnsIn(c, value);
  }

  private columnsIn(n: Node, value: Value): void {
    if (this.typeOf(n) === 'string') {
      const name = this.kids(n).filter((c) => c?.type === 'string_content').map((c) => c!.text).join('');
      if (name) this.columns.push({ name, node: n, value });
    } else if (this.typeOf(n) === 'list' || this.typeOf(n) === 'tuple' || this.typeOf(n) === 'keyword_argument' || this.typeOf(n) === 'argument_list') {
      for (const c of this.kids(n)) if (c) this.columnsIn(c, value);
    }
  }

  // ---- expressions ----

  private eval(n: Node, f: Frame): Value {
    return this.record(n, this.evalInner(n, f));
  }

  private evalInner(n: Node, f: Frame): Value {
    switch (this.typeOf(n)) {
      case 'identifier': {
        const v = this.lookup(this.textOf(n), f);
        if (v) return v;
        const q = this.m.resolveName(this.textOf(n), f.scope);
        if (q) {
          const r = this.make('ref', n, this.textOf(n));
          r.qualname = q;
          return r;
        }
        // An unknown name (a parameter, a global defined elsewhere): a value of its own, kept.
        const fresh = this.make('data', n, this.textOf(n));
        this.frameFor(this.textOf(n), f).vars.set(this.textOf(n), fresh);
        return fresh;
      }
      case 'attribute': {
        const known = this.lookup(this.textOf(n), f);
        if (known) return known;
        const object = this.field(n, 'object')!;
        const attr = this.field(n, 'attribute')?.text ?? '';
        const obj = this.eval(object, f);
        if (obj.kind === 'ref') {
          const r = this.make('ref', n, this.textOf(n));
          r.qualname = obj.qualname ? `${obj.qualname}.${attr}` : undefined;
          return r;
        }
        if (obj.estimator) {
          if (attr === 'best_estimator_' || attr === 'estimator_') return obj;
          // Learned attributes (`pca.components_`) are not followed: used by hand they
          // mostly describe the model or generate data, not transform the rows.
          return this.make('data', n);
        }
        if (obj.kind === 'tuple' || obj.kind === 'literal') return obj;
        if (SIZE_ATTRIBUTES.has(attr)) return this.literal(n);
        return this.derive(n, [obj]);
      }
      case 'call':
        return this.evalCall(n, f);
      case 'subscript': {
        const object = this.field(n, 'value')!;
        const obj = this.eval(object, f);
        const indexes = this.kids(n).slice(1).filter((c): c is Node => !!c);
        const idx = indexes.map((i) => this.eval(i, f));
        if (obj.kind === 'tuple' && obj.items && indexes.length === 1) {
          const k = this.m.constantValue(indexes[0], f.scope);
          if (k?.kind === 'number' && Number.isInteger(k.value)) return obj.items.at(k.value) ?? this.derive(n, [obj]);
        }
        if (obj.kind === 'ref') return this.derive(n, idx); // np.c_[a, b], np.r_[...]
        this.noteColumns(n, obj);
        // Indices from a split (`X[test_idx]`) carry their side into the rows they select.
        const out = this.derive(n, [obj, ...idx.filter((i) => i.splitParts().length)]);
        // Rows cut by a slice or a mask (`X[:n]`, `X[~is_train]`, `df[df.year < 2015]`): a split by hand when bound to train/test names.
        const cut = indexes.length === 1 ? indexes[0] : undefined;
        if (cut && (ROW_CUTS.has(this.typeOf(cut)) || (this.typeOf(cut) === 'identifier' && MASK_NAME.test(this.textOf(cut)))) && !obj.splitParts().length) out.sliceOf = this.textOf(object);
        return out;
      }
      case 'binary_operator': {
        const l = this.eval(this.field(n, 'left')!, f);
        const r = this.eval(this.field(n, 'right')!, f);
        return this.combineWithStats(n, [l, r]);
      }
      case 'boolean_operator':
      case 'comparison_operator':
      case 'not_operator':
      case 'unary_operator':
      case 'conditional_expression': {
        const parts = this.kids(n).filter((c): c is Node => !!c && isExpressionType(this.typeOf(c))).map((c) => this.eval(c, f));
        if (this.typeOf(n) === 'conditional_expression' && parts.length === 3) {
          // `a if cond else b`: either.
          const [a, , b] = parts;
          if (a.kind === b.kind && a.kind !== 'data' && a.kind !== 'tuple') return a;
          return this.derive(n, [a, b]);
        }
        return this.derive(n, parts);
      }
      case 'parenthesized_expression': {
        const inner = this.kids(n).find((c) => c && this.typeOf(c) !== 'comment');
        return inner ? this.eval(inner, f) : this.literal(n);
      }
      case 'tuple':
      case 'list':
      case 'set':
      case 'expression_list': {
        const items = this.kids(n).filter((c): c is Node => !!c && this.typeOf(c) !== 'comment').map((c) => this.eval(this.typeOf(c) === 'list_splat' ? this.kids(c)[0] ?? c : c, f));
        return this.tupleOf(n, items);
      }
      case 'dictionary': {
        const items: Value[] = [];
        for (const p of this.kids(n)) {
          if (p?.type === 'pair') {
            const k = this.field(p, 'key');
            if (k) this.eval(k, f);
            const val = this.field(p, 'value');
            if (val) items.push(this.eval(val, f));
          } else if (p?.type === 'dictionary_splat') {
            const inner = this.kids(p)[0];
            if (inner) items.push(this.eval(inner, f));
          }
        }
        return this.tupleOf(n, items);
      }
      case 'assignment': {
        const right = this.field(n, 'right');
        const left = this.field(n, 'left');
        if (!right || !left) return this.literal(n);
        const v = this.eval(right, f);
        this.bind(left, v, f);
        return v;
      }
      case 'augmented_assignment': {
        const left = this.field(n, 'left')!;
        const old = this.eval(left, f);
        const r = this.eval(this.field(n, 'right')!, f);
        const v = this.combineWithStats(n, [old, r]);
        this.bind(left, v, f);
        return v;
      }
      case 'named_expression': {
        const v = this.eval(this.field(n, 'value')!, f);
        const name = this.field(n, 'name');
        if (name) this.bind(name, v, f);
        return v;
      }
      case 'list_comprehension':
      case 'generator_expression':
      case 'set_comprehension':
      case 'dictionary_comprehension': {
        // The body runs once per element, in a frame of its own (its loop variables do not
        // leak out), as a loop: `[m.score(X_test, y_test) for m in models]` scores each model.
        const sources: Value[] = [];
        const inner = new Frame(f, f.scope);
        this.loops.push(n);
        for (const c of this.kids(n)) {
          if (c?.type === 'for_in_clause') {
            const right = this.field(c, 'right');
            const left = this.field(c, 'left');
            if (!right) continue;
            const it = this.eval(right, inner);
            sources.push(it);
            if (left) this.bind(left, this.elementOf(it, left), inner);
          } else if (c?.type === 'if_clause') {
            const cond = this.kids(c)[0];
            if (cond) this.eval(cond, inner);
          }
        }
        const body = this.field(n, 'body');
        let element: Value | undefined;
        if (body?.type === 'pair') {
          const k = this.field(body, 'key');
          if (k) this.eval(k, inner);
          const v = this.field(body, 'value');
          if (v) element = this.eval(v, inner);
        } else if (body) element = this.eval(body, inner);
        this.loops.pop();
        const out = this.derive(n, element ? [...sources, element] : sources);
        if (element) out.element = element;
        return out;
      }
      case 'string':
      case 'concatenated_string': {
        // f-strings run their interpolations: `print(f"{model.score(X_test, y_test)}")`.
        // An interpolation starts with `{`: a string without one has none to search for.
        const braceAt = this.m.source.indexOf('{', n.startIndex);
        if (braceAt < 0 || braceAt >= n.endIndex) return this.literal(n);
        for (const i of n.descendantsOfType('interpolation')) {
          const e = i?.namedChildren.find((c) => c && isExpressionType(this.typeOf(c)) && this.typeOf(c) !== 'format_specifier' && this.typeOf(c) !== 'type_conversion');
          if (e) this.eval(e, f);
        }
        return this.literal(n);
      }
      case 'as_pattern': {
        // `with open(p) as fh`, `except E as e`: the alias holds the value.
        const inner = this.kids(n)[0];
        const v = inner ? this.eval(inner, f) : this.literal(n);
        const alias = this.field(n, 'alias');
        const target = alias?.namedChildren[0] ?? alias;
        if (target) this.bind(target, v, f);
        return v;
      }
      case 'await':
      case 'list_splat':
      case 'dictionary_splat': {
        const inner = this.kids(n)[0];
        return inner ? this.eval(inner, f) : this.literal(n);
      }
      default:
        return this.literal(n);
    }
  }

  /**
   * Arithmetic (and `fillna`) that combines data with a reduction of data is a hand-written
   * statistic fitted on the reduced data: `(X - X.mean()) / X.std()`.
   */
  private combineWithStats(n: Node, parts: Value[], method = 'statistic'): Value {
    const stats = parts.filter((p) => p.kind === 'stat' && p.statOf && isDataLike(p.statOf));
    const data = parts.filter((p) => p.kind === 'data' || p.kind === 'tuple');
    if (!stats.length || !data.length) {
      if (parts.length && parts.every((p) => p.kind === 'stat')) {
        const s = this.make('stat', n);
        s.statOf = parts[0].statOf;
        return s;
      }
      return this.derive(n, parts);
    }
    const out = this.derive(n, data);
    for (const s of stats) {
      const fit: FitEvent = {
        ...this.base(),
        node: n,
        category: 'statistic',
        what: s.label,
        method,
        inputs: [s.statOf!],
        inputLabel: statReceiver(s),
        outputs: [out],
      };
      this.fits.push(fit);
      out.fits.push(fit);
    }
    return out;
  }

  private evalArgs(call: Node, f: Frame): Args {
    const args: Args = { positional: [], positionalNodes: [], keywords: new Map() };
    const list = this.field(call, 'arguments');
    if (!list) return args;
    if (this.typeOf(list) === 'generator_expression') {
      args.positional.push(this.eval(list, f));
      args.positionalNodes.push(list);
      return args;
    }
    for (const a of this.kids(list)) {
      if (!a || this.typeOf(a) === 'comment') continue;
      if (this.typeOf(a) === 'keyword_argument') {
        const name = this.field(a, 'name');
        const value = this.field(a, 'value');
        if (name && value) args.keywords.set(this.textOf(name), { value: this.eval(value, f), node: value });
      } else {
        args.positional.push(this.eval(a, f));
        args.positionalNodes.push(a);
      }
    }
    return args;
  }

  private arg(a: Args, i: number, name: string): Value | undefined {
    return a.keywords.get(name)?.value ?? a.positional[i];
  }

  private allArgs(a: Args): Value[] {
    return [...a.positional, ...[...a.keywords.values()].map((k) => k.value)];
  }

  private evalCall(n: Node, f: Frame): Value {
    const func = this.field(n, 'function')!;
    let receiver: Value | undefined;
    let calleeValue: Value | undefined;
    if (this.typeOf(func) === 'attribute') receiver = this.eval(this.field(func, 'object')!, f);
    else calleeValue = this.eval(func, f);
    const args = this.evalArgs(n, f);
    const method = this.typeOf(func) === 'attribute' ? this.field(func, 'attribute')?.text ?? '' : '';
    const qualname = receiver?.kind === 'ref' && receiver.qualname ? `${receiver.qualname}.${method}` : calleeValue?.kind === 'ref' ? calleeValue.qualname : undefined;

    if (qualname) return this.libraryCall(n, qualname, args, f);
    if (calleeValue?.kind === 'function') return this.inline(n, calleeValue, args, f);
    if (receiver && receiver.kind !== 'ref') return this.methodCall(n, receiver, method, args, f);
    // Unknown function: its result comes from its arguments.
    const data = this.allArgs(args);
    if (this.typeOf(func) === 'identifier' && (this.textOf(func) === 'zip' || this.textOf(func) === 'enumerate')) {
      const t = this.tupleOf(n, data);
      const elems = data.map((d) => this.elementOf(d, n));
      t.element = this.tupleOf(n, this.textOf(func) === 'enumerate' ? [this.literal(n), ...elems] : elems);
      return t;
    }
    if (this.typeOf(func) === 'identifier' && /^(len|print|range|isinstance|type|str|repr|format)$/.test(this.textOf(func))) return this.literal(n);
    return data.length ? this.derive(n, data) : this.make('data', n);
  }

  private libraryCall(n: Node, qualname: string, args: Args, f: Frame): Value {
    const est = estimatorClass(qualname);
    if (est) {
      const v = this.make('estimator', n, est.cls);
      v.estimator = { cls: est.cls, category: est.category, node: n, fits: [], loops: [...this.loops] };
      if (est.category === 'search') {
        const cv = args.keywords.get('cv')?.value;
        v.estimator.cvShuffled = !!cv?.splitter?.shuffled;
        v.estimator.cvGrouped = !!cv?.splitter?.grouped;
      }
      return v;
    }
    const splitter = splitterClass(qualname);
    if (splitter) {
      const v = this.make('estimator', n, splitter);
      const shuffle = this.m.constantValue(args.keywords.get('shuffle')?.node, f.scope);
      const kind = SPLITTERS[splitter];
      v.splitter = { name: splitter, shuffled: kind.shuffled === 'always' || (kind.shuffled === 'keyword' && shuffle?.kind === 'bool' && shuffle.value), grouped: kind.grouped };
      return v;
    }
    if (qualname === TRAIN_TEST_SPLIT) {
      const shuffle = this.m.constantValue(args.keywords.get('shuffle')?.node, f.scope);
      const inputs = args.positional;
      const event: SplitEvent = {
        ...this.base(),
        node: n,
        splitter: 'train_test_split',
        inputs,
        inputLabels: args.positionalNodes.map((a) => short(this.textOf(a), 40)),
        parts: [],
        shuffled: !(shuffle?.kind === 'bool' && !shuffle.value),
        grouped: false,
      };
      const items: Value[] = [];
      inputs.forEach((input, i) => {
        for (const side of ['train', 'test'] as const) {
          const part = this.make('data', args.positionalNodes[i], `${short(args.positionalNodes[i].text, 30)} (${side})`, [input]);
          part.split = { event, side };
          items.push(part);
        }
      });
      event.parts = items;
      this.splits.push(event);
      return this.tupleOf(n, items);
    }
    const cv = crossValFunction(qualname);
    if (cv) {
      const X = this.arg(args, 1, 'X');
      const y = this.arg(args, 2, 'y');
      const cvArg = args.keywords.get('cv')?.value;
      const event: CrossValEvent = {
        ...this.base(),
        node: n,
        what: cv,
        estimatorNode: args.keywords.get('estimator')?.node ?? args.positionalNodes[0],
        dataNodes: [args.keywords.get('X')?.node ?? args.positionalNodes[1], args.keywords.get('y')?.node ?? args.positionalNodes[2]].filter((x): x is Node => !!x),
        inputs: [X, y].filter((x): x is Value => !!x),
        shuffled: !!cvArg?.splitter?.shuffled,
        grouped: !!cvArg?.splitter?.grouped || args.keywords.has('groups'),
      };
      this.crossVals.push(event);
      return cv === 'cross_val_predict' ? this.derive(n, event.inputs) : this.make('data', n);
    }
    const metric = metricFunction(qualname);
    if (metric) {
      const inputs = this.allArgs(args).filter(isDataLike);
      this.evals.push({ ...this.base(), node: n, what: metric, inputs, models: modelsReaching(inputs) });
      return this.literal(n);
    }
    const display = displayFromEstimator(qualname);
    if (display) {
      const model = args.positional[0];
      const inputs = args.positional.slice(1);
      this.evals.push({ ...this.base(), node: n, what: display, inputs, models: model?.estimator ? [model.estimator] : [] });
      return this.literal(n);
    }
    const fitFn = fitFunction(qualname);
    if (fitFn && args.positional[0]) {
      const input = args.positional[0];
      const out = this.derive(n, [input]);
      const fit: FitEvent = { ...this.base(), node: n, category: fitFn, what: qualname.slice(qualname.lastIndexOf('.') + 1), method: 'fit_transform', inputs: [input], inputLabel: short(args.positionalNodes[0].text, 40), outputs: [out] };
      this.fits.push(fit);
      out.fits.push(fit);
      return out;
    }
    if (qualname === 'sklearn.utils.resample') {
      const replace = this.m.constantValue(args.keywords.get('replace')?.node, f.scope);
      const inputs = args.positional;
      const outs = inputs.map((i, k) => this.derive(args.positionalNodes[k], [i]));
      if (!(replace?.kind === 'bool' && !replace.value) && inputs.length) {
        const fit: FitEvent = { ...this.base(), node: n, category: 'sampler', what: 'resample', method: 'resample', inputs, inputLabel: short(args.positionalNodes[0].text, 40), outputs: outs };
        this.fits.push(fit);
        for (const o of outs) o.fits.push(fit);
      }
      return outs.length === 1 ? outs[0] : this.tupleOf(n, outs);
    }
    const name = qualname.slice(qualname.lastIndexOf('.') + 1);
    if (/^numpy\./.test(qualname) && REDUCTIONS.has(name) && args.positional[0] && isDataLike(args.positional[0])) {
      const s = this.make('stat', n, name);
      s.statOf = args.positional[0];
      return s;
    }
    const data = this.allArgs(args).filter(isDataLike);
    if (/^pandas\.read_/.test(qualname)) {
      const v = this.make('data', n);
      const parse = args.keywords.get('parse_dates');
      const pv = parse && this.m.constantValue(parse.node, f.scope);
      if (parse && !(pv && (pv.kind === 'none' || (pv.kind === 'bool' && !pv.value)))) v.time = { node: parse.node.parent ?? parse.node, why: 'dates parsed on reading' };
      this.markPredefined(v, n, args, f);
      return v;
    }
    if (/^pandas\.(to_datetime|DatetimeIndex|date_range|period_range)$/.test(qualname)) {
      const v = this.derive(n, data);
      v.time = { node: n, why: `${name}()` };
      return v;
    }
    if (COMBINERS.test(qualname)) return this.derive(n, data);
    const loaded = data.length ? this.derive(n, data) : this.make('data', n);
    this.markPredefined(loaded, n, args, f);
    return loaded;
  }

  /**
   * Data loaded as a test or training set of its own (`pd.read_csv("test.csv")`,
   * `fetch_20newsgroups(subset="test")`): the parts of one predefined split per file.
   */
  private markPredefined(v: Value, call: Node, args: Args, f: Frame): void {
    const candidates = [args.positionalNodes[0], ...['subset', 'split', 'path', 'filepath_or_buffer', 'fname', 'file'].map((k) => args.keywords.get(k)?.node)];
    let side: 'train' | 'test' | undefined;
    for (const c of candidates) {
      const text = this.m.constantValue(c, f.scope);
      if (text?.kind !== 'string') continue;
      const base = text.value.split(/[\\/]/).pop() ?? '';
      if (/^test$|(^|[_.\-])test([_.\-]|$)|^test/i.test(base)) side = 'test';
      else if (/^train$|(^|[_.\-])train([_.\-]|$)|^train/i.test(base)) side = 'train';
      if (side) break;
    }
    if (!side) return;
    this.predefined ??= { ...this.base(), node: call, splitter: 'separate train and test data', inputs: [], inputLabels: [], parts: [], shuffled: false, grouped: false };
    v.split = { event: this.predefined, side };
    this.predefined.parts.push(v);
  }

  private methodCall(n: Node, receiver: Value, method: string, args: Args, f: Frame): Value {
    if (receiver.splitter && method === 'split') {
      const inputs = args.positional;
      const event: SplitEvent = {
        ...this.base(),
        node: n,
        splitter: `${receiver.splitter.name}.split`,
        inputs,
        inputLabels: args.positionalNodes.map((a) => short(this.textOf(a), 40)),
        parts: [],
        shuffled: receiver.splitter.shuffled,
        grouped: receiver.splitter.grouped || args.keywords.has('groups') || args.positional.length > 2,
      };
      const train = this.make('data', n, 'train indices', inputs.slice(0, 1));
      train.split = { event, side: 'train' };
      const test = this.make('data', n, 'test indices', inputs.slice(0, 1));
      test.split = { event, side: 'test' };
      event.parts = [train, test];
      this.splits.push(event);
      const v = this.make('data', n, short(this.textOf(n)));
      v.element = this.tupleOf(n, [train, test]);
      return v;
    }
    if (FIT_METHODS.has(method) || (receiver.estimator && (APPLY_METHODS.has(method) || method === 'score'))) {
      if (!receiver.estimator) {
        // `.fit` on something the walk does not know (a model from a list, a parameter): an estimator.
        receiver.estimator = { cls: receiver.label, category: 'unknown', node: receiver.node, fits: [], loops: [...this.loops] };
      }
      return this.estimatorCall(n, receiver, receiver.estimator, method, args);
    }
    if (receiver.kind === 'tuple') {
      if (method === 'items') {
        const v = this.tupleOf(n, receiver.items ?? []);
        v.element = this.tupleOf(n, [this.literal(n), this.elementOf(receiver, n)]);
        return v;
      }
      if (method === 'values') return receiver;
      if (method === 'append' && receiver.items && args.positional[0]) receiver.items.push(args.positional[0]);
      if (method === 'append' || method === 'extend') return this.literal(n);
    }
    if (!isDataLike(receiver)) return this.derive(n, this.allArgs(args));
    const data = this.allArgs(args).filter(isDataLike);
    if (REDUCTIONS.has(method)) {
      const s = this.make('stat', n, `${method}`);
      s.statOf = receiver;
      return s;
    }
    const objectNode = this.field(n, 'function')?.childForFieldName('object');
    // `df.groupby('zone')['fare'].transform('mean')`: a statistic of all rows, broadcast back onto them.
    if ((method === 'transform' || method === 'agg' || method === 'aggregate') && args.positionalNodes.length === 1) {
      const fn = this.m.constantValue(args.positionalNodes[0], f.scope);
      if (fn?.kind === 'string' && REDUCTIONS.has(fn.value)) {
        const out = this.derive(n, [receiver]);
        const fit: FitEvent = { ...this.base(), node: n, category: 'statistic', what: fn.value, method: 'statistic', inputs: [receiver], inputLabel: short(objectNode?.text ?? receiver.label, 40), outputs: [out] };
        this.fits.push(fit);
        out.fits.push(fit);
        return out;
      }
    }
    if (method === 'fillna' || method === 'clip' || method === 'where' || method === 'mask' || method === 'replace') {
      if (this.allArgs(args).some((a) => a.kind === 'stat')) return this.combineWithStats(n, [receiver, ...this.allArgs(args)]);
    }
    if (method === 'drop' || method === 'groupby' || method === 'set_index' || method === 'sort_values' || method === 'pivot' || method === 'pivot_table') {
      for (const a of this.field(n, 'arguments')?.namedChildren ?? []) if (a) this.columnsIn(a, receiver);
    }
    const out = this.derive(n, [receiver, ...data]);
    // `train = df.sample(frac=0.8)` and `test = df.drop(train.index)`: a split by hand.
    if (objectNode && (method === 'sample' || (method === 'drop' && /\.index$/.test(args.positionalNodes[0]?.text ?? args.keywords.get('index')?.node.text ?? '')))) out.sliceOf = this.textOf(objectNode);
    if (LAG_METHODS.has(method) || method === 'resample') out.time = { node: n, why: `.${method}() over time` };
    if (method === 'sort_values' || method === 'set_index') {
      const names = this.columns.filter((c) => c.node.startIndex >= n.startIndex && c.node.endIndex <= n.endIndex).map((c) => c.name);
      const timeCol = names.find((c) => TIME_NAME.test(c));
      const timeArg = data.find((d) => d.timeEvidence());
      if (timeCol) out.time = { node: n, why: method === 'set_index' ? `indexed by '${timeCol}'` : `sorted by '${timeCol}'` };
      else if (timeArg) out.time = { node: n, why: method === 'set_index' ? 'a DatetimeIndex' : 'sorted by time' };
    }
    if (method === 'sort_index' && receiver.timeEvidence()) out.time = { node: n, why: 'sorted by its time index' };
    return out;
  }

  private estimatorCall(n: Node, self: Value, est: EstimatorObject, method: string, args: Args): Value {
    const X = this.arg(args, 0, 'X') ?? this.arg(args, 0, 'raw_documents');
    const y = this.arg(args, 1, 'y');
    if (FIT_METHODS.has(method)) {
      const inputs = [X, y].filter((v): v is Value => !!v && isDataLike(v));
      const xNode = args.keywords.get('X')?.node ?? args.positionalNodes[0];
      const fit: FitEvent = { ...this.base(), node: n, category: est.category, what: est.cls, method, inputs, inputLabel: xNode ? short(this.textOf(xNode), 40) : '', estimator: est, outputs: [] };
      // Data watched during the fit for early stopping or model selection (`eval_set=[(X_val, y_val)]`).
      const monitor = args.keywords.get('eval_set') ?? args.keywords.get('validation_data') ?? args.keywords.get('valid_sets');
      if (monitor) fit.monitored = { value: monitor.value, node: monitor.node };
      this.fits.push(fit);
      est.fits.push(fit);
      if (est.category === 'search' && method === 'fit' && X) {
        const ctor = est.node.type === 'call' ? est.node.childForFieldName('arguments')?.namedChildren.find((c) => c && this.typeOf(c) !== 'keyword_argument' && this.typeOf(c) !== 'comment') : undefined;
        this.crossVals.push({ ...this.base(), node: n, what: `${est.cls}.fit`, estimatorNode: ctor ?? undefined, dataNodes: xNode ? [xNode] : [], inputs, shuffled: !!est.cvShuffled, grouped: args.keywords.has('groups') || !!est.cvGrouped });
      }
      if (method === 'fit' || method === 'partial_fit') return self;
      if (method === 'fit_resample') {
        const outs = inputs.map((i) => this.derive(n, [i]));
        for (const o of outs) o.fits.push(fit);
        fit.outputs.push(...outs);
        return this.tupleOf(n, outs);
      }
      const out = this.derive(n, X ? [X] : []);
      out.fits.push(fit);
      fit.outputs.push(out);
      return out;
    }
    if (method === 'score') {
      const inputs = [X, y].filter((v): v is Value => !!v && isDataLike(v));
      this.evals.push({ ...this.base(), node: n, what: `${est.cls}.score`, inputs, models: [est] });
      return this.literal(n);
    }
    const out = this.derive(n, X ? [X] : []);
    out.fits.push(...est.fits);
    if (X) this.applies.push({ ...this.base(), node: n, estimator: est, method, input: X, output: out });
    return out;
  }

  /** The first function scope of the module that starts at an offset (read once per module, not once per call). */
  private functionScopeAt(start: number): Scope | undefined {
    if (!this.functionScopes) {
      this.functionScopes = new Map();
      for (const s of this.m.scopes) if (s.kind === 'function' && s.node && !this.functionScopes.has(s.node.startIndex)) this.functionScopes.set(s.node.startIndex, s);
    }
    return this.functionScopes.get(start);
  }

  /** A call of a function of this file: its body walked with the arguments bound. */
  private inline(n: Node, fn: Value, args: Args, f: Frame): Value {
    const def = fn.node;
    if (this.typeOf(def) !== 'function_definition' || this.active.some((a) => a.equals(def)) || this.active.length >= MAX_DEPTH) {
      const data = this.allArgs(args).filter(isDataLike);
      return data.length ? this.derive(n, data) : this.make('data', n);
    }
    this.executed.add(key(def));
    const closure = this.closures.get(key(def)) ?? this.moduleFrame;
    const scope = this.functionScopeAt(def.startIndex) ?? f.scope;
    const frame = new Frame(closure, scope);
    const params = this.field(def, 'parameters')?.namedChildren.filter((p): p is Node => !!p) ?? [];
    let pos = 0;
    for (const p of params) {
      const nameNode = this.typeOf(p) === 'identifier' ? p : (this.field(p, 'name') ?? this.kids(p).find((c) => c?.type === 'identifier'));
      if (!nameNode || this.typeOf(nameNode) !== 'identifier') continue;
      if (this.typeOf(p) === 'list_splat_pattern' || this.typeOf(p) === 'dictionary_splat_pattern') continue;
      const name = this.textOf(nameNode);
      let v = args.keywords.get(name)?.value ?? args.positional[pos];
      pos++;
      if (!v) {
        const dflt = this.field(p, 'value');
        v = dflt ? this.eval(dflt, closure) : this.make('data', nameNode, name);
      }
      frame.vars.set(name, v);
    }
    this.active.push(def);
    this.via.push(n);
    this.walkBlock(this.field(def, 'body'), frame);
    this.via.pop();
    this.active.pop();
    const rets = frame.returns;
    if (!rets.length) return this.literal(n);
    if (rets.length === 1) return rets[0];
    const width = rets[0].items?.length;
    if (width && rets.every((r) => r.kind === 'tuple' && r.items?.length === width)) {
      return this.tupleOf(n, rets[0].items!.map((_, k) => this.derive(n, rets.map((r) => r.items![k]))));
    }
    return this.derive(n, rets);
  }
}

/** `X` for the statistic `X.mean()` or `np.mean(X)`. */
function statReceiver(s: Value): string {
  const call = s.node;
  const func = call.type === 'call' ? call.childForFieldName('function') : undefined;
  if (func?.type === 'attribute') {
    const q = func.childForFieldName('object');
    if (q && !/^(np|numpy)$/.test(q.text)) return short(q.text, 40);
  }
  const first = call.childForFieldName('arguments')?.namedChildren[0];
  return first ? short(first.text, 40) : short(call.text, 40);
}

function isDataLike(v: Value): boolean {
  return v.kind === 'data' || v.kind === 'tuple' || v.kind === 'stat';
}

/** Estimators whose predictions (model fits) reached the values. */
function modelsReaching(values: Value[]): EstimatorObject[] {
  const out = new Set<EstimatorObject>();
  for (const v of values)
    for (const fit of v.fitsReaching())
      if (fit.estimator && (fit.category === 'model' || fit.category === 'search' || fit.category === 'pipeline' || fit.category === 'unknown')) out.add(fit.estimator);
  return [...out];
}

const NOT_EXPRESSIONS = new Set(['block', 'comment', 'else_clause', 'elif_clause', 'except_clause', 'finally_clause', 'with_clause', 'case_clause', 'as_pattern_target']);

function isExpression(n: Node): boolean {
  return !NOT_EXPRESSIONS.has(n.type) && !n.type.endsWith('_statement') && !n.type.endsWith('_definition');
}

function isExpressionType(type: string): boolean {
  return !NOT_EXPRESSIONS.has(type) && !type.endsWith('_statement') && !type.endsWith('_definition');
}

export function short(text: string, max = 50): string {
  const one = text.replace(/\s*\n\s*/g, ' ');
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

const cache = new WeakMap<PythonModule, DataflowGraph>();

/** The dataflow graph of a module (built once per parse). */
export function dataflowOf(m: PythonModule): DataflowGraph {
  let g = cache.get(m);
  if (!g) {
    g = new Walker(m).run();
    cache.set(m, g);
  }
  return g;
}
