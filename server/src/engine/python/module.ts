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
import type { Node, Point, Query, QueryCapture, Tree } from 'web-tree-sitter';
import type { GrammarParser } from '../parser';

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
    /** Moved (with `end`) only when an edit before it lets the next version reuse this scope. */
    public start: number,
    public end: number,
    /** Reassigned only when an edit reuses this scope in the next version of the module. */
    public parent: Scope | undefined,
    /** Reassigned only when an edit reuses this scope in the next version of the module. */
    public node: Node | undefined,
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

/** The callee expression's node type, and its text when a name or attribute: all that name resolution reads of it first. */
export interface CalleeShape {
  readonly type: string;
  readonly text?: string;
}

export class CallSite {
  private argCache?: { positional: Node[]; keywords: Map<string, Node>; splat: boolean; keywordSplat: boolean };
  private argumentListNode: Node | null | undefined;
  constructor(
    readonly node: Node,
    readonly func: Node,
    /** The `arguments` field; undefined: looked up on first use (most calls are never asked). */
    argumentList: Node | null | undefined,
    readonly scope: Scope,
    /** Resolved fully qualified name of the callee, e.g. `torch.load`; undefined for locals. Set by the module that indexes the call. */
    public callee: string | undefined,
    private shape?: CalleeShape,
    private endOffset?: number,
  ) {
    this.argumentListNode = argumentList;
  }

  /** `node.endIndex`, read once (each read crosses into the wasm heap) and carried to the next version like `calleeShape`. */
  get end(): number {
    this.endOffset ??= this.node.endIndex;
    return this.endOffset;
  }

  /** The end offset if it was read already. */
  get knownEnd(): number | undefined {
    return this.endOffset;
  }

