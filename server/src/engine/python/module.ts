/**
 * A Python module's scopes, bindings and call sites, built from one tree-sitter query
 * pass (a JS-side walk over every node costs about 1 µs a node in web-tree-sitter; a
 * query runs inside the wasm and returns only what we ask for).
 *
 * Name resolution follows Python's lexical scoping (module, function, lambda,
 * comprehension; class bodies are invisible to nested functions) so that
 * `import pickle as pk; pk.load(f)` resolves to `pickle.load` while a local variable or
 * function named `pickle` or `load` resolves to nothing.
 */
import { Edit, type Node, type Point, type Query, type QueryCapture, type Tree } from 'web-tree-sitter';
import type { GrammarParser } from '../parser';
import { BOUNDARY_LOOKAHEAD, ChunkScanner, chunkBoundaries } from './chunks';

export type ScopeKind = 'module' | 'function' | 'class' | 'lambda' | 'comprehension';

export type BindingKind =
  | 'import'
  | 'assign'
  | 'augassign'
  | 'param'
  | 'def'
  | 'class'
  | 'for'
  | 'as'
  | 'walrus'
  | 'global-decl';

export interface Binding {
  readonly name: string;
  readonly kind: BindingKind;
  /** The identifier (or import clause) that binds the name. */
  readonly node: Node;
  readonly scope: Scope;
  /** Offset in UTF-16 code units where the binding happens. */
  readonly start: number;
  /** For `name = value` with a single target: the value expression. */
  readonly value?: Node;
  /** For imports: the fully qualified name bound (`import numpy as np` binds `numpy`). */
  readonly imported?: string;
}

export class Scope {
  readonly bindings = new Map<string, Binding[]>();
  readonly globals = new Set<string>();
  readonly children: Scope[] = [];
  constructor(
    readonly kind: ScopeKind,
    /** Moved (with `end`) when the scope's chunk moves to a later version of an edited module. */
    public start: number,
    public end: number,
    readonly parent: Scope | undefined,
    /** The function, class, lambda or comprehension; undefined for the module (parsed as several trees). */
    readonly node: Node | undefined,
  ) {
    parent?.children.push(this);
  }

  addBinding(b: Binding): void {
    const list = this.bindings.get(b.name);
    if (list) list.push(b);
    else this.bindings.set(b.name, [b]);
  }

  contains(index: number): boolean {
    return index >= this.start && index < this.end;
  }
}

/** Modules that are the same module under another name. */
const MODULE_ALIASES: Record<string, string> = {
  cPickle: 'pickle',
  _pickle: 'pickle',
  'sklearn.externals.joblib': 'joblib',
  'pandas.io.pickle': 'pandas',
};

const MODULE_ALIAS_ENTRIES = Object.entries(MODULE_ALIASES);

export function canonicalModule(qualified: string): string {
  for (const [alias, canonical] of MODULE_ALIAS_ENTRIES) {
    if (!qualified.startsWith(alias)) continue;
    if (qualified.length === alias.length) return canonical;
    if (qualified[alias.length] === '.') return canonical + qualified.slice(alias.length);
  }
  return qualified;
}

/**
 * Every name that the file's import statements may import: the identifiers on each line
 * holding the word `import` (with its backslash continuations), plus their canonical
 * modules. A superset of the roots `PythonModule.importsModule` knows, found without
 * parsing: rules whose `requires` names none of these cannot run, and asking the text
 * `includes(m)` for each of the ~110 module names the rules list scanned a large file
 * 110 times (13 ms per keystroke on 5,000 lines).
 */
export function importableRoots(text: string): Set<string> {
  const roots = new Set<string>();
  const endsWithBackslash = (lineEnd: number) => text[lineEnd - 1] === '\\' || (text[lineEnd - 1] === '\r' && text[lineEnd - 2] === '\\');
  for (let at = text.indexOf('import'); at >= 0; at = text.indexOf('import', at + 6)) {
    if (/\w/.test(text[at - 1] ?? '') || /\w/.test(text[at + 6] ?? '')) continue;
    let start = text.lastIndexOf('\n', at - 1) + 1;
    while (start > 0 && endsWithBackslash(start - 1)) start = text.lastIndexOf('\n', start - 2) + 1;
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    while (end < text.length && endsWithBackslash(end)) {
      const next = text.indexOf('\n', end + 1);
      end = next < 0 ? text.length : next;
    }
    for (const id of text.slice(start, end).matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
      roots.add(id[0]);
      roots.add(canonicalModule(id[0]));
    }
  }
  return roots;
}

export type ConstValue =
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'string'; value: string };

/** The name an expression's text starts with (undefined when it starts otherwise, or with a name outside ASCII). */
const LEADING_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?![^.\s])/;

/** The callee expression's node type, and its text when a name or attribute: all that name resolution reads of it first. */
export interface CalleeShape {
  readonly type: string;
  readonly text?: string;
  /** The name the text starts with (`np` of `np.random.rand`): what resolution looks up first. */
  readonly head?: string;
}

export class CallSite {
  private argCache?: { positional: Node[]; keywords: Map<string, Node>; splat: boolean; keywordSplat: boolean };
  private argumentListNode: Node | null | undefined;
  private shape?: CalleeShape;
  private endOffset?: number;
  constructor(
    readonly node: Node,
    readonly func: Node,
    /** The `arguments` field; undefined: looked up on first use (most calls are never asked). */
    argumentList: Node | null | undefined,
    readonly scope: Scope,
    /** Resolved fully qualified name of the callee, e.g. `torch.load`; undefined for locals. Set by the module that indexes the call. */
    public callee: string | undefined,
  ) {
    this.argumentListNode = argumentList;
  }

  /** `node.endIndex`, read once (each read crosses into the wasm heap) and kept while the call's chunk is unchanged, like `calleeShape`. */
  get end(): number {
    this.endOffset ??= this.node.endIndex;
    return this.endOffset;
  }

