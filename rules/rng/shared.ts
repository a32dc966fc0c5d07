/**
 * What the RNG rules share: how findings about unseeded generators are worded, and the
 * fixes ("Add seeding", "Add random_state", a seed for a generator constructor).
 * The analysis itself lives in server/src/engine/python/seeding.ts.
 */
import type { Node } from 'web-tree-sitter';
import type { Fix, Position, Range, RelatedLocation, TextEdit } from '../../protocol/findings';
import { nodeRange } from '../../server/src/engine/lint';
import { setKeywordEdits } from '../../server/src/engine/python/fixes';
import type { CallSite, PythonModule, Scope } from '../../server/src/engine/python/module';
import {
  RNG_NAMES,
  RNG_SHORT,
  calledName,
  executionScope,
  seedingOf,
  unseededUses,
  type RngLib,
  type SeedEvent,
  type SeedingAnalysis,
  type UnseededGroup,
} from '../../server/src/engine/python/seeding';
import type { PythonContext } from '../../server/src/engine/rule';

export const line = (n: Node): number => n.startPosition.row + 1;

/** `np.random.seed(0) at line 3`: the call that seeds (a helper call for helpers the file cannot see into). */
export function seedText(e: SeedEvent): string {
  return `${short(e.call.node.text)} at line ${line(e.call.node)}`;
}