  /** Read once per call and carried to the next version of the module while the call's statement is unchanged. */
  get calleeShape(): CalleeShape {
    if (!this.shape) {
      const type = this.func.type;
      this.shape = type === 'identifier' || type === 'attribute' ? { type, text: this.func.text } : { type };
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

/** A call seen by the index, resolved once every binding is known. */
interface PendingCall {
  node: Node;
  func?: Node;
  scope: Scope;
  /** What the previous version read of the callee (its text does not change with the edit). */
  shape?: CalleeShape;
  /** The call's end offset, when the previous version read it (moved with the edit). */
  end?: number;
}

/** How the next version takes over one statement: the previous one's index, moved by `delta` offsets and `rows` lines. */
interface Reuse {
  old: number;
  delta: number;
  rows: number;
}

/** What a module's index holds for one top-level statement. */
interface StatementGroup {
  statement: Node;
  scopes: Scope[];
  moduleBindings: Binding[];
  imports: Binding[];
  importSites: Array<{ root?: string; star?: string; at: number }>;
  assignments: Node[];
  indexed: Array<[IndexedNodeType, Node]>;
  calls: CallSite[];
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
   * nodes `rootNode.descendantsOfType('assignment')` returns, collected by the index query
   * already. Use this: each `descendantsOfType` over a large file walks the whole tree again.
   */
  readonly assignments: Node[] = [];
  private readonly indexedNodes = new Map<IndexedNodeType, Node[]>();
  private topLevelStatements?: Node[];
  private callsByCallee?: Map<string, CallSite[]>;
  private callsByStart?: Map<number, CallSite[]>;
  private readonly importedRoots = new Set<string>();
  /** Where each imported root and star import was seen: what an edit's reused prefix keeps. */
  private readonly importSites: Array<{ root?: string; star?: string; at: number }> = [];
  /**
   * How the index was built: `reused` top-level statements were taken over from the
   * previous version of the module, the rest indexed again (see `parse`).
   */
  readonly indexStats = { statements: 0, reused: 0 };

  constructor(
    readonly tree: Tree,
    readonly source: string,
    query: Query,
    previous?: PythonModule,
  ) {
    const root = tree.rootNode;
    this.moduleScope = new Scope('module', 0, Number.MAX_SAFE_INTEGER, undefined, root);
    this.scopes.push(this.moduleScope);
    const pendingCalls: PendingCall[] = [];
    if (root.hasError || !previous) {
      // A first parse: one query over everything (as fast as one per statement on large
      // files, faster on files of many small statements). With syntax errors, recovery may
      // leave nodes directly under the root, outside any statement.
      this.indexCaptures(query.captures(root), pendingCalls);
    } else {
      // One query per top-level statement that cannot be taken over: the unit an edit lets
      // the next version reuse.
      const reuse = this.planReuse(previous);
      const old = reuse?.some(Boolean) ? previous.statementGroups() : undefined;
      this.topLevel.forEach((statement, j) => {
        const r = reuse?.[j];
        if (r && old) this.adoptStatement(old[r.old], r.delta, r.rows, statement, pendingCalls);
        else this.indexCaptures(query.captures(statement), pendingCalls);
      });
    }
    // Resolved after every binding is known: an alias bound later in the file
    // (`load = pickle.load` below a function that calls `load`) must be seen first.
    for (const c of pendingCalls) {
      const func = c.func ?? c.node.childForFieldName('function') ?? c.node;
      const site = new CallSite(c.node, func, undefined, c.scope, undefined, c.shape, c.end);
      site.callee = this.resolveCallee(site);
      this.calls.push(site);
    }
  }

  /**
   * Parses and indexes `source`. While typing, pass the previous version's tree (already
   * edited with `tree.edit`) and module: tree-sitter then reuses unchanged subtrees, and
   * the index takes over what it knew of every top-level statement whose subtree
   * tree-sitter reused, querying only the others. `previous` must not be used afterwards:
   * its reused parts now belong to this module and its tree.
   */
  static parse(grammar: GrammarParser, source: string, oldTree?: Tree, previous?: PythonModule): PythonModule {
    const tree = grammar.parser.parse(source, oldTree ?? null);
    if (!tree) throw new Error('tree-sitter returned no tree');
    const reusable = oldTree && previous?.tree === oldTree && !previous.consumed ? previous : undefined;
    return new PythonModule(tree, source, grammar.query(INDEX_QUERY), reusable);
  }

  /** Set once a newer version took over (part of) this module's index. */
  private consumed = false;
  /** End offsets of the top-level statements, read once (each crosses into the wasm heap). */
  private statementEnds?: number[];

  private endsOfStatements(): number[] {
    this.statementEnds ??= this.topLevel.map((n) => n.endIndex);
    return this.statementEnds;
  }

  /**
   * Which top-level statements of the new tree keep their index from `previous`: those
   * with the same text as a statement of the unchanged head or tail of the file whose
   * subtree tree-sitter reused (the same node id below the statement, so every node the
   * index holds is a node of the new tree, at an offset that moved with the edit). The
   * rest is queried again, a range at a time. A whole-tree query costs about 40 ms on a
   * 5,000-line file in web-tree-sitter (the walk alone, even with nothing to match), and
   * tree-sitter-python's incremental parse reuses about half of the statements.
   */
  private planReuse(previous: PythonModule): Array<Reuse | undefined> | undefined {
    // Whatever happens below, `previous` may hand nodes to this tree: never reuse it twice
    // (a lint whose result was dropped would leave them pointing at a deleted tree).
    previous.consumed = true;
    const now = this.topLevel;
    this.indexStats.statements = now.length;
    if (previous.tree.rootNode.hasError || previous.moduleScope.globals.size) return undefined;
    const was = previous.topLevel;
    const wasEnds = previous.endsOfStatements();
    const nowEnds = this.endsOfStatements();
    const same = (i: number, j: number) =>
      wasEnds[i] - was[i].startIndex === nowEnds[j] - now[j].startIndex &&
      previous.source.slice(was[i].startIndex, wasEnds[i]) === this.source.slice(now[j].startIndex, nowEnds[j]);
    let head = 0;
    while (head < was.length && head < now.length && was[head].startIndex === now[head].startIndex && same(head, head)) head++;
    let tail = 0;
    while (tail < was.length - head && tail < now.length - head && same(was.length - 1 - tail, now.length - 1 - tail)) tail++;
    return now.map((b, j) => {
      const i = j < head ? j : j >= now.length - tail ? j - (now.length - was.length) : -1;
      const a = i >= 0 ? was[i] : undefined;
      const reused =
        a !== undefined &&
        a.startPosition.column === b.startPosition.column &&
        a.typeId === b.typeId &&
        a.childCount === b.childCount &&
        (a.childCount === 0 || a.child(0)?.id === b.child(0)?.id);
      if (!reused) return undefined;
      this.indexStats.reused++;
      return { old: i, delta: b.startIndex - a.startIndex, rows: b.startPosition.row - a.startPosition.row };
    });
  }

  /** What this module's index holds, per top-level statement (for the next version to take over). */
  private statementGroups(): StatementGroup[] {
    const statements = this.topLevel;
    const starts = statements.map((n) => n.startIndex);
    const groups: StatementGroup[] = statements.map((statement) => ({
      statement,
      scopes: [],
      moduleBindings: [],
      imports: [],
      importSites: [],
      assignments: [],
      indexed: [],
      calls: [],
    }));
    // The statement holding an offset: the last one starting at or before it.
    const at = (offset: number): StatementGroup | undefined => {
      let lo = 0;
      let hi = starts.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid] <= offset) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return found < 0 ? undefined : groups[found];
    };
    for (const s of this.scopes) if (s !== this.moduleScope) at(s.start)?.scopes.push(s);
    for (const list of this.moduleScope.bindings.values()) for (const b of list) at(b.start)?.moduleBindings.push(b);
    for (const b of this.imports) at(b.start)?.imports.push(b);
    for (const site of this.importSites) at(site.at)?.importSites.push(site);
    for (const a of this.assignments) at(a.startIndex)?.assignments.push(a);
    for (const [type, nodes] of this.indexedNodes) for (const n of nodes) at(n.startIndex)?.indexed.push([type, n]);
    for (const c of this.calls) at(c.node.startIndex)?.calls.push(c);
    return groups;
  }

  /**
   * Takes over one unchanged statement's index from the previous version: its nodes move
   * to the new tree (and by `delta` offsets and `rows` lines when the edit came before it),
   * its scopes hang under this module's scope, its module-level bindings bind here.
   */
  private adoptStatement(group: StatementGroup, delta: number, rows: number, statement: Node, pendingCalls: PendingCall[]): void {
    const tree = this.tree;
    const oldStatementId = group.statement.id;
    const adopt = <T extends Node | undefined>(n: T): T => {
      // Already moved (a node the index holds in two places).
      if (!n || n.tree === tree) return n;
      // The statement itself sits in the new root's child list: its node object is new.
      if (n.id === oldStatementId && n.startIndex + delta === statement.startIndex) return statement as T;
      n.tree = tree;
      if (delta) {
        n.startIndex += delta;
        n.startPosition = { row: n.startPosition.row + rows, column: n.startPosition.column };
      }
      return n;
    };
    const shift = (b: Binding) => {
      (b as { start: number }).start += delta;
      adopt(b.node);
      adopt(b.value);
    };
    for (const s of group.scopes) {
      s.start += delta;
      s.end += delta;
      s.node = adopt(s.node);
      if (s.parent?.kind === 'module') {
        s.parent = this.moduleScope;
        this.moduleScope.children.push(s);
      }
      for (const list of s.bindings.values()) for (const b of list) shift(b);
      this.scopes.push(s);
    }
    const rebound = new Map<Binding, Binding>();
    for (const b of group.moduleBindings) {
      const copy: Binding = { ...b, start: b.start + delta, node: adopt(b.node), value: adopt(b.value), scope: this.moduleScope };
      rebound.set(b, copy);
      this.moduleScope.addBinding(copy);
    }
    for (const b of group.imports) this.imports.push(rebound.get(b) ?? b);
    for (const site of group.importSites) {
      this.importSites.push({ ...site, at: site.at + delta });
      if (site.root !== undefined) this.importedRoots.add(site.root);
      if (site.star !== undefined) this.starImports.push(site.star);
    }
    for (const a of group.assignments) this.assignments.push(adopt(a));
    for (const [type, n] of group.indexed) {
      const list = this.indexedNodes.get(type);
      if (list) list.push(adopt(n));
      else this.indexedNodes.set(type, [adopt(n)]);
    }
    for (const c of group.calls)
      pendingCalls.push({
        node: adopt(c.node),
        func: adopt(c.func),
        scope: c.scope.kind === 'module' ? this.moduleScope : c.scope,
        shape: c.calleeShape,
        end: c.knownEnd === undefined ? undefined : c.knownEnd + delta,
      });
  }

  /** Indexes query captures, in document order. */
  private indexCaptures(captures: QueryCapture[], pendingCalls: PendingCall[]): void {
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
        this.assignments.push(node);
        continue;
      }
      if (name.startsWith('node.')) {
        const type = name.slice(5) as IndexedNodeType;
        const list = this.indexedNodes.get(type);
        if (list) list.push(node);
        else this.indexedNodes.set(type, [node]);
        continue;
      }
      if (name.startsWith('scope.')) {
        const parent = scopeAt(start);
        const scope = new Scope(name.slice(6) as ScopeKind, start, node.endIndex, parent, node);
        this.scopes.push(scope);
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
          (scope.parent ?? scope).addBinding({
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
          target.addBinding({ name: node.text, kind: 'walrus', node, scope: target, start });
          break;
        }
        case 'global':
          for (const id of node.namedChildren) if (id?.type === 'identifier') scope.globals.add(id.text);
          break;
        case 'nonlocal':
          break;
        case 'call':
          pendingCalls.push({ node, scope });
          break;
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
          this.addImportedRoot(dotted.split('.')[0], item.startIndex);
        }
      }
      return;
    }
    const moduleNode = node.childForFieldName('module_name');
    if (!moduleNode) return;
    // Relative imports name the project's own modules: they never resolve to a library.
    const relative = moduleNode.type === 'relative_import';
    const moduleName = relative ? '.' + moduleNode.text.replace(/^\.+/, '') : moduleNode.text;
    if (!relative) this.addImportedRoot(moduleName.split('.')[0], node.startIndex);
    for (const child of node.namedChildren) {
      if (!child || child === moduleNode || child.equals(moduleNode)) continue;
      if (child.type === 'wildcard_import') {
        if (!relative) {
          this.starImports.push(canonicalModule(moduleName));
          this.importSites.push({ star: canonicalModule(moduleName), at: node.startIndex });
        }
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
    scope.addBinding(binding);
    this.imports.push(binding);
    this.addImportedRoot(imported.replace(/^\./, '').split('.')[0], node.startIndex);
  }

  private addImportedRoot(root: string, at: number): void {
    this.importedRoots.add(root);
    this.importSites.push({ root, at });
  }

  private bindParameter(p: Node, scope: Scope): void {
    switch (p.type) {
      case 'identifier':
        scope.addBinding({ name: p.text, kind: 'param', node: p, scope, start: p.startIndex });
        return;
      case 'default_parameter':
      case 'typed_default_parameter': {
        const n = p.childForFieldName('name');
        if (n?.type === 'identifier') scope.addBinding({ name: n.text, kind: 'param', node: n, scope, start: n.startIndex });
        return;
      }
      case 'typed_parameter':
      case 'list_splat_pattern':
      case 'dictionary_splat_pattern': {
        const n = p.namedChildren.find((c) => c?.type === 'identifier');
        if (n) scope.addBinding({ name: n.text, kind: 'param', node: n, scope, start: n.startIndex });
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
        bindIn.addBinding({ name: target.text, kind, node: target, scope: bindIn, start: target.startIndex, value });
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
    return this.tree.rootNode.hasError;
  }

  /** Where the module's text ends (the root node's end). */
  get endPosition(): Point {
    return this.tree.rootNode.endPosition;
  }

  /** The smallest node spanning `start`..`end` (offsets in UTF-16 code units). */
  descendantForIndex(start: number, end = start): Node | null {
    return this.tree.rootNode.descendantForIndex(start, end);
  }

  /** The smallest node spanning a position. */
  descendantForPosition(at: Point): Node | null {
    return this.tree.rootNode.descendantForPosition(at);
  }

  /**
   * Every node of a type, walking the whole module: slow on large files (16-24 ms per
   * walk on 5,000 lines); prefer `nodesOfType` where the index has the type.
   */
  descendantsOfType(type: string): Node[] {
    return this.tree.rootNode.descendantsOfType(type).filter((n): n is Node => n !== null);
  }

  /** The module's top-level statements (and comments), in order: `rootNode.namedChildren`, marshalled once. */
  get topLevel(): readonly Node[] {
    this.topLevelStatements ??= this.tree.rootNode.namedChildren.filter((n): n is Node => n !== null);
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