  /**
   * Moves what the call read lazily (its end, its argument nodes) with its chunk; `node`
   * and `func` move with the chunk's other nodes.
   */
  shift(delta: number, rows: number): void {
    if (this.endOffset !== undefined) this.endOffset += delta;
    if (this.argumentListNode) shiftNode(this.argumentListNode, delta, rows);
    if (this.argCache) {
      for (const n of this.argCache.positional) if (n !== this.argumentListNode) shiftNode(n, delta, rows);
      for (const n of this.argCache.keywords.values()) shiftNode(n, delta, rows);
    }
  }

  /** Read once per call and kept while the call's chunk is unchanged. */
  get calleeShape(): CalleeShape {
    if (!this.shape) {
      const type = this.func.type;
      const text = type === 'identifier' || type === 'attribute' ? this.func.text : undefined;
      this.shape = text === undefined ? { type } : { type, text, head: LEADING_NAME.exec(text)?.[0] };
    }
    return this.shape;
  }

  /** The call's arguments: an argument list, or a generator expression (`f(x for x in y)`). */
  get argumentList(): Node | null {
    if (this.argumentListNode === undefined) this.argumentListNode = this.node.childForFieldName('arguments');
    return this.argumentListNode;
  }

  private args() {
    if (!this.argCache) {
      const positional: Node[] = [];
      const keywords = new Map<string, Node>();
      let splat = false;
      let keywordSplat = false;
      // `f(x for x in y)`: the argument is a generator expression, not an argument list.
      if (this.argumentList?.type === 'generator_expression') positional.push(this.argumentList);
      else
        for (const child of this.argumentList?.namedChildren ?? []) {
          if (!child) continue;
          if (child.type === 'keyword_argument') {
            const name = child.childForFieldName('name');
            const value = child.childForFieldName('value');
            if (name && value) keywords.set(name.text, value);
          } else if (child.type === 'list_splat' || child.type === 'dictionary_splat') {
            splat = true;
            if (child.type === 'dictionary_splat') keywordSplat = true;
          } else if (child.type !== 'comment') {
            positional.push(child);
          }
        }
      this.argCache = { positional, keywords, splat, keywordSplat };
    }
    return this.argCache;
  }

  get positional(): readonly Node[] {
    return this.args().positional;
  }

  keyword(name: string): Node | undefined {
    // Rules ask most calls of a file for a keyword they do not have: the call's text
    // answers that without taking its argument list apart node by node.
    if (!this.argCache && !this.node.text.includes(name)) return undefined;
    return this.args().keywords.get(name);
  }

  get keywordNames(): string[] {
    return [...this.args().keywords.keys()];
  }

  /** `*args` or `**kwargs` in the call: any parameter may be set by them. */
  get hasSplat(): boolean {
    return this.args().splat;
  }

  /**
   * `**kwargs` in the call: any keyword parameter may be set by it. (`*args` alone can
   * only fill positional parameters, so keyword-only ones such as `torch.load`'s
   * `weights_only` stay unset.)
   */
  get hasKeywordSplat(): boolean {
    return this.args().keywordSplat;
  }

  /** The argument bound to a parameter given by position and name (`f(x)` or `f(name=x)`). */
  argument(position: number, name: string): Node | undefined {
    return this.keyword(name) ?? this.positional[position];
  }
}

const INDEX_QUERY = `
(import_statement) @import
(import_from_statement) @import_from
(function_definition name: (identifier) @def_name) @scope.function
(class_definition name: (identifier) @class_name) @scope.class
(lambda) @scope.lambda
(list_comprehension) @scope.comprehension
(set_comprehension) @scope.comprehension
(dictionary_comprehension) @scope.comprehension
(generator_expression) @scope.comprehension
(parameters) @params
(lambda_parameters) @params
(assignment left: (_) @assign_left) @assign
(augmented_assignment left: (_) @aug_left)
(for_statement left: (_) @for_left)
(for_in_clause left: (_) @for_left)
(as_pattern alias: (as_pattern_target) @as_target)
(named_expression name: (identifier) @walrus)
(global_statement) @global
(nonlocal_statement) @nonlocal
(call) @call
(decorated_definition) @node.decorated_definition
(pair) @node.pair
(for_statement) @node.for_statement
`;

/**
 * Node types a rule may need every instance of, collected by the index query (see
 * `PythonModule.nodesOfType`).
 */
export type IndexedNodeType = 'assignment' | 'decorated_definition' | 'pair' | 'for_statement' | 'function_definition';

/** The source text that every tree of a module (and of its later versions) reads node text from. */
interface SourceRef {
  text: string;
}

/**
 * One chunk of the module (see chunks.ts): its tree, where it sits in the source, and what
 * the index found in it. A chunk an edit did not touch moves to the next version of the
 * module as it is, shifted when the edit came before it.
 */
class Chunk {
  /** Every scope inside the chunk (not the module scope), in document order. */
  readonly scopes: Scope[] = [];
  /** Bindings the chunk makes in the module scope, in document order: the module scope is assembled from them. */
  readonly moduleBindings: Binding[] = [];
  /** Names declared `global` at module level (legal, and meaningless). */
  readonly moduleGlobals: string[] = [];
  readonly imports: Binding[] = [];
  readonly importedRoots: string[] = [];
  readonly starImports: string[] = [];
  readonly assignments: Node[] = [];
  readonly indexed = new Map<IndexedNodeType, Node[]>();
  readonly calls: CallSite[] = [];
  /** Every node object the index holds for this chunk, each once: what moves when an edit before the chunk shifts it. */
  readonly nodes = new Set<Node>();
  /** The chunk's top-level statements (and comments). */
  readonly statements: Node[];
  readonly hasError: boolean;
  /**
   * What name resolution reads of each module-level binding the chunk makes (kind, import,
   * alias value), and the name an alias value starts with: a call of an unchanged chunk
   * resolves as it did unless what its callee's name reads changed (see `changedNames`).
   */
  readings: Array<{ name: string; reading: string; aliasOf?: string }> = [];

  constructor(
    readonly tree: Tree,
    public start: number,
    public end: number,
    public startRow: number,
  ) {
    const root = tree.rootNode;
    this.hasError = root.hasError;
    this.statements = root.namedChildren.filter((n): n is Node => n !== null);
    for (const s of this.statements) this.nodes.add(s);
  }