/** A call's text on one line, shortened. */
export function short(text: string, max = 60): string {
  const one = text.replace(/\s*\n\s*/g, ' ');
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

export function joinWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function lineList(lines: number[]): string {
  const shown = lines.slice(0, 8).join(', ');
  return lines.length > 8 ? `${shown}, …` : shown;
}

/** How the seed call for a library reads in messages. */
export const SEED_CALL: Record<RngLib, string> = {
  python: 'random.seed(SEED)',
  numpy: 'np.random.seed(SEED)',
  torch: 'torch.manual_seed(SEED)',
  cuda: 'torch.manual_seed(SEED)',
  tensorflow: 'tf.random.set_seed(SEED)',
};

/** The name of the function a call sits in, for "in load_data, which nothing in this file calls". */
function enclosingFunctionName(scope: Scope): string | undefined {
  const fn = executionScope(scope);
  if (fn.kind === 'lambda') return 'a lambda';
  const name = fn.node?.childForFieldName('name')?.text;
  const cls = fn.parent?.kind === 'class' ? fn.parent.node?.childForFieldName('name')?.text : undefined;
  return name && cls ? `${cls}.${name}` : name;
}

/** Where a use runs, when that is not plain module-level code. */
export function contextText(g: UnseededGroup): string {
  const s = g.state;
  if (!s.executed) {
    const fn = enclosingFunctionName(g.first.call.scope);
    if (!fn) return '';
    // Called from another function of the file that itself never runs from module level
    // (`mp.spawn(main)` runs main, main calls load_train_objs): say so, not "nothing calls it".
    return g.calledInFile ? ` (in ${fn}, which the file's own execution never reaches)` : ` (in ${fn}, which nothing in this file calls)`;
  }
  if (s.entry && s.entry !== g.first.call) return ` (run by ${short(s.entry.node.text, 40)} at line ${line(s.entry.node)})`;
  return '';
}

/** The message of a per-library finding (RNG001, RNG002, RNG004, RNG005). */
export function unseededMessage(g: UnseededGroup, advice: string): string {
  const { first } = g;
  const head = `${first.what} ${first.how} ${RNG_NAMES[g.lib]}`;
  let msg: string;
  if (g.later.length && g.state.executed) {
    const e = g.later[0];
    msg = `${head} before anything seeds it${contextText(g)}: ${seedText(e)} runs only after this use, so the first draws differ on every run; ${advice}, before the first use`;
  } else {
    msg = `${head}, which nothing in this file seeds${contextText(g)}, so every run draws different numbers; ${advice}`;
  }
  if (g.others.length) {
    const lines = [...new Set(g.others.map((u) => line(u.call.node)))];
    msg += ` (${g.others.length} more unseeded use${g.others.length === 1 ? '' : 's'}: line${lines.length === 1 ? '' : 's'} ${lineList(lines)})`;
  }
  return msg;
}

/** Related locations of a group: the other unseeded uses and any seed that runs too late. */
export function groupRelated(g: UnseededGroup): RelatedLocation[] {
  const out: RelatedLocation[] = [];
  for (const u of g.others.slice(0, 20)) out.push({ range: nodeRange(u.call.node), message: `also unseeded: ${short(u.call.node.text)}` });
  if (g.state.executed) for (const e of g.later.slice(0, 3)) out.push({ range: nodeRange(e.call.node), message: `seeds ${RNG_SHORT[g.lib]} only after the first use` });
  for (const e of g.seededOthers.slice(0, 3)) out.push({ range: nodeRange(e.call.node), message: `seeds ${joinWords(libsOfCall(g, e))} but not ${RNG_SHORT[g.lib]}` });
  return out;
}

function libsOfCall(g: UnseededGroup, e: SeedEvent): string[] {
  const libs = g.seededOthers.filter((o) => o.call === e.call).map((o) => o.lib);
  const all = [...g.state.seeded.values()].filter((o) => o.call === e.call).map((o) => o.lib);
  return [...new Set([...libs, ...all])].filter((l) => !(l === 'cuda' && all.includes('torch'))).map((l) => RNG_SHORT[l]);
}

// ---------------------------------------------------------------------------------------
// Fixes.

const point = (line: number, character: number): Range => ({ start: { line, character }, end: { line, character } });

/** Module-level names that hold a seed. */
const SEED_CONSTANT = /^(?:(?:GLOBAL_|RANDOM_|RNG_|DEFAULT_)?SEED(?:_VALUE)?|RANDOM_STATE|seed|random_seed|random_state|SEED_NUMBER)$/;

/** A module-level constant seed (`SEED = 42`): the binding, its statement and its value's text. */
export function seedConstant(m: PythonModule): { name: string; statement: Node; value: string } | undefined {
  for (const [name, bindings] of m.moduleScope.bindings) {
    if (!SEED_CONSTANT.test(name) || bindings.length !== 1 || bindings[0].kind !== 'assign' || !bindings[0].value) continue;
    const v = m.constantValue(bindings[0].value, m.moduleScope);
    if (v?.kind !== 'number' || !Number.isInteger(v.value)) continue;
    return { name, statement: statementOf(bindings[0].node), value: bindings[0].value.text };
  }
  return undefined;
}

/** The statement (a direct child of a block or the module) that contains a node. */
export function statementOf(node: Node): Node {
  let n = node;
  while (n.parent && n.parent.type !== 'block' && n.parent.type !== 'module') n = n.parent;
  return n;
}

/** The statement directly in a scope's body (the module, or a function's block) that contains a node. */
export function topStatementIn(node: Node, scope: Scope): Node | undefined {
  // The module is parsed in chunks (one tree each): its statements sit under a chunk's root.
  if (scope.kind === 'module') {
    let n = node;
    while (n.parent && n.parent.type !== 'module') n = n.parent;
    return n.parent ? n : undefined;
  }
  const body = scope.node?.childForFieldName('body');
  if (!body) return undefined;
  let n: Node | null = node;
  while (n && n.parent && n.parent.startIndex !== body.startIndex) n = n.parent;
  return n && n.parent ? n : undefined;
}

/** The value to seed a call with: a seed variable in scope (parameter, local or module constant), else 0. */
export function seedValueAt(m: PythonModule, call: CallSite): string {
  const names = new Set(['seed', 'random_state', 'random_seed', 'rng_seed']);
  for (const [name] of m.moduleScope.bindings) if (SEED_CONSTANT.test(name)) names.add(name);
  for (let s: Scope | undefined = call.scope; s; s = s.parent) for (const [name] of s.bindings) if (SEED_CONSTANT.test(name)) names.add(name);
  for (const name of names) {
    const b = m.lookup(name, call.scope);
    if (b?.length !== 1) continue;
    const binding = b[0];
    if (binding.kind === 'param') return name;
    if (binding.kind !== 'assign' || !binding.value) continue;
    const v = m.constantValue(binding.value, binding.scope);
    if (v?.kind !== 'number' || !Number.isInteger(v.value)) continue;
    // Bound before the call runs: earlier in the same scope, or at module level for a call in a function.
    const sameScope = executionScope(call.scope) === executionScope(binding.scope);
    if (sameScope ? binding.start < call.node.startIndex : binding.scope === m.moduleScope) return name;
  }
  return '0';
}

/** "Add random_state=0": sets a keyword argument (replacing `None`, else adding it last), with the engine's shared edit. */
export function setKeywordFix(source: string, call: CallSite, keyword: string, value: string, title: string): Fix | undefined {
  const edits = setKeywordEdits(source, call, keyword, value);
  return edits ? { title, safety: 'safe', edits } : undefined;
}

/** Passes a seed as the first argument of a generator constructor (`default_rng()` -> `default_rng(SEED)`). */
export function seedArgumentFix(m: PythonModule, call: CallSite, seedNode: Node | undefined): Fix | undefined {
  const value = seedValueAt(m, call);
  const title = `Seed it with ${value}`;
  if (seedNode) return { title, safety: 'safe', edits: [{ range: nodeRange(seedNode), newText: value }] };
  const list = call.argumentList;
  if (list?.type !== 'argument_list' || call.positional.length || call.keywordNames.length || call.hasSplat) return undefined;
  const open = list.firstChild!;
  return { title, safety: 'safe', edits: [{ range: point(open.endPosition.row, open.endPosition.column), newText: value }] };
}

// --- Add seeding -------------------------------------------------------------------------

/** The modules whose seed calls the fix writes, and the name each is imported as by default. */
const LIB_MODULE: Record<RngLib, { module: string; name: string; fallback: string; import: (n: string) => string }> = {
  python: { module: 'random', name: 'random', fallback: 'py_random', import: (n) => (n === 'random' ? 'import random' : `import random as ${n}`) },
  numpy: { module: 'numpy', name: 'np', fallback: 'numpy_', import: (n) => `import numpy as ${n}` },
  torch: { module: 'torch', name: 'torch', fallback: 'torch_', import: (n) => (n === 'torch' ? 'import torch' : `import torch as ${n}`) },
  cuda: { module: 'torch', name: 'torch', fallback: 'torch_', import: (n) => (n === 'torch' ? 'import torch' : `import torch as ${n}`) },
  tensorflow: { module: 'tensorflow', name: 'tf', fallback: 'tensorflow_', import: (n) => `import tensorflow as ${n}` },
};

/** Statements that may precede the seed block at module top: docstring, imports, path and warning setup. */
function isPreamble(m: PythonModule, s: Node): boolean {
  switch (s.type) {
    case 'comment':
    case 'import_statement':
    case 'import_from_statement':
    case 'future_import_statement':
      return true;
    case 'expression_statement': {
      const e = s.namedChildren[0];
      if (!e) return false;
      if (e.type === 'string') return true;
      if (e.type === 'call') {
        const f = e.childForFieldName('function');
        const name = f ? m.resolveExpression(f, m.moduleScope) : undefined;
        return !!name && /^(sys\.path\.|warnings\.|matplotlib\.use$|os\.environ\.)/.test(name);
      }
      if (e.type === 'assignment') {
        const left = e.childForFieldName('left');
        const obj = left?.type === 'subscript' ? left.childForFieldName('value') : undefined;
        return !!obj && m.resolveExpression(obj, m.moduleScope) === 'os.environ';
      }
      return false;
    }
    case 'try_statement':
    case 'if_statement':
      // `try: import torch / except ImportError: torch = None`
      return s.descendantsOfType(['call']).length === 0 && s.descendantsOfType(['import_statement', 'import_from_statement']).length > 0;
    default:
      return false;
  }
}

/** The last statement of the module's preamble, after which imports and the seed block go. */
function preambleEnd(m: PythonModule): Node | undefined {
  let last: Node | undefined;
  for (const s of m.topLevel) {
    if (!s) continue;
    if (!isPreamble(m, s)) break;
    if (s.type !== 'comment') last = s;
  }
  return last;
}

interface Insertion {
  /** Where the lines go (the start of a line, or the end of the file). */
  at: Position;
  indent: string;
  /** Text before the lines (a newline when inserting at the end of the file or after an inline block header). */
  lead?: string;
  /** Text after the lines, for an inline block (`if x: main()`). */
  trail?: string;
  /** The end of the replaced range, when the insertion replaces text (the space after an inline block's colon). */
  end?: Position;
  where: string;
}

function lineIndent(source: string, row: number): string {
  const text = source.split('\n')[row] ?? '';
  return /^[ \t]*/.exec(text)![0];
}

function afterStatement(m: PythonModule, s: Node, where: string): Insertion {
  const lastRow = m.endPosition.row;
  const indent = lineIndent(m.source, s.startPosition.row);
  const next = s.endPosition.row + 1;
  if (next > lastRow || (next === lastRow && m.endPosition.column === 0 && !m.source.endsWith('\n'))) {
    return { at: { line: s.endPosition.row, character: s.endPosition.column }, indent, lead: '\n', where };
  }
  return { at: { line: next, character: 0 }, indent, where };
}

/** The start of a block's body (after a docstring for functions). */
function blockStart(m: PythonModule, header: Node, block: Node, where: string, skipDocstring: boolean): Insertion | undefined {
  const statements = block.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  const first = statements[0];
  if (!first) return undefined;
  if (skipDocstring && first.type === 'expression_statement' && first.namedChildren[0]?.type === 'string') {
    const second = statements[1];
    if (!second) return afterStatement(m, first, where);
    return { at: { line: second.startPosition.row, character: 0 }, indent: lineIndent(m.source, second.startPosition.row), where };
  }
  if (first.startPosition.row === header.startPosition.row) {
    // `if __name__ == "__main__": main()`: move the body to its own lines.
    const indent = lineIndent(m.source, header.startPosition.row) + '    ';
    const colon = block.previousSibling;
    const from = colon?.type === ':' ? colon.endPosition : first.startPosition;
    return { at: { line: from.row, character: from.column }, end: { line: first.startPosition.row, character: first.startPosition.column }, indent, lead: '\n', trail: indent, where };
  }
  return { at: { line: first.startPosition.row, character: 0 }, indent: lineIndent(m.source, first.startPosition.row), where };
}

function insertionEdit(ins: Insertion, lines: string[]): TextEdit {
  const body = lines.map((l) => (l ? ins.indent + l : '')).join('\n');
  let newText: string;
  if (ins.trail !== undefined) newText = `${ins.lead ?? ''}${body}\n${ins.trail}`;
  else if (ins.lead) newText = `${ins.lead}${body}`;
  else newText = `${body}\n`;
  return { range: { start: ins.at, end: ins.end ?? ins.at }, newText };
}

interface SeedSource {
  expr: string;
  insertion: Insertion;
  /** The walk position the insertion runs at: every executed use must come later. */
  runsBefore: number;
}

const SEED_FLAGS = new Set(['--seed', '--random-seed', '--random_seed', '--rng-seed', '--rng_seed', '--manual-seed', '--manual_seed']);
const CONFIG_LOADERS = new Set([
  'yaml.safe_load', 'yaml.load', 'yaml.full_load', 'yaml.unsafe_load', 'json.load', 'json.loads', 'tomllib.load',
  'tomli.load', 'toml.load', 'omegaconf.OmegaConf.load', 'omegaconf.OmegaConf.merge',
]);

function maxSeq(a: SeedingAnalysis, m: PythonModule, s: Node): number {
  let max = -1;
  for (const c of m.calls) {
    if (c.node.startIndex < s.startIndex || c.end > s.endIndex) continue;
    const st = a.at(c);
    if (!st.executed) return Infinity;
    max = Math.max(max, st.seq);
  }
  return max;
}

/** Whether a function (transitively, one level) returns what a call named `name` gives. */
function returnsCallNamed(m: PythonModule, fn: Scope | undefined, names: (c: CallSite) => boolean): boolean {
  if (!fn?.node) return false;
  for (const r of fn.node.descendantsOfType('return_statement')) {
    const v = r?.namedChildren[0];
    const site = v?.type === 'call' ? m.callSiteOf(v) : undefined;
    if (site && names(site)) return true;
  }
  return false;
}

/** The call behind an assignment's value, or behind the local function it calls. */
function assignedFrom(m: PythonModule, a: SeedingAnalysis, value: Node | null | undefined, test: (c: CallSite) => boolean): boolean {
  if (value?.type !== 'call') return false;
  const site = m.callSiteOf(value);
  if (!site) return false;
  if (test(site)) return true;
  return a.localTargets(site).some((fn) => returnsCallNamed(m, fn, test));
}

/** A seed read from the configuration the file loads, and where it can be read. */
function configSeed(m: PythonModule, a: SeedingAnalysis): SeedSource | undefined {
  const candidates: SeedSource[] = [];
  // argparse: `parser.add_argument("--seed", ...)` and `args = parser.parse_args()`.
  let dest: string | undefined;
  for (const c of m.calls) {
    if (calledName(c.func) !== 'add_argument') continue;
    const flag = c.positional.map((p) => m.constantValue(p, c.scope)).find((v) => v?.kind === 'string' && SEED_FLAGS.has(v.value));
    if (flag?.kind !== 'string') continue;
    const d = m.constantValue(c.keyword('dest'), c.scope);
    dest = d?.kind === 'string' ? d.value : flag.value.replace(/^-+/, '').replace(/-/g, '_');
  }
  const isParse = (c: CallSite) => calledName(c.func) === 'parse_args' || calledName(c.func) === 'parse_known_args';
  const isLoader = (c: CallSite) => !!c.callee && CONFIG_LOADERS.has(c.callee);
  // An assignment counts only when its value is a `parse_args` call (with a seed flag
  // declared) or a config loader's, directly or through a function of this file: without
  // either call in the file, no assignment is taken apart.
  const anyParse = dest !== undefined && m.calls.some(isParse);
  const anyLoader = m.calls.some(isLoader);
  for (const asg of anyParse || anyLoader ? m.assignments : []) {
    let left = asg.childForFieldName('left');
    if (left?.type === 'pattern_list' || left?.type === 'tuple_pattern') left = left.namedChildren[0];
    if (left?.type !== 'identifier') continue;
    const right = asg.childForFieldName('right');
    let expr: string | undefined;
    if (dest && assignedFrom(m, a, right, isParse)) expr = `${left.text}.${dest}`;
    else if (assignedFrom(m, a, right, isLoader)) expr = existingRead(m.source, left.text) ?? `${left.text}.get("seed", 0)`;
    if (!expr) continue;
    const scope = executionScope(m.scopeAt(asg.startIndex));
    if (scope !== m.moduleScope && a.startOf(scope) === undefined) continue;
    const statement = topStatementIn(asg, scope);
    if (!statement) continue;
    candidates.push({ expr, insertion: afterStatement(m, statement, `after ${short(statementOf(asg).text, 40)}`), runsBefore: maxSeq(a, m, statement) + 1 });
  }
  // Hydra: `@hydra.main(...) def main(cfg): ...`.
  for (const d of m.nodesOfType('decorated_definition')) {
    const def = d?.childForFieldName('definition');
    if (!d || def?.type !== 'function_definition') continue;
    const isHydra = d.namedChildren.some((dec) => {
      if (dec?.type !== 'decorator') return false;
      const e = dec.namedChildren[0];
      const f = e?.type === 'call' ? e.childForFieldName('function') : e;
      return !!f && m.resolveExpression(f, m.moduleScope) === 'hydra.main';
    });
    const param = def.childForFieldName('parameters')?.namedChildren[0];
    const body = def.childForFieldName('body');
    if (!isHydra || param?.type !== 'identifier' || !body) continue;
    const fn = m.scopes.find((s) => s.kind === 'function' && s.node?.startIndex === def.startIndex);
    const start = fn ? a.startOf(fn) : undefined;
    const ins = blockStart(m, def, body, `at the start of ${def.childForFieldName('name')?.text}()`, true);
    if (start === undefined || !ins) continue;
    candidates.push({ expr: existingRead(m.source, param.text) ?? `${param.text}.get("seed", 0)`, insertion: ins, runsBefore: start });
  }
  return candidates.sort((x, y) => x.runsBefore - y.runsBefore)[0];
}

/** An expression the code already uses to read the seed from a config object. */
function existingRead(source: string, name: string): string | undefined {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`\\b${esc}(\\.seed\\b|\\[\\s*["']seed["']\\s*\\])`).exec(source);
  return m ? `${name}${m[1]}` : undefined;
}

/** Module-level names for the libraries' modules, and the import lines to add. */
function moduleNames(m: PythonModule, libs: RngLib[], preamble: Node | undefined): { names: Map<RngLib, string>; imports: string[] } {
  const names = new Map<RngLib, string>();
  const imports: string[] = [];
  const limit = preamble?.endIndex ?? 0;
  for (const lib of libs) {
    const spec = LIB_MODULE[lib];
    const existing = m.imports.find((b) => b.scope === m.moduleScope && b.start <= limit && (b.imported === spec.module || (lib === 'numpy' && b.imported === 'numpy.random') || (lib === 'tensorflow' && b.imported === 'tensorflow.random')));
    if (existing) {
      names.set(lib, existing.imported === spec.module ? existing.name : `${existing.name}#sub`);
      continue;
    }
    const planned = [...names.entries()].find(([l]) => LIB_MODULE[l].module === spec.module);
    if (planned) {
      names.set(lib, planned[1]);
      continue;
    }
    const free = (n: string) => !m.moduleScope.bindings.has(n) || m.moduleScope.bindings.get(n)!.every((b) => b.kind === 'import' && b.imported === spec.module);
    const name = free(spec.name) ? spec.name : spec.fallback;
    names.set(lib, name);
    imports.push(spec.import(name));
  }
  return { names, imports };
}