  /** Moves the chunk (its tree and everything its index holds) to start `delta` code units and `rows` lines later. */
  shift(delta: number, rows: number): void {
    const oldStart = this.start;
    const oldRow = this.startRow;
    this.start += delta;
    this.end += delta;
    this.startRow += rows;
    // Everything before the chunk is padding to its tree: replace all of it at once.
    this.tree.edit(
      new Edit({
        startIndex: 0,
        oldEndIndex: oldStart,
        newEndIndex: this.start,
        startPosition: { row: 0, column: 0 },
        oldEndPosition: { row: oldRow, column: 0 },
        newEndPosition: { row: this.startRow, column: 0 },
      }),
    );
    for (const n of this.nodes) shiftNode(n, delta, rows);
    const shiftBinding = (b: Binding) => ((b as { start: number }).start += delta);
    for (const s of this.scopes) {
      s.start += delta;
      s.end += delta;
      for (const list of s.bindings.values()) list.forEach(shiftBinding);
    }
    this.moduleBindings.forEach(shiftBinding);
    for (const c of this.calls) c.shift(delta, rows);
  }
}

/**
 * Moves a node object by `delta` code units and `rows` lines (chunks start at column 0, so
 * columns stay). A web-tree-sitter node object keeps its start on the JS side (everything
 * else is computed in the wasm from it) and caches its child node objects: those are
 * dropped, to be read again from the moved start.
 */
function shiftNode(n: Node, delta: number, rows: number): void {
  n.startIndex += delta;
  // In place: each node object has a point of its own, and a new one per node and edit
  // would be thousands of long-lived objects for the garbage collector to move.
  if (rows) n.startPosition.row += rows;
  const cached = n as unknown as { _children?: unknown; _namedChildren?: unknown };
  if (cached._children !== undefined) cached._children = undefined;
  if (cached._namedChildren !== undefined) cached._namedChildren = undefined;
}

/** Where `offset` sits, counted from a known line start `from` on line `row`. */
function pointAt(text: string, from: number, row: number, offset: number): Point {
  let lineStart = from;
  for (let i = text.indexOf('\n', from); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

/**
 * How much two texts share at their start (`head`) and end (`tail`, not overlapping the
 * head): what lies between changed. Found by halving with string comparisons, which V8
 * runs natively (a loop over 200 KB of characters in JS costs milliseconds per edit).
 */
export function changedSpan(before: string, after: string): { head: number; tail: number } {
  const limit = Math.min(before.length, after.length);
  let lo = 0;
  let hi = limit;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (before.slice(lo, mid) === after.slice(lo, mid)) lo = mid;
    else hi = mid - 1;
  }
  const head = lo;
  lo = 0;
  hi = limit - head;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (before.slice(before.length - mid, before.length - lo) === after.slice(after.length - mid, after.length - lo)) lo = mid;
    else hi = mid - 1;
  }
  return { head, tail: lo };
}