function seedLine(lib: RngLib, name: string, value: string): string {
  const sub = name.endsWith('#sub');
  const n = name.replace(/#sub$/, '');
  switch (lib) {
    case 'python':
      return `${n}.seed(${value})`;
    case 'numpy':
      return sub ? `${n}.seed(${value})` : `${n}.random.seed(${value})`;
    case 'torch':
    case 'cuda':
      return `${n}.manual_seed(${value})`;
    case 'tensorflow':
      return sub ? `${n}.set_seed(${value})` : `${n}.random.set_seed(${value})`;
  }
}

function orderLibs(libs: Iterable<RngLib>): RngLib[] {
  const set = new Set(libs);
  if (set.has('cuda') && set.has('torch')) set.delete('cuda');
  return (['python', 'numpy', 'torch', 'cuda', 'tensorflow'] as RngLib[]).filter((l) => set.has(l));
}

/**
 * "Add seeding": a seed block that seeds every library with an unseeded use in the file,
 * at the entry point: right after the configuration is loaded when the file loads one
 * (`args.seed`, `config["seed"]`, `cfg.seed`), else at the start of the `__main__` block
 * when everything unseeded runs from there, else after the imports, from a `SEED`
 * constant. Unsafe: it changes the random streams of the whole process.
 */
export function addSeedingFix(ctx: PythonContext): Fix | undefined {
  const m = ctx.module;
  const a = seedingOf(m);
  const groups = unseededUses(m).groups;
  if (!groups.length) return undefined;
  const libs = orderLibs(groups.map((g) => g.lib));
  const states = groups.flatMap((g) => [g.first, ...g.others]).map((u) => a.at(u.call));
  const executed = states.filter((s) => s.executed);
  // A use the walk does not reach (a function run by `mp.spawn(main)`, a callback) may run
  // where the __main__ block never does (a spawned child re-imports the module as
  // `__mp_main__`): only module-level code is sure to run before it.
  const someDeferred = executed.length < states.length;
  const firstSeq = Math.min(Infinity, ...executed.map((s) => s.seq));
  const preamble = preambleEnd(m);
  const { names, imports } = moduleNames(m, libs, preamble);
  const top: Insertion = preamble ? afterStatement(m, preamble, 'after the imports') : { at: { line: 0, character: 0 }, indent: '', where: 'at the top of the file' };
  const topLines = [...imports];

  const config = configSeed(m, a);
  let value: string;
  let at: Insertion;
  if (config && config.runsBefore <= firstSeq) {
    value = config.expr;
    at = config.insertion;
  } else {
    const constant = seedConstant(m);
    const anchors = executed.map((s) => statementOf(s.entry!.node));
    const inGuard = a.mainGuard && !someDeferred && anchors.every((n) => n.startIndex >= a.mainGuard!.startIndex && n.endIndex <= a.mainGuard!.endIndex);
    const guardStart = inGuard ? blockStart(m, a.mainGuard!, a.mainGuard!.childForFieldName('consequence')!, 'at the start of the __main__ block', false) : undefined;
    if (constant) {
      value = constant.name;
      if (guardStart && constant.statement.startIndex < a.mainGuard!.startIndex) at = guardStart;
      else if (!preamble || constant.statement.startIndex < preamble.startIndex) at = top;
      else if (anchors.every((n) => n.startIndex >= constant.statement.endIndex)) at = afterStatement(m, constant.statement, `after ${constant.name} = ${constant.value}`);
      else {
        value = constant.value;
        at = top;
      }
    } else {
      value = 'SEED';
      topLines.push('', 'SEED = 0');
      at = guardStart ?? top;
    }
  }
  const lines = libs.map((l) => seedLine(l, names.get(l)!, value));
  const edits: TextEdit[] = [];
  if (sameInsertion(at, top)) {
    edits.push(insertionEdit(top, [...topLines, ...(topLines.includes('SEED = 0') ? [] : ['']), ...lines]));
  } else {
    if (topLines.length) edits.push(insertionEdit(top, topLines));
    edits.push(insertionEdit(at, lines));
  }
  return { title: `Add seeding ${at.where}: ${lines.join('; ')}`, safety: 'unsafe', edits };
}

function sameInsertion(x: Insertion, y: Insertion): boolean {
  return x.at.line === y.at.line && x.at.character === y.at.character && x.indent === y.indent;
}

/** Expressions a seed call can repeat next to another without running anything twice. */
function isPlainSeed(n: Node): boolean {
  if (n.type === 'call') {
    const f = n.childForFieldName('function');
    const name = f ? calledName(f) : undefined;
    if (name !== 'int' && name !== 'get' && name !== 'getattr') return false;
  }
  return n.namedChildren.every((c) => !c || isPlainSeed(c));
}

/**
 * For partial seeding: the missing seed call, right after the call that seeds the other
 * libraries, with the same seed value (`np.random.seed(s)` -> `torch.manual_seed(s)`).
 */
export function seedNextToFix(ctx: PythonContext, g: UnseededGroup): Fix | undefined {
  const m = ctx.module;
  const ref = [...g.seededOthers].filter((e) => !e.opaque).sort((x, y) => y.seq - x.seq)[0];
  if (!ref) return undefined;
  const call = ref.call;
  const arg = call.positional[0] ?? call.keyword('seed') ?? call.keyword('a') ?? call.keyword('s');
  if (!arg || !isPlainSeed(arg)) return undefined;
  const statement = call.node.parent;
  if (statement?.type !== 'expression_statement' || statementOf(call.node).startIndex !== statement.startIndex) return undefined;
  if (m.source.split('\n')[statement.startPosition.row].slice(0, statement.startPosition.column).trim() !== '') return undefined;
  const libs = orderLibs([g.lib]);
  const preamble = preambleEnd(m);
  const { names, imports } = moduleNames(m, libs, preamble);
  const lines = libs.map((l) => seedLine(l, names.get(l)!, arg.text));
  const edits: TextEdit[] = [];
  if (imports.length) {
    const top: Insertion = preamble ? afterStatement(m, preamble, '') : { at: { line: 0, character: 0 }, indent: '', where: '' };
    edits.push(insertionEdit(top, imports));
  }
  edits.push(insertionEdit(afterStatement(m, statement, ''), lines));
  return { title: `Add ${lines.join('; ')} next to ${short(call.node.text, 40)}`, safety: 'unsafe', edits };
}

/** Both seeding fixes for a group: next to the existing seeds (partial seeding), then the full seed block. */
export function seedingFixes(ctx: PythonContext, g: UnseededGroup): Fix[] {
  const out: Fix[] = [];
  if (g.seededOthers.length) {
    const next = seedNextToFix(ctx, g);
    if (next) out.push(next);
  }
  const block = addSeedingFix(ctx);
  if (block) out.push(block);
  return out;
}

/** The findings of the per-library rules: one per library, at its first unseeded use. */
export function reportGroups(ctx: PythonContext, libs: RngLib[], advice: (g: UnseededGroup) => string): void {
  for (const g of unseededUses(ctx.module).groups) {
    if (!libs.includes(g.lib) || g.seededOthers.length) continue;
    ctx.reportNode(g.first.call.node, unseededMessage(g, advice(g)), { related: groupRelated(g), fixes: seedingFixes(ctx, g) });
  }
}