const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export class PythonModule {
  readonly moduleScope: Scope;
  readonly scopes: Scope[] = [];
  readonly calls: CallSite[] = [];
  /** Every import binding in document order. */
  readonly imports: Binding[] = [];
  /** Modules imported with `from m import *`. */
  readonly starImports: string[] = [];
  /**
   * Every `assignment` node (`x = v`, `a.b = v`, `x: T = v`, `x: T`), in document order: the
   * nodes `descendantsOfType('assignment')` returns, collected by the index query already.
   * Use this: each `descendantsOfType` over a large file walks the whole tree again.
   */
  readonly assignments: Node[] = [];
  private readonly indexedNodes = new Map<IndexedNodeType, Node[]>();
  private topLevelStatements?: Node[];
  private callsByCallee?: Map<string, CallSite[]>;
  private callsByStart?: Map<number, CallSite[]>;
  private readonly importedRoots = new Set<string>();
  /** What name resolution reads of the module as a whole: `global` names there, star imports. */
  private readonly scopeWideReading: string;
  /**
   * How the module was built: of its `chunks`, `parsed` were parsed and indexed for this
   * version, the rest taken over from the previous version of the module (see `parse`).
   */
  readonly indexStats = { chunks: 0, parsed: 0 };
  /** The chunk being indexed. */
  private current!: Chunk;
  /** Set once a newer version took over this module's chunks: it must not be used again. */
  private consumed = false;

  private constructor(
    readonly source: string,
    private readonly ref: SourceRef,
    private readonly chunks: Chunk[],
    fresh: ReadonlySet<Chunk>,
    query: Query,
    previous?: PythonModule,
  ) {
    this.moduleScope = previous?.moduleScope ?? new Scope('module', 0, Number.MAX_SAFE_INTEGER, undefined, undefined);
    this.indexStats.chunks = chunks.length;
    this.indexStats.parsed = fresh.size;
    for (const chunk of fresh) {
      this.current = chunk;
      this.indexCaptures(query.captures(chunk.tree.rootNode));
      chunk.readings = this.readingsOf(chunk);
    }
    // The module scope and the module-wide lists, assembled from the chunks in order.
    const moduleScope = this.moduleScope;
    moduleScope.bindings.clear();
    moduleScope.globals.clear();
    moduleScope.children.length = 0;
    this.scopes.push(moduleScope);
    for (const chunk of chunks) {
      for (const b of chunk.moduleBindings) moduleScope.addBinding(b);
      for (const g of chunk.moduleGlobals) moduleScope.globals.add(g);
      for (const s of chunk.scopes) {
        this.scopes.push(s);
        if (s.parent === moduleScope) moduleScope.children.push(s);
      }
      this.imports.push(...chunk.imports);
      this.starImports.push(...chunk.starImports);
      for (const r of chunk.importedRoots) this.importedRoots.add(r);
      this.assignments.push(...chunk.assignments);
      for (const [type, nodes] of chunk.indexed) {
        const list = this.indexedNodes.get(type);
        if (list) list.push(...nodes);
        else this.indexedNodes.set(type, [...nodes]);
      }
      this.calls.push(...chunk.calls);
    }
    this.scopeWideReading = `${[...moduleScope.globals].join(' ')} * ${this.starImports.join(' ')}`;
    // Callees resolve once every binding is known: an alias bound later in the file
    // (`load = pickle.load` below a function that calls `load`) must be seen first. Calls of
    // chunks taken over keep their callee unless the name it starts with reads differently.
    const changed = previous && this.changedNames(previous, fresh);
    for (const chunk of chunks) {
      const all = !changed || fresh.has(chunk);
      if (!all && !changed.size) continue;
      for (const site of chunk.calls) {
        const head = site.calleeShape.head;
        if (all || head === undefined || changed.has(head)) site.callee = this.resolveCallee(site);
      }
    }
  }

  /**
   * The module-level names that name resolution reads differently from `previous`
   * (bound, unbound or rebound, or aliases of such names); undefined when anything may
   * resolve differently (`global` at module level, star imports changed).
   */
  private changedNames(previous: PythonModule, fresh: ReadonlySet<Chunk>): Set<string> | undefined {
    if (previous.scopeWideReading !== this.scopeWideReading) return undefined;
    // Only names bound in the chunks parsed again, or in the ones they replaced, can read differently.
    const candidates = new Set<string>();
    const kept = new Set(this.chunks);
    for (const chunk of fresh) for (const r of chunk.readings) candidates.add(r.name);
    for (const chunk of previous.chunks) if (!kept.has(chunk)) for (const r of chunk.readings) candidates.add(r.name);
    const readingOf = (chunks: readonly Chunk[], name: string) => {
      let all = '';
      for (const chunk of chunks) for (const r of chunk.readings) if (r.name === name) all += `${r.reading}\n`;
      return all;
    };
    const changed = new Set<string>();
    for (const name of candidates) if (readingOf(previous.chunks, name) !== readingOf(this.chunks, name)) changed.add(name);
    // `load = pickle.load` reads differently when `pickle` does.
    for (let grew = changed.size > 0; grew; ) {
      grew = false;
      for (const chunk of this.chunks)
        for (const r of chunk.readings)
          if (r.aliasOf !== undefined && changed.has(r.aliasOf) && !changed.has(r.name)) {
            changed.add(r.name);
            grew = true;
          }
    }
    return changed;
  }

  /**
   * Parses and indexes `source`. While typing, pass the module of the previous version of
   * the same document: only the chunks the edit touched are parsed and indexed again, the
   * others are taken over (moved by the edit's length where they follow it). `previous`
   * must not be used afterwards (its chunks now belong to the new module); the new module
   * owns its trees until `dispose`.
   */
  static parse(grammar: GrammarParser, source: string, previous?: PythonModule): PythonModule {
    const query = grammar.query(INDEX_QUERY);
    if (previous && !previous.consumed) {
      previous.consumed = true;
      return PythonModule.reparse(grammar, query, source, previous);
    }
    const ref: SourceRef = { text: source };
    const starts = [0, ...chunkBoundaries(source)];
    const chunks: Chunk[] = [];
    let row = 0;
    let counted = 0;
    starts.forEach((start, i) => {
      row = pointAt(source, counted, row, start).row;
      counted = start;
      chunks.push(PythonModule.parseChunk(grammar, ref, start, i + 1 < starts.length ? starts[i + 1] : source.length, row));
    });
    return new PythonModule(source, ref, chunks, new Set(chunks), query);
  }

  /** Parses the chunk from `start` to `end` (`start` begins line `row`) on its own. */
  private static parseChunk(grammar: GrammarParser, ref: SourceRef, start: number, end: number, row: number, oldTree?: Tree): Chunk {
    const endPosition = pointAt(ref.text, start, row, end);
    // Node text is read through this callback later, from whatever version of the text
    // the trees belong to by then (chunks move on to later versions of the module).
    const tree = grammar.parser.parse((index: number) => ref.text.slice(index, index + 4096), oldTree ?? null, {
      includedRanges: [{ startIndex: start, endIndex: end, startPosition: { row, column: 0 }, endPosition }],
    });
    if (!tree) throw new Error('tree-sitter returned no tree');
    return new Chunk(tree, start, end, row);
  }

  /**
   * The next version of `previous` for `source`: the text that changed is found by
   * comparing the two; chunking restarts at the last chunk boundary the change cannot
   * move and runs until it meets a boundary of the previous version in the unchanged
   * tail, from where the previous chunks hold (chunking is a function of the text after a
   * boundary, see chunks.ts).
   */
  private static reparse(grammar: GrammarParser, query: Query, source: string, previous: PythonModule): PythonModule {
    const before = previous.source;
    const { head, tail } = changedSpan(before, source);
    const oldEnd = before.length - tail;
    const newEnd = source.length - tail;
    const delta = source.length - before.length;
    const old = previous.chunks;
    // The first chunk the change may alter: its end is a statement start read up to BOUNDARY_LOOKAHEAD on.
    let first = 0;
    while (first < old.length - 1 && old[first].end + BOUNDARY_LOOKAHEAD <= head) first++;
    const ref = previous.ref;
    ref.text = source;
    const rows = pointAt(source, head, 0, newEnd).row - pointAt(before, head, 0, oldEnd).row;
    // Old chunks in the unchanged tail, by where they start in the new text.
    const resume = new Map<number, number>();
    for (let j = first + 1; j < old.length; j++) if (old[j].start >= oldEnd) resume.set(old[j].start + delta, j);
    const chunks = old.slice(0, first);
    const fresh = new Set<Chunk>();
    const scanner = new ChunkScanner(source, old[first].start);
    let { start, startRow: row } = old[first];
    let taken = old.length;
    const was = old[first];
    for (;;) {
      const end = scanner.next();
      // The change stayed inside one chunk (in a long function or class, say): tree-sitter
      // reparses it incrementally, reusing the unchanged subtrees of its old tree.
      const within = chunks.length === first && start === was.start && (end ?? source.length) === was.end + delta && oldEnd <= was.end;
      if (within)
        was.tree.edit(
          new Edit({
            startIndex: head,
            oldEndIndex: oldEnd,
            newEndIndex: newEnd,
            startPosition: pointAt(before, was.start, was.startRow, head),
            oldEndPosition: pointAt(before, was.start, was.startRow, oldEnd),
            newEndPosition: pointAt(source, was.start, was.startRow, newEnd),
          }),
        );
      const chunk = PythonModule.parseChunk(grammar, ref, start, end ?? source.length, row, within ? was.tree : undefined);
      chunks.push(chunk);
      fresh.add(chunk);
      if (end === undefined) break;
      row = pointAt(source, start, row, end).row;
      start = end;
      const j = resume.get(end);
      if (j !== undefined) {
        taken = j;
        break;
      }
    }
    for (let j = first; j < taken; j++) old[j].tree.delete();
    for (let j = taken; j < old.length; j++) {
      if (delta || rows) old[j].shift(delta, rows);
      chunks.push(old[j]);
    }
    return new PythonModule(source, ref, chunks, fresh, query, previous);
  }

  /** Where each chunk starts and ends in the source. */
  get chunkSpans(): Array<[number, number]> {
    return this.chunks.map((c) => [c.start, c.end]);
  }

  /** Frees the module's trees (they live in the wasm heap). Not needed for a module a newer version took over. */
  dispose(): void {
    if (this.consumed) return;
    this.consumed = true;
    for (const c of this.chunks) c.tree.delete();
  }

  private readingsOf(chunk: Chunk): Chunk['readings'] {
    return chunk.moduleBindings.map((b) => {
      const type = b.value?.type;
      const alias = type === 'identifier' || type === 'attribute' ? b.value!.text : undefined;
      return { name: b.name, reading: `${b.kind} ${b.imported ?? ''} ${type ?? ''} ${alias ?? ''}`, aliasOf: alias?.split('.', 1)[0] };
    });
  }

  /** Adds a binding the index found, to its scope (module-level ones to the chunk, see `Chunk.moduleBindings`). */
  private bind(scope: Scope, b: Binding): void {
    this.current.nodes.add(b.node);
    if (b.value) this.current.nodes.add(b.value);
    if (scope === this.moduleScope) this.current.moduleBindings.push(b);
    else scope.addBinding(b);
  }

  /** Indexes query captures, in document order. */
  private indexCaptures(captures: QueryCapture[]): void {
    const chunk = this.current;
    const stack: Scope[] = [this.moduleScope];
    const scopeAt = (index: number): Scope => {
      while (stack.length > 1 && !stack[stack.length - 1].contains(index)) stack.pop();
      return stack[stack.length - 1];
    };
    // The `@assign` capture comes right before its `@assign_left` (same start, larger node
    // first): remembering it spares `node.parent`, which walks down from the root.
    let assignment: Node | undefined;
    for (const { name, node } of captures) {
      const start = node.startIndex;
      if (name === 'assign') {
        assignment = node;
        chunk.assignments.push(node);
        chunk.nodes.add(node);
        continue;
      }
      if (name.startsWith('node.')) {
        const type = name.slice(5) as IndexedNodeType;
        const list = chunk.indexed.get(type);
        if (list) list.push(node);
        else chunk.indexed.set(type, [node]);
        chunk.nodes.add(node);
        continue;
      }
      if (name.startsWith('scope.')) {
        const parent = scopeAt(start);
        const scope = new Scope(name.slice(6) as ScopeKind, start, node.endIndex, parent, node);
        chunk.scopes.push(scope);
        chunk.nodes.add(node);
        stack.push(scope);
        continue;
      }
      const scope = scopeAt(start);
      switch (name) {
        case 'import':
        case 'import_from':
          this.addImport(node, scope);
          break;
        case 'def_name':
        case 'class_name':
          // The name of a def or class binds in the scope around it.
          this.bind(scope.parent ?? scope, {
            name: node.text,
            kind: name === 'def_name' ? 'def' : 'class',
            node,
            scope: scope.parent ?? scope,
            start,
          });
          break;
        case 'params':
          for (const p of node.namedChildren) if (p) this.bindParameter(p, scope);
          break;
        case 'assign_left': {
          const statement = assignment?.startIndex === start ? assignment : node.parent;
          const value = statement?.childForFieldName('right') ?? undefined;
          this.bindTarget(node, scope, 'assign', node.type === 'identifier' ? value : undefined);
          break;
        }
        case 'aug_left':
          this.bindTarget(node, scope, 'augassign');
          break;
        case 'for_left':
          this.bindTarget(node, scope, 'for');
          break;
        case 'as_target':
          for (const t of node.namedChildren) if (t) this.bindTarget(t, scope, 'as');
          break;
        case 'walrus': {
          // PEP 572: an assignment expression in a comprehension binds in the enclosing function.
          let target = scope;
          while (target.kind === 'comprehension' && target.parent) target = target.parent;
          this.bind(target, { name: node.text, kind: 'walrus', node, scope: target, start });
          break;
        }
        case 'global':
          for (const id of node.namedChildren) {
            if (id?.type !== 'identifier') continue;
            if (scope === this.moduleScope) chunk.moduleGlobals.push(id.text);
            else scope.globals.add(id.text);
          }
          break;
        case 'nonlocal':
          break;
        case 'call': {
          const func = node.childForFieldName('function') ?? node;
          chunk.calls.push(new CallSite(node, func, undefined, scope, undefined));
          chunk.nodes.add(node);
          chunk.nodes.add(func);
          break;
        }
      }
    }
  }

  private addImport(node: Node, scope: Scope): void {
    if (node.type === 'import_statement') {
      for (const item of node.childrenForFieldName('name')) {
        if (!item) continue;
        if (item.type === 'aliased_import') {
          const dotted = item.childForFieldName('name')?.text ?? '';
          const alias = item.childForFieldName('alias');
          if (alias) this.addImportBinding(alias.text, canonicalModule(dotted), alias, scope);
        } else {
          // `import a.b.c` binds `a`.
          const dotted = item.text;
          const head = dotted.split('.')[0];
          this.addImportBinding(head, canonicalModule(head), item, scope);
          this.current.importedRoots.push(dotted.split('.')[0]);
        }
      }
      return;
    }
    const moduleNode = node.childForFieldName('module_name');
    if (!moduleNode) return;
    // Relative imports name the project's own modules: they never resolve to a library.
    const relative = moduleNode.type === 'relative_import';
    const moduleName = relative ? '.' + moduleNode.text.replace(/^\.+/, '') : moduleNode.text;
    if (!relative) this.current.importedRoots.push(moduleName.split('.')[0]);
    for (const child of node.namedChildren) {
      if (!child || child === moduleNode || child.equals(moduleNode)) continue;
      if (child.type === 'wildcard_import') {
        if (!relative) this.current.starImports.push(canonicalModule(moduleName));
        continue;
      }
      if (child.type === 'aliased_import') {
        const name = child.childForFieldName('name')?.text ?? '';
        const alias = child.childForFieldName('alias');
        if (alias) this.addImportBinding(alias.text, canonicalModule(`${moduleName}.${name}`), alias, scope);
      } else if (child.type === 'dotted_name') {
        const name = child.text;
        this.addImportBinding(name, canonicalModule(`${moduleName}.${name}`), child, scope);
      }
    }
  }

  private addImportBinding(name: string, imported: string, node: Node, scope: Scope): void {
    if (name.includes('.')) return;
    const binding: Binding = { name, kind: 'import', node, scope, start: node.startIndex, imported };
    this.bind(scope, binding);
    this.current.imports.push(binding);
    this.current.importedRoots.push(imported.replace(/^\./, '').split('.')[0]);
  }

  private bindParameter(p: Node, scope: Scope): void {
    switch (p.type) {
      case 'identifier':
        this.bind(scope, { name: p.text, kind: 'param', node: p, scope, start: p.startIndex });
        return;
      case 'default_parameter':
      case 'typed_default_parameter': {
        const n = p.childForFieldName('name');
        if (n?.type === 'identifier') this.bind(scope, { name: n.text, kind: 'param', node: n, scope, start: n.startIndex });
        return;
      }
      case 'typed_parameter':
      case 'list_splat_pattern':
      case 'dictionary_splat_pattern': {
        const n = p.namedChildren.find((c) => c?.type === 'identifier');
        if (n) this.bind(scope, { name: n.text, kind: 'param', node: n, scope, start: n.startIndex });
        else for (const c of p.namedChildren) if (c) this.bindParameter(c, scope);
        return;
      }
      default:
        for (const c of p.namedChildren) if (c) this.bindParameter(c, scope);
    }
  }

  /** Binds every name in an assignment target (`a`, `a, (b, c)`, `[a, *b]`); attributes and subscripts bind nothing. */
  private bindTarget(target: Node, scope: Scope, kind: BindingKind, value?: Node): void {
    switch (target.type) {
      case 'identifier': {
        const bindIn = scope.globals.has(target.text) ? this.moduleScope : scope;
        this.bind(bindIn, { name: target.text, kind, node: target, scope: bindIn, start: target.startIndex, value });
        return;
      }
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern':
      case 'tuple':
      case 'list':
      case 'list_splat_pattern':
      case 'parenthesized_expression':
        for (const c of target.namedChildren) if (c) this.bindTarget(c, scope, kind);
        return;
      default:
        return;
    }
  }

  private identifierCache?: Map<string, Node[]>;

  /**
   * Every `identifier` node spelled `name`, in document order: the same nodes as
   * `rootNode.descendantsOfType('identifier')` filtered by text, found from the name's
   * occurrences in the source instead (marshalling every identifier of a large file out
   * of the wasm heap costs milliseconds per call). Cached per name.
   */
  identifiersNamed(name: string): Node[] {
    this.identifierCache ??= new Map();
    let found = this.identifierCache.get(name);
    if (found) return found;
    found = [];
    if (name) {
      for (let at = this.source.indexOf(name); at >= 0; at = this.source.indexOf(name, at + 1)) {
        // An identifier never continues into an ASCII word character on either side.
        if (at > 0 && /\w/.test(this.source[at - 1])) continue;
        if (/\w/.test(this.source[at + name.length] ?? '')) continue;
        const node = this.descendantForIndex(at, at + name.length);
        if (node?.type === 'identifier' && node.startIndex === at && node.endIndex === at + name.length) found.push(node);
      }
    }
    this.identifierCache.set(name, found);
    return found;
  }

  /**
   * Every node of a type, in document order: what `rootNode.descendantsOfType(type)`
   * returns, without walking the whole tree again (each such walk over a 5,000-line file
   * costs 16-24 ms in web-tree-sitter; the index query collected these in its one pass).
   */
  nodesOfType(type: IndexedNodeType): readonly Node[] {
    if (type === 'assignment') return this.assignments;
    if (type === 'function_definition') return this.scopes.flatMap((s) => (s.kind === 'function' && s.node ? [s.node] : []));
    return this.indexedNodes.get(type) ?? [];
  }

  /** Whether the parse met syntax errors (tree-sitter's ERROR or MISSING nodes) anywhere. */
  get hasError(): boolean {
    return this.chunks.some((c) => c.hasError);
  }

  /** The chunks whose trees hold syntax errors, in order. */
  get treesWithErrors(): Tree[] {
    return this.chunks.filter((c) => c.hasError).map((c) => c.tree);
  }

  /** Where the module's text ends (the last tree's root ends there). */
  get endPosition(): Point {
    return this.chunks[this.chunks.length - 1].tree.rootNode.endPosition;
  }

  /** The chunk holding an offset (or a line, by `key`): the last one starting at or before it. */
  private chunkAt(value: number, key: (c: Chunk) => number): Chunk {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (key(this.chunks[mid]) <= value) lo = mid;
      else hi = mid - 1;
    }
    return this.chunks[lo];
  }

  /** The smallest node spanning `start`..`end` (offsets in UTF-16 code units). */
  descendantForIndex(start: number, end = start): Node | null {
    return this.chunkAt(start, (c) => c.start).tree.rootNode.descendantForIndex(start, end);
  }

  /** The smallest node spanning a position. */
  descendantForPosition(at: Point): Node | null {
    return this.chunkAt(at.row, (c) => c.startRow).tree.rootNode.descendantForPosition(at);
  }

  /**
   * Every node of a type, walking the whole module: slow on large files (16-24 ms per
   * walk on 5,000 lines); prefer `nodesOfType` where the index has the type.
   */
  descendantsOfType(type: string): Node[] {
    return this.chunks.flatMap((c) => c.tree.rootNode.descendantsOfType(type).filter((n): n is Node => n !== null));
  }

  /** The module's top-level statements (and comments), in order. */
  get topLevel(): readonly Node[] {
    this.topLevelStatements ??= this.chunks.flatMap((c) => c.statements);
    return this.topLevelStatements;
  }

  /** Whether the file imports the module (or a submodule of it) anywhere. */
  importsModule(root: string): boolean {
    return this.importedRoots.has(root);
  }

  scopeAt(index: number): Scope {
    let scope = this.moduleScope;
    for (;;) {
      const inner = scope.children.find((c) => c.contains(index));
      if (!inner) return scope;
      scope = inner;
    }
  }

  /** Bindings visible for `name` from `scope`, following Python's scoping rules. */
  lookup(name: string, scope: Scope): Binding[] | undefined {
    let s: Scope | undefined = scope;
    let first = true;
    while (s) {
      if (s.globals.has(name)) s = this.moduleScope;
      // Class bodies are not visible to the functions nested in them.
      if (first || s.kind !== 'class') {
        const found = s.bindings.get(name);
        if (found?.length) return found;
      }
      first = false;
      s = s.parent;
    }
    return undefined;
  }

  /**
   * The fully qualified name an identifier refers to, when it refers to something
   * imported (`np` -> `numpy`), to an alias of an imported thing (`load = pickle.load`),
   * or to a builtin (`open` -> `builtins.open`). Locals, parameters and project
   * definitions resolve to undefined.
   */
  resolveName(name: string, scope: Scope, depth = 0): string | undefined {
    // The index does not change once built: answers are kept per scope (the depth guard
    // only cuts alias chains short, so only top-level answers are kept).
    if (depth > 0) return this.resolveNameUncached(name, scope, depth);
    let cache = this.resolvedNames.get(scope);
    if (!cache) this.resolvedNames.set(scope, (cache = new Map()));
    if (cache.has(name)) return cache.get(name);
    const resolved = this.resolveNameUncached(name, scope, 0);
    cache.set(name, resolved);
    return resolved;
  }

  private readonly resolvedNames = new Map<Scope, Map<string, string | undefined>>();

  private resolveNameUncached(name: string, scope: Scope, depth: number): string | undefined {
    const bindings = this.lookup(name, scope);
    if (!bindings) {
      for (const m of this.starImports) if (KNOWN_STAR_EXPORTS[m]?.has(name)) return `${m}.${name}`;
      return BUILTINS.has(name) ? `builtins.${name}` : undefined;
    }
    // `try: import torch / except ImportError: torch = None` keeps meaning torch.
    const meaningful = bindings.filter((b) => !(b.kind === 'assign' && b.value?.type === 'none'));
    const imports = meaningful.filter((b) => b.kind === 'import');
    if (imports.length && imports.length === meaningful.length) return imports[0].imported;
    if (meaningful.length === 1 && depth < 8) {
      const b = meaningful[0];
      if (b.kind === 'assign' && b.value && (b.value.type === 'identifier' || b.value.type === 'attribute')) {
        return this.resolveExpression(b.value, b.scope, depth + 1);
      }
    }
    return undefined;
  }

  /**
   * Qualified name of a name or attribute chain: `pk.load` -> `pickle.load`,
   * `StandardScaler().fit` -> `sklearn.preprocessing.StandardScaler().fit`.
   */
  resolveExpression(node: Node, scope: Scope, depth = 0): string | undefined {
    const type = node.type;
    const text = type === 'identifier' || type === 'attribute' ? node.text : undefined;
    if (text !== undefined && DOTTED.test(text)) return this.resolveDotted(text, scope, depth);
    if (node.type === 'attribute') {
      const object = node.childForFieldName('object');
      const attr = node.childForFieldName('attribute');
      if (!object || !attr) return undefined;
      const base = this.resolveExpression(object, scope, depth);
      return base === undefined ? undefined : `${base}.${attr.text}`;
    }
    if (node.type === 'call') {
      const func = node.childForFieldName('function');
      const base = func ? this.resolveExpression(func, scope, depth) : undefined;
      return base === undefined ? undefined : `${base}()`;
    }
    if (node.type === 'parenthesized_expression') {
      const inner = node.namedChildren[0];
      return inner ? this.resolveExpression(inner, scope, depth) : undefined;
    }
    return undefined;
  }

  private resolveDotted(text: string, scope: Scope, depth = 0): string | undefined {
    const dot = text.indexOf('.');
    const head = dot < 0 ? text : text.slice(0, dot);
    const base = this.resolveName(head, scope, depth);
    return base === undefined ? undefined : dot < 0 ? base : canonicalModule(base + text.slice(dot));
  }

  /** `resolveExpression` of a call's callee, from its shape when that settles it (no trip into the wasm heap). */
  private resolveCallee(site: CallSite): string | undefined {
    const { text } = site.calleeShape;
    if (text !== undefined && DOTTED.test(text)) return this.resolveDotted(text, site.scope);
    return this.resolveExpression(site.func, site.scope);
  }

  /** Calls whose callee resolves to one of `names` (fully qualified), in document order. */
  callsTo(...names: string[]): CallSite[] {
    if (!this.callsByCallee) {
      this.callsByCallee = new Map();
      for (const c of this.calls) {
        if (c.callee === undefined) continue;
        const list = this.callsByCallee.get(c.callee);
        if (list) list.push(c);
        else this.callsByCallee.set(c.callee, [c]);
      }
    }
    if (names.length === 1) return this.callsByCallee.get(names[0]) ?? [];
    const out: CallSite[] = [];
    for (const n of names) out.push(...(this.callsByCallee.get(n) ?? []));
    return out.sort((a, b) => a.node.startIndex - b.node.startIndex);
  }

  /** Calls whose callee starts with a prefix such as `torch.` */
  callsUnder(prefix: string): CallSite[] {
    return this.calls.filter((c) => c.callee?.startsWith(prefix));
  }

  /**
   * The constant an expression evaluates to when that is known statically: a literal,
   * or a name bound exactly once (in the visible scope) to a literal.
   */
  constantValue(node: Node | undefined, scope?: Scope, depth = 0): ConstValue | undefined {
    if (!node) return undefined;
    switch (node.type) {
      case 'true':
        return { kind: 'bool', value: true };
      case 'false':
        return { kind: 'bool', value: false };
      case 'none':
        return { kind: 'none' };
      case 'integer':
      case 'float': {
        const value = Number(node.text.replace(/_/g, ''));
        return Number.isFinite(value) ? { kind: 'number', value, text: node.text } : undefined;
      }
      case 'unary_operator': {
        const operand = this.constantValue(node.childForFieldName('argument') ?? undefined, scope, depth);
        if (operand?.kind === 'number' && node.text.trimStart().startsWith('-'))
          return { kind: 'number', value: -operand.value, text: node.text };
        return undefined;
      }
      case 'string': {
        if (node.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
        const content = node.namedChildren.filter((c) => c?.type === 'string_content').map((c) => c!.text).join('');
        return { kind: 'string', value: content };
      }
      case 'parenthesized_expression':
        return this.constantValue(node.namedChildren[0] ?? undefined, scope, depth);
      case 'identifier': {
        if (depth > 8) return undefined;
        const bindings = this.lookup(node.text, scope ?? this.scopeAt(node.startIndex));
        if (bindings?.length !== 1) return undefined;
        const b = bindings[0];
        if (b.kind !== 'assign' || !b.value) return undefined;
        return this.constantValue(b.value, b.scope, depth + 1);
      }
      default:
        return undefined;
    }
  }

  /** The call site of a `call` node (for calls nested in arguments or assigned to names). */
  callSiteOf(node: Node): CallSite | undefined {
    if (!this.callsByStart) {
      // Keyed by start offset (a plain property) and told apart by node id: reading every
      // call's end offset would cross into the wasm heap once per call of the file.
      this.callsByStart = new Map();
      for (const c of this.calls) {
        const list = this.callsByStart.get(c.node.startIndex);
        if (list) list.push(c);
        else this.callsByStart.set(c.node.startIndex, [c]);
      }
    }
    return this.callsByStart.get(node.startIndex)?.find((c) => c.node.id === node.id);
  }

  /**
   * The binding of an identifier that reaches a use of it: the only binding when there is
   * one; otherwise, when the use sits directly in the scope that binds the name, the last
   * binding before the use in document order (`m = Net(); m = m.to(dev); use(m)` gives
   * the second). A straight-line approximation: branches and loops are not followed, so
   * callers treat the answer as the likely origin, not a proof. Undefined when the name
   * is unbound, or bound several times in an enclosing function or module scope.
   */
  reachingBinding(node: Node, scope: Scope = this.scopeAt(node.startIndex)): Binding | undefined {
    const bindings = this.lookup(node.text, scope);
    if (!bindings?.length) return undefined;
    if (bindings.length === 1) return bindings[0];
    // The nearest scope of the use that is not a comprehension or lambda (those see their parent's names).
    let own: Scope | undefined = scope;
    while (own && (own.kind === 'comprehension' || own.kind === 'lambda') && !own.bindings.has(node.text)) own = own.parent;
    if (own !== bindings[0].scope) return undefined;
    const at = node.startIndex;
    let best: Binding | undefined;
    for (const b of bindings) {
      if (b.start >= at) continue;
      // `x = f(x)`: the use inside the value reads the earlier binding, not this one.
      const statement = b.node.parent;
      if (b.kind === 'assign' && statement?.type === 'assignment' && statement.startIndex <= at && at < statement.endIndex) continue;
      if (!best || b.start > best.start) best = b;
    }
    return best;
  }

  /** The default value of a parameter binding (`def f(x=False)` -> the `False` node). */
  parameterDefault(binding: Binding): Node | undefined {
    if (binding.kind !== 'param') return undefined;
    const parent = binding.node.parent;
    if (parent?.type !== 'default_parameter' && parent?.type !== 'typed_default_parameter') return undefined;
    return parent.childForFieldName('value') ?? undefined;
  }

  /**
   * `constantValue`, and where that is unknown because the expression is a parameter with
   * a constant default, that default with `fromDefault` naming the parameter
   * (`def load(p, weights_only=False): torch.load(p, weights_only=weights_only)`). A
   * caller may pass another value, so rules word such findings as "defaults to".
   */
  constantOrDefault(node: Node | undefined, scope?: Scope): { value: ConstValue; fromDefault?: Binding } | undefined {
    if (!node) return undefined;
    const value = this.constantValue(node, scope);
    if (value) return { value };
    if (node.type !== 'identifier') return undefined;
    const bindings = this.lookup(node.text, scope ?? this.scopeAt(node.startIndex));
    if (bindings?.length !== 1 || bindings[0].kind !== 'param') return undefined;
    const def = this.parameterDefault(bindings[0]);
    const fromDefault = def ? this.constantValue(def, bindings[0].scope.parent) : undefined;
    return fromDefault ? { value: fromDefault, fromDefault: bindings[0] } : undefined;
  }
}

/** Builtins a call can reach without an import. */
const BUILTINS = new Set([
  'open', 'eval', 'exec', 'compile', '__import__', 'getattr', 'setattr', 'print', 'input', 'range', 'len',
  'hash', 'id', 'iter', 'next', 'sorted', 'reversed', 'zip', 'map', 'filter', 'sum', 'min', 'max', 'abs',
  'round', 'int', 'float', 'str', 'bool', 'list', 'dict', 'set', 'tuple', 'frozenset', 'bytes', 'bytearray',
  'type', 'isinstance', 'issubclass', 'super', 'object', 'enumerate', 'any', 'all', 'vars', 'globals',
  'locals', 'dir', 'repr', 'format', 'ord', 'chr', 'hex', 'oct', 'bin', 'pow', 'divmod', 'callable',
]);

/** Names commonly pulled in with `from m import *` in ML code. */
const KNOWN_STAR_EXPORTS: Record<string, Set<string>> = {
  pickle: new Set(['load', 'loads', 'dump', 'dumps', 'Unpickler', 'Pickler']),
  joblib: new Set(['load', 'dump']),
  torch: new Set(['load', 'save']),
};
