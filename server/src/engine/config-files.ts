/**
 * A project's experiment configuration files (YAML or JSON) and the keys Python code
 * reads from them, for config drift (rule CFG005) and for the "Extract hyperparameters
 * to config" quick fix, which reuses a config the script already loads.
 *
 * Plain functions over plain data: no LSP. `configDriftFindings` is the hook the LSP
 * layer and the CLI call to put findings on the config file itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node as YamlNode, type Pair } from 'yaml';
import type { Finding, Range } from '../../../protocol/findings';
import { discoverFiles } from './files';
import { grammarParser } from './parser';
import { applySuppressions, parseSuppressions } from './suppressions';
import { PythonModule, type Binding, type CallSite, type Scope } from './python/module';

// ---------------------------------------------------------------------------------------
// Config files.

export const CONFIG_DRIFT_RULE = 'CFG005';

export interface ConfigKey {
  key: string;
  /** Range of the key in the config file. */
  range: Range;
  /** Nested keys when the value is a mapping. */
  children?: ConfigKey[];
  /** The value is something other than a mapping (a scalar, a list). */
  leaf: boolean;
}

export interface ParsedConfig {
  file: string;
  text: string;
  /** The top-level keys (undefined when the root is not a mapping or the file is invalid). */
  keys?: ConfigKey[];
  /** The plain value (aliases and merge keys resolved). */
  value?: unknown;
  /** Why the file cannot be used: a syntax error (with its range) or a root that is not a mapping. */
  error?: { kind: 'syntax' | 'shape'; message: string; range: Range };
  /** Hydra composition (`defaults:` at the root): the file alone does not list every key. */
  composed: boolean;
  /** `${a.b}` interpolations (OmegaConf): paths read by the file itself. */
  interpolations: string[][];
  doc?: Document;
  lineCounter: LineCounter;
}

const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function yamlRange(lc: LineCounter, offsets: readonly number[] | undefined): Range {
  if (!offsets) return ZERO;
  const a = lc.linePos(offsets[0]);
  const b = lc.linePos(offsets[1] ?? offsets[0]);
  return { start: { line: a.line - 1, character: a.col - 1 }, end: { line: b.line - 1, character: b.col - 1 } };
}

function keysOf(node: unknown, lc: LineCounter): ConfigKey[] | undefined {
  if (!isMap(node)) return undefined;
  const out: ConfigKey[] = [];
  for (const pair of node.items as Pair<YamlNode, YamlNode>[]) {
    const k = pair.key;
    const key = isScalar(k) ? String(k.value) : undefined;
    if (key === undefined || key === '<<') continue;
    const children = keysOf(pair.value, lc);
    out.push({ key, range: yamlRange(lc, isScalar(k) ? k.range ?? undefined : undefined), children, leaf: !children });
  }
  return out;
}

/** Parses a YAML or JSON config file (JSON is read as YAML, which keeps key positions). */
export function parseConfigText(file: string, text: string): ParsedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: false });
  const base: ParsedConfig = { file, text, composed: false, interpolations: [], lineCounter };
  if (doc.errors.length) {
    const e = doc.errors[0];
    const first = e.message.split('\n')[0];
    return { ...base, error: { kind: 'syntax', message: first, range: yamlRange(lineCounter, e.pos) } };
  }
  if (doc.contents !== null && !isMap(doc.contents))
    return { ...base, doc, error: { kind: 'shape', message: 'its top level is not a mapping of keys', range: yamlRange(lineCounter, doc.contents.range ?? undefined) } };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  } catch (e) {
    return { ...base, doc, error: { kind: 'syntax', message: (e as Error).message, range: ZERO } };
  }
  const keys = keysOf(doc.contents, lineCounter) ?? [];
  const composed = keys.some((k) => k.key === 'defaults') || /^\s*#\s*@package\b/m.test(text);
  const interpolations: string[][] = [];
  for (const m of text.matchAll(/\$\{([A-Za-z_][\w.-]*)\}/g)) interpolations.push(m[1].split('.'));
  return { ...base, doc, keys, value, composed, interpolations };
}

const parsedCache = new Map<string, { mtimeMs: number; size: number; parsed: ParsedConfig }>();

/** Reads and parses a config file from disk (cached by modification time); undefined when it does not exist. */
export function readConfigFile(file: string): ParsedConfig | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (!stat.isFile()) return undefined;
  const cached = parsedCache.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.parsed;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = parseConfigText(file, text);
  if (parsedCache.size > 256) parsedCache.clear();
  parsedCache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, parsed });
  return parsed;
}

/** Whether a file name looks like an experiment config the drift check may apply to. */
export function isExperimentConfigFile(file: string): boolean {
  const base = path.basename(file).toLowerCase();
  if (!/\.(ya?ml|json)$/.test(base)) return false;
  return !/^(?:\.ml-hygiene\.ya?ml|package(?:-lock)?\.json|tsconfig.*\.json|jsconfig\.json|environment\.ya?ml|\.pre-commit-config\.yaml|docker-compose.*|mkdocs\.yml|\.readthedocs\.ya?ml|codecov\.ya?ml|dependabot\.ya?ml|launch\.json|settings\.json|extensions\.json)$/.test(base);
}

// ---------------------------------------------------------------------------------------
// Config loads in Python code.

export interface ConfigLoad {
  /** The variable bound to the loaded config. */
  binding: Binding;
  /** The loader call (`yaml.safe_load(f)`, `OmegaConf.load(p)`) or the Hydra decorator. */
  node: Node;
  /** Keys already applied to the loaded value (`yaml.safe_load(f)["train"]`). */
  prefix: string[];
  /** `dict`: keys are read with `[...]`/`.get`; `omegaconf`: attribute access reads keys too. */
  style: 'dict' | 'omegaconf';
  /** The file as written in code, and what it is relative to. */
  spec: { parts: string[]; relativeTo: 'script' | 'cwd' } | undefined;
  /** The file the load resolves to on disk (undefined when unknown or absent). */
  file: string | undefined;
  /** YAML/JSON text given to the loader directly (`yaml.safe_load("lr: 0.1\n")`). */
  inline?: string;
  /** Loaded by Hydra (`@hydra.main`): the `hydra:` key configures Hydra itself. */
  hydra?: boolean;
}

const LOADERS = new Set(['yaml.safe_load', 'yaml.load', 'yaml.full_load', 'yaml.unsafe_load', 'json.load', 'json.loads', 'ruamel.yaml.YAML().load']);
const OMEGACONF_LOADERS = new Set(['omegaconf.OmegaConf.load']);

const callsByStart = new WeakMap<PythonModule, Map<number, CallSite[]>>();

/**
 * `module.callSiteOf(node)` for a `call` node, from an index of the calls by start offset
 * (a field of every node, read without a trip into the wasm heap; `callSiteOf` keys its
 * index by start and end, and reading every call's end costs milliseconds on a large file).
 */
function callSiteAt(module: PythonModule, node: Node): CallSite | undefined {
  let byStart = callsByStart.get(module);
  if (!byStart) {
    byStart = new Map();
    for (const c of module.calls) {
      const list = byStart.get(c.node.startIndex);
      if (list) list.push(c);
      else byStart.set(c.node.startIndex, [c]);
    }
    callsByStart.set(module, byStart);
  }
  const list = byStart.get(node.startIndex);
  if (!list) return undefined;
  return list.length === 1 && list[0].node.equals(node) ? list[0] : list.find((c) => c.node.endIndex === node.endIndex);
}

function stringOf(module: PythonModule, node: Node | undefined, scope: Scope): string | undefined {
  const v = module.constantValue(node, scope);
  return v?.kind === 'string' ? v.value : undefined;
}

/** `Path(__file__)`, `os.path.abspath(__file__)`, `Path(__file__).resolve()`. */
function isThisFile(module: PythonModule, node: Node, scope: Scope): boolean {
  if (node.type === 'identifier') return node.text === '__file__';
  if (node.type === 'call') {
    const site = callSiteAt(module, node);
    const q = site?.callee;
    if (q && /^(?:pathlib\.Path|pathlib\.PurePath|os\.path\.abspath|os\.path\.realpath|os\.path\.normpath)$/.test(q))
      return !!site!.positional[0] && isThisFile(module, site!.positional[0], scope);
    if (site?.func.type === 'attribute' && ['resolve', 'absolute'].includes(site.func.childForFieldName('attribute')?.text ?? ''))
      return isThisFile(module, site.func.childForFieldName('object')!, scope);
  }
  return false;
}

/** The script's folder: `Path(__file__).parent`, `os.path.dirname(__file__)`. */
function isThisDir(module: PythonModule, node: Node, scope: Scope, depth = 0): boolean {
  if (depth > 4) return false;
  if (node.type === 'attribute' && node.childForFieldName('attribute')?.text === 'parent')
    return isThisFile(module, node.childForFieldName('object')!, scope);
  if (node.type === 'call') {
    const site = callSiteAt(module, node);
    if (site?.callee === 'os.path.dirname' && site.positional[0]) return isThisFile(module, site.positional[0], scope);
    if (site?.func.type === 'attribute' && ['resolve', 'absolute'].includes(site.func.childForFieldName('attribute')?.text ?? ''))
      return isThisDir(module, site.func.childForFieldName('object')!, scope, depth + 1);
  }
  if (node.type === 'identifier') {
    const b = module.lookup(node.text, scope);
    if (b?.length === 1 && b[0].kind === 'assign' && b[0].value) return isThisDir(module, b[0].value, b[0].scope, depth + 1);
  }
  return false;
}

type PathSpec = { parts: string[]; relativeTo: 'script' | 'cwd' };

/** A path expression whose value is known: a literal, `Path(...)`, `/`, `os.path.join`, `with_name`. */
export function pathSpec(module: PythonModule, node: Node | undefined, scope: Scope, depth = 0): PathSpec | undefined {
  if (!node || depth > 6) return undefined;
  const literal = stringOf(module, node, scope);
  if (literal !== undefined) return { parts: [literal], relativeTo: 'cwd' };
  if (isThisDir(module, node, scope)) return { parts: [], relativeTo: 'script' };
  if (node.type === 'parenthesized_expression') return pathSpec(module, node.namedChildren[0] ?? undefined, scope, depth + 1);
  if (node.type === 'binary_operator' && node.childForFieldName('operator')?.text === '/') {
    const left = pathSpec(module, node.childForFieldName('left') ?? undefined, scope, depth + 1);
    const right = stringOf(module, node.childForFieldName('right') ?? undefined, scope);
    return left && right !== undefined ? { parts: [...left.parts, right], relativeTo: left.relativeTo } : undefined;
  }
  if (node.type === 'identifier') {
    const b = module.lookup(node.text, scope);
    if (b?.length === 1 && b[0].kind === 'assign' && b[0].value) return pathSpec(module, b[0].value, b[0].scope, depth + 1);
    return undefined;
  }
  if (node.type === 'call') {
    const site = callSiteAt(module, node);
    if (!site) return undefined;
    const q = site.callee;
    if (q === 'pathlib.Path' || q === 'pathlib.PurePath') {
      if (site.positional.length === 0) return undefined;
      let acc: PathSpec | undefined = { parts: [], relativeTo: 'cwd' };
      for (const a of site.positional) {
        const s = pathSpec(module, a, scope, depth + 1);
        if (!s) return undefined;
        acc = s.relativeTo === 'script' || path.isAbsolute(s.parts[0] ?? '') ? s : { parts: [...acc!.parts, ...s.parts], relativeTo: acc!.relativeTo };
      }
      return acc;
    }
    if (q === 'os.path.join') {
      const [first, ...rest] = site.positional;
      const base = pathSpec(module, first, scope, depth + 1);
      if (!base) return undefined;
      const parts = [...base.parts];
      for (const r of rest) {
        const s = stringOf(module, r, scope);
        if (s === undefined) return undefined;
        parts.push(s);
      }
      return { parts, relativeTo: base.relativeTo };
    }
    if (site.func.type === 'attribute') {
      const method = site.func.childForFieldName('attribute')?.text;
      const obj = site.func.childForFieldName('object')!;
      if (method === 'with_name' && isThisFile(module, obj, scope)) {
        const name = stringOf(module, site.positional[0], scope);
        return name !== undefined ? { parts: [name], relativeTo: 'script' } : undefined;
      }
      if (method === 'joinpath') {
        const base = pathSpec(module, obj, scope, depth + 1);
        const more = site.positional.map((a) => stringOf(module, a, scope));
        return base && more.every((m) => m !== undefined) ? { parts: [...base.parts, ...(more as string[])], relativeTo: base.relativeTo } : undefined;
      }
      if (method === 'resolve' || method === 'absolute' || method === 'expanduser') return pathSpec(module, obj, scope, depth + 1);
    }
  }
  return undefined;
}

/**
 * Where a path written in a script points: relative to the script's folder, or, for paths
 * relative to the working directory, the first existing match from the script's folder up
 * to `root` (scripts are usually run from their own folder or the project root).
 */
export function resolveConfigPath(script: string, spec: PathSpec, root?: string, exists: (f: string) => boolean = fileExists): string | undefined {
  const joined = path.join(...(spec.parts.length ? spec.parts : ['.']));
  if (path.isAbsolute(joined)) return exists(joined) ? joined : undefined;
  let dir = path.dirname(path.resolve(script));
  if (spec.relativeTo === 'script') {
    const f = path.resolve(dir, joined);
    return exists(f) ? f : undefined;
  }
  const stop = root ? path.resolve(root) : dir;
  for (let i = 0; i < 32; i++) {
    const f = path.resolve(dir, joined);
    if (exists(f)) return f;
    if (dir === stop || !(dir + path.sep).startsWith(stop + path.sep)) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

function fileExists(f: string): boolean {
  try {
    return fs.statSync(f).isFile();
  } catch {
    return false;
  }
}

/** The path expression a loader reads, through `open(p)`, `p.read_text()`, `with open(p) as f`. */
function loaderSource(module: PythonModule, arg: Node | undefined, scope: Scope, depth = 0): Node | undefined {
  if (!arg || depth > 4) return undefined;
  if (arg.type === 'call') {
    const site = callSiteAt(module, arg);
    if (!site) return undefined;
    if (site.callee === 'builtins.open' || site.callee === 'io.open' || site.callee === 'codecs.open') return site.argument(0, 'file');
    if (site.func.type === 'attribute') {
      const method = site.func.childForFieldName('attribute')?.text;
      const obj = site.func.childForFieldName('object')!;
      if (method === 'read_text' || method === 'read_bytes') return obj;
      if (method === 'read') return loaderSource(module, obj, scope, depth + 1);
      if (method === 'open') return obj;
    }
    return undefined;
  }
  if (arg.type === 'identifier') {
    const b = module.lookup(arg.text, scope);
    if (b?.length !== 1) return undefined;
    const binding = b[0];
    if (binding.kind === 'as') {
      // `with open(p) as f`: the as_pattern's value.
      const asPattern = binding.node.parent?.type === 'as_pattern_target' ? binding.node.parent.parent : binding.node.parent;
      const value = asPattern?.namedChildren[0];
      return value ? loaderSource(module, value, binding.scope, depth + 1) : undefined;
    }
    if (binding.kind === 'assign' && binding.value) return loaderSource(module, binding.value, binding.scope, depth + 1);
  }
  return undefined;
}

const loadsCache = new WeakMap<PythonModule, Map<string, ConfigLoad[]>>();

/** The configs a module loads from files (YAML/JSON via yaml/json/OmegaConf, Hydra's `@hydra.main`). */
export function findConfigLoads(module: PythonModule, script: string, root?: string): ConfigLoad[] {
  let byKey = loadsCache.get(module);
  const cacheKey = `${script}\0${root ?? ''}`;
  const cached = byKey?.get(cacheKey);
  if (cached) return cached;
  const out: ConfigLoad[] = [];
  for (const call of module.calls) {
    const q = call.callee;
    if (!q) continue;
    const omegaconf = OMEGACONF_LOADERS.has(q);
    if (!omegaconf && !LOADERS.has(q)) continue;
    // The value: `X = loader(...)`, possibly subscripted (`loader(f)["train"]`).
    let node: Node = call.node;
    const prefix: string[] = [];
    while (node.parent?.type === 'subscript' && node.parent.childForFieldName('value')?.equals(node)) {
      const key = stringOf(module, node.parent.childForFieldName('subscript') ?? undefined, call.scope);
      if (key === undefined) break;
      prefix.push(key);
      node = node.parent;
    }
    const assignment = node.parent;
    if (assignment?.type !== 'assignment' || !assignment.childForFieldName('right')?.equals(node)) continue;
    const left = assignment.childForFieldName('left');
    if (left?.type !== 'identifier') continue;
    const bindings = module.lookup(left.text, call.scope);
    const binding = bindings?.find((b) => b.node.equals(left));
    if (!binding) continue;
    const arg = call.argument(0, omegaconf ? 'file_' : q === 'json.loads' ? 's' : q === 'json.load' ? 'fp' : 'stream');
    // A YAML/JSON document written in the code itself.
    const text = !omegaconf && q !== 'json.load' && arg?.type === 'string' ? module.constantValue(arg) : undefined;
    if (text?.kind === 'string' && /[:{]/.test(text.value) && /\n|\{/.test(text.value)) {
      out.push({ binding, node: call.node, prefix, style: 'dict', spec: undefined, file: undefined, inline: text.value });
      continue;
    }
    const source = omegaconf ? arg : loaderSource(module, arg, call.scope);
    const spec = pathSpec(module, source, call.scope);
    const file = spec ? resolveConfigPath(script, spec, root) : undefined;
    out.push({ binding, node: call.node, prefix, style: omegaconf ? 'omegaconf' : 'dict', spec, file });
  }
  // Hydra: `@hydra.main(config_path="conf", config_name="config") def main(cfg): ...`
  for (const call of module.callsTo('hydra.main')) {
    const decorator = call.node.parent;
    if (decorator?.type !== 'decorator') continue;
    const def = decorator.parent?.childForFieldName('definition');
    if (def?.type !== 'function_definition') continue;
    const firstParam = def.childForFieldName('parameters')?.namedChildren[0];
    const paramName = firstParam?.type === 'identifier' ? firstParam : firstParam?.namedChildren.find((c) => c?.type === 'identifier');
    if (!paramName) continue;
    const scope = module.scopeAt(def.childForFieldName('body')?.startIndex ?? def.startIndex);
    const binding = module.lookup(paramName.text, scope)?.find((b) => b.node.equals(paramName));
    if (!binding) continue;
    const configPath = stringOf(module, call.keyword('config_path') ?? call.positional[0], call.scope);
    const configName = stringOf(module, call.keyword('config_name') ?? call.positional[1], call.scope);
    const spec = configPath !== undefined && configName !== undefined
      ? { parts: [configPath, /\.ya?ml$/.test(configName) ? configName : configName + '.yaml'], relativeTo: 'script' as const }
      : undefined;
    const file = spec ? resolveConfigPath(script, spec, root) : undefined;
    out.push({ binding, node: call.node, prefix: [], style: 'omegaconf', spec, file, hydra: true });
  }
  if (!byKey) loadsCache.set(module, (byKey = new Map()));
  byKey.set(cacheKey, out);
  return out;
}

// ---------------------------------------------------------------------------------------
// Key reads.

export interface KeyRead {
  /** Full key path from the config's root. */
  path: string[];
  /** The node naming the last key (the string in `cfg["lr"]`, the attribute in `cfg.lr`). */
  node: Node;
  /** A read that fails (or yields None) without the key: `[...]`, attribute access, `.get` without a default. */
  required: boolean;
  how: 'subscript' | 'get' | 'attribute';
}

export interface ConfigUsage {
  reads: KeyRead[];
  /** Paths whose whole subtree is used (passed on, iterated, `**`-unpacked, ...): every key below counts as read. */
  consumed: string[][];
  /** Paths written or tested (`cfg["x"] = ...`, `"x" in cfg`, `cfg.update(...)`): their absence is handled by code. */
  handled: string[][];
}

const DICT_VIEWS = new Set(['items', 'keys', 'values', 'copy', 'to_dict', 'to_container', 'as_dict']);
const DICT_WRITES = new Set(['update', 'setdefault', 'pop', 'popitem', 'clear', 'merge_with']);

/** Uses of a binding: identifiers with its name whose lookup finds it. */
function usesOf(module: PythonModule, binding: Binding): Node[] {
  const out: Node[] = [];
  // The module finds a name's identifiers from the source text (cached per name): no walk over every identifier.
  for (const id of module.identifiersNamed(binding.name)) {
    if (id.equals(binding.node)) continue;
    const parent = id.parent;
    // Attribute names and keyword names are not uses of a variable.
    if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.equals(id)) continue;
    if (parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.equals(id)) continue;
    const found = module.lookup(binding.name, module.scopeAt(id.startIndex));
    if (found?.includes(binding)) out.push(id);
  }
  return out;
}

const usageCache = new WeakMap<ConfigLoad, { module: PythonModule; usage: ConfigUsage }>();

/** How the code uses a loaded config: the keys it reads, the subtrees it uses whole, what it writes. */
export function configUsage(module: PythonModule, load: ConfigLoad): ConfigUsage {
  // Loads are cached per module (`findConfigLoads`), so is their usage: CFG005 and the
  // language server's drift tracker ask for the same one after each edit.
  const cached = usageCache.get(load);
  if (cached?.module === module) return cached.usage;
  const usage: ConfigUsage = { reads: [], consumed: [], handled: [] };
  const all = module.lookup(load.binding.name, load.binding.scope) ?? [];
  // Rebound elsewhere in its scope (`cfg = cfg["train"]`): which value a use sees is not clear.
  if (all.length !== 1) usage.consumed.push(load.prefix);
  else followUses(module, load.binding, load.prefix, load.style, usage, 0);
  usageCache.set(load, { module, usage });
  return usage;
}

function followUses(module: PythonModule, binding: Binding, prefix: string[], style: ConfigLoad['style'], usage: ConfigUsage, depth: number): void {
  for (const use of usesOf(module, binding)) followUse(module, use, prefix, style, usage, depth);
}

function followUse(module: PythonModule, use: Node, prefix: string[], style: ConfigLoad['style'], usage: ConfigUsage, depth: number): void {
  let node = use;
  let keys = [...prefix];
  let lastRead: KeyRead | undefined;
  for (;;) {
    const parent = node.parent;
    if (!parent) break;
    if (parent.type === 'subscript' && parent.childForFieldName('value')?.equals(node)) {
      const index = parent.childForFieldName('subscript');
      const key = index ? module.constantValue(index, module.scopeAt(index.startIndex)) : undefined;
      if (key?.kind !== 'string') {
        usage.consumed.push(keys);
        return;
      }
      keys = [...keys, key.value];
      lastRead = { path: keys, node: index!, required: true, how: 'subscript' };
      node = parent;
      continue;
    }
    if (parent.type === 'attribute' && parent.childForFieldName('object')?.equals(node)) {
      const attr = parent.childForFieldName('attribute')!;
      const call = parent.parent?.type === 'call' && parent.parent.childForFieldName('function')?.equals(parent) ? parent.parent : undefined;
      if (call) {
        const site = callSiteAt(module, call);
        if (attr.text === 'get' && site) {
          const keyNode = site.positional[0] ?? site.keyword('key');
          const key = keyNode ? module.constantValue(keyNode, module.scopeAt(keyNode.startIndex)) : undefined;
          if (key?.kind !== 'string') {
            usage.consumed.push(keys);
            return;
          }
          keys = [...keys, key.value];
          const hasDefault = site.positional.length > 1 || site.keyword('default') !== undefined;
          lastRead = { path: keys, node: keyNode!, required: !hasDefault, how: 'get' };
          node = call;
          continue;
        }
        if (DICT_WRITES.has(attr.text)) {
          usage.handled.push(keys);
          if (attr.text === 'pop' || attr.text === 'setdefault') usage.consumed.push(keys);
          return;
        }
        // `.items()`, `.keys()`, any other method: the subtree is used whole.
        usage.consumed.push(keys);
        return;
      }
      if (style === 'omegaconf') {
        keys = [...keys, attr.text];
        lastRead = { path: keys, node: attr, required: true, how: 'attribute' };
        node = parent;
        continue;
      }
      usage.consumed.push(keys);
      return;
    }
    break;
  }
  const parent = node.parent;
  // A write: `cfg["x"] = ...`, `cfg.x = ...`, `del cfg["x"]`, `cfg["x"] += 1`.
  if (
    parent &&
    ((parent.type === 'assignment' || parent.type === 'augmented_assignment') && parent.childForFieldName('left')?.equals(node) ||
      parent.type === 'delete_statement')
  ) {
    usage.handled.push(keys);
    return;
  }
  if (parent?.type === 'pattern_list' || parent?.type === 'tuple_pattern') {
    usage.handled.push(keys);
    return;
  }
  // `"x" in cfg`: absence is handled.
  if (parent?.type === 'comparison_operator' && /\bin\b/.test(parent.text) && !parent.namedChildren[0]?.equals(node)) {
    const left = parent.namedChildren[0];
    const key = left?.type === 'string' ? module.constantValue(left) : undefined;
    if (key?.kind === 'string') usage.handled.push([...keys, key.value]);
    else usage.consumed.push(keys);
    return;
  }
  if (lastRead) usage.reads.push(lastRead);
  // An alias: `train_cfg = cfg["train"]` -> follow the new name with the prefix.
  if (parent?.type === 'assignment' && parent.childForFieldName('right')?.equals(node) && depth < 4) {
    const left = parent.childForFieldName('left');
    if (left?.type === 'identifier') {
      const b = module.lookup(left.text, module.scopeAt(left.startIndex));
      if (b?.length === 1 && b[0].node.equals(left)) {
        followUses(module, b[0], keys, style, usage, depth + 1);
        return;
      }
    }
  }
  // Anything else (an argument, `**cfg["model"]`, a return, arithmetic on a leaf): the value at `keys` is used whole.
  usage.consumed.push(keys);
}

// ---------------------------------------------------------------------------------------
// Drift.

export interface MissingKey {
  read: KeyRead;
  /** The deepest existing mapping along the path, and its keys. */
  parentPath: string[];
  available: string[];
  load: ConfigLoad;
  config: ParsedConfig;
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length <= of.length && prefix.every((p, i) => of[i] === p);
}

/** Keys a module reads from a config that the config file lacks (the Python side of CFG005). */
export function missingKeys(module: PythonModule, script: string, root?: string, read: (f: string) => ParsedConfig | undefined = readConfigFile): MissingKey[] {
  const out: MissingKey[] = [];
  for (const load of findConfigLoads(module, script, root)) {
    if (!load.file && load.inline === undefined) continue;
    const config = load.inline !== undefined ? parseConfigText(script, load.inline) : read(load.file!);
    if (!config || config.error || config.composed || config.keys === undefined) continue;
    const usage = configUsage(module, load);
    const seen = new Set<string>();
    for (const r of usage.reads) {
      if (!r.required) continue;
      if (usage.handled.some((h) => isPrefix(h, r.path))) continue;
      let value: unknown = config.value;
      for (let i = 0; i < r.path.length; i++) {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) break; // not a mapping: cannot judge
        const obj = value as Record<string, unknown>;
        if (!Object.prototype.hasOwnProperty.call(obj, r.path[i])) {
          // Only the key the read names is reported; a missing parent is reported at its own read.
          if (i === r.path.length - 1) {
            const id = r.path.join('\0');
            if (!seen.has(id)) {
              seen.add(id);
              out.push({ read: r, parentPath: r.path.slice(0, i), available: Object.keys(obj), load, config });
            }
          }
          break;
        }
        value = obj[r.path[i]];
      }
    }
  }
  return out;
}

/** Common spellings of the same hyperparameter (`learning_rate` and `lr`, `num_epochs` and `epochs`). */
function canonicalKey(key: string): string {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  const synonyms: Record<string, string> = {
    learningrate: 'lr', numepochs: 'epochs', nepochs: 'epochs', maxepochs: 'epochs', epoch: 'epochs', bs: 'batchsize',
    batch: 'batchsize', wd: 'weightdecay', numlayers: 'layers', nlayers: 'layers', hiddensize: 'hidden', hiddendim: 'hidden',
  };
  return synonyms[k] ?? k;
}

/** The nearest existing key, for "did you mean". */
export function nearestKey(key: string, keys: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of keys) {
    const d = canonicalKey(k) === canonicalKey(key) ? 0 : editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(key.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

export interface PythonSource {
  path: string;
  /** The text when it differs from the disk (an unsaved editor buffer); read from disk otherwise. */
  text?: string;
}

export interface DriftOptions {
  /** Where a search for paths relative to the working directory stops going up (the workspace or project root). */
  root?: string;
  /** The config file's text when it differs from the disk (an unsaved editor buffer). */
  configText?: string;
}

/**
 * The config-file side of CFG005 (the hook the LSP layer and the CLI call for a YAML/JSON
 * file): keys of `configPath` that no Python file loading it reads, and keys a loading
 * Python file reads (without a default) that `configPath` lacks.
 *
 * Contract:
 * - `pythonFiles` are the project's Python files (paths, and text for unsaved buffers).
 *   Only files whose text mentions the config's file name (or, for Hydra, its name
 *   without extension) are parsed; a file whose load resolves to another file is ignored.
 * - Returns [] when no Python file loads the config (CI, tool and data YAML are never
 *   judged), when the file is invalid or composed by Hydra (`defaults:`), or when its root
 *   is not a mapping. When a loader uses the whole config in a way that cannot be followed
 *   (passed to a function, iterated, `**`-unpacked, rebound) no key is called unread, but
 *   missing keys are still reported.
 * - A missing key is reported on the existing key with the nearest spelling, else on the
 *   mapping that should hold it, else at the top of the file; `related` points at the reads.
 * - Findings have rule `CFG005`, the rule's default severity (`warning`; the caller applies
 *   configured severities, e.g. `Linter.applySeverity`), and ranges in the config file.
 *   Keys starting with `_` (Hydra's `_target_`) and keys used by `${...}` interpolations
 *   count as read.
 * - Never throws on bad input; unreadable files are skipped.
 */
export async function configDriftFindings(configPath: string, pythonFiles: readonly PythonSource[], options: DriftOptions = {}): Promise<Finding[]> {
  const file = path.resolve(configPath);
  const config = options.configText !== undefined ? parseConfigText(file, options.configText) : readConfigFile(file);
  if (!config || config.error || config.composed || !config.keys?.length) return [];
  const base = path.basename(file);
  const stem = base.replace(/\.(ya?ml|json)$/i, '');
  const candidates: Array<{ path: string; text: string }> = [];
  for (const p of pythonFiles) {
    let text = p.text;
    if (text === undefined) {
      try {
        text = fs.readFileSync(p.path, 'utf8');
      } catch {
        continue;
      }
    }
    if (text.includes(base) || (text.includes('hydra') && text.includes(stem))) candidates.push({ path: p.path, text });
  }
  if (!candidates.length) return [];
  const grammar = await grammarParser('python');
  const modules: Array<{ path: string; module: PythonModule }> = [];
  try {
    for (const c of candidates) modules.push({ path: c.path, module: PythonModule.parse(grammar, c.text) });
    return configDriftFindingsFor(file, modules, { ...options, parsed: config });
  } finally {
    for (const m of modules) m.module.dispose();
  }
}

/** `configDriftFindings` over modules already parsed (the LSP keeps trees of open files). */
export function configDriftFindingsFor(
  configPath: string,
  modules: ReadonlyArray<{ path: string; module: PythonModule }>,
  options: DriftOptions & { parsed?: ParsedConfig } = {},
): Finding[] {
  const file = path.resolve(configPath);
  const config = options.parsed ?? (options.configText !== undefined ? parseConfigText(file, options.configText) : readConfigFile(file));
  if (!config || config.error || config.composed || !config.keys?.length) return [];
  const readers: string[] = [];
  const usages: Array<{ script: string; usage: ConfigUsage }> = [];
  let hydra = false;
  for (const { path: script, module } of modules) {
    const loads = findConfigLoads(module, script, options.root).filter((l) => l.file && path.resolve(l.file) === file);
    if (!loads.length) continue;
    readers.push(path.basename(script));
    for (const load of loads) usages.push({ script, usage: configUsage(module, load) });
    hydra ||= loads.some((l) => l.hydra);
  }
  if (!usages.length) return [];
  const findings = missingKeyFindings(config, usages);
  // Hydra reads its own `hydra:` section (run dirs, job name, callbacks).
  const consumed = [...usages.flatMap((u) => u.usage.consumed), ...config.interpolations, ...(hydra ? [['hydra']] : [])];
  const read = usages.flatMap((u) => u.usage.reads.map((r) => r.path));
  // Something uses the whole config: nothing can be called unread.
  if (consumed.some((c) => c.length === 0)) return byPosition(findings);
  const names = [...new Set(readers)].sort();
  const who = names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
  const visit = (keys: ConfigKey[], at: string[]) => {
    for (const k of keys) {
      const p = [...at, k.key];
      if (k.key.startsWith('_')) continue;
      if (consumed.some((c) => isPrefix(c, p))) continue;
      // Some of its children are read (or it is read and used through an alias): judge the children.
      const below = read.some((r) => isPrefix(p, r)) || consumed.some((c) => isPrefix(p, c));
      if (below) {
        if (k.children) visit(k.children, p);
        continue;
      }
      findings.push({
        rule: CONFIG_DRIFT_RULE,
        severity: 'warning',
        message: `config key "${p.join('.')}" is not read by the code that loads this file (${who}): a setting that changes nothing misleads whoever tunes it; remove it, or read it where it belongs`,
        range: k.range,
      });
    }
  };
  visit(config.keys, []);
  return byPosition(findings);
}

function byPosition(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

function keyAt(keys: readonly ConfigKey[] | undefined, at: readonly string[]): ConfigKey | undefined {
  let list = keys;
  let found: ConfigKey | undefined;
  for (const k of at) {
    found = list?.find((c) => c.key === k);
    if (!found) return undefined;
    list = found.children;
  }
  return found;
}

/**
 * The config-file side of missing keys: a key the code reads (without a default, not
 * tested or written) that the file lacks, reported in the file on the key the code most
 * likely means (a near spelling), else on the mapping that should hold it, else at the
 * top of the file; with the line that reads it as related information.
 */
function missingKeyFindings(config: ParsedConfig, usages: ReadonlyArray<{ script: string; usage: ConfigUsage }>): Finding[] {
  const byPath = new Map<string, { path: string[]; parentPath: string[]; available: string[]; sites: Array<{ script: string; read: KeyRead }> }>();
  for (const { script, usage } of usages)
    for (const r of usage.reads) {
      if (!r.required || usage.handled.some((h) => isPrefix(h, r.path))) continue;
      let value: unknown = config.value;
      for (let i = 0; i < r.path.length; i++) {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) break;
        const obj = value as Record<string, unknown>;
        if (!Object.prototype.hasOwnProperty.call(obj, r.path[i])) {
          // As on the Python side: the key the read names; a missing parent is reported at its own read.
          if (i === r.path.length - 1) {
            const id = r.path.join('\0');
            const entry = byPath.get(id) ?? { path: r.path, parentPath: r.path.slice(0, i), available: Object.keys(obj), sites: [] };
            entry.sites.push({ script, read: r });
            byPath.set(id, entry);
          }
          break;
        }
        value = obj[r.path[i]];
      }
    }
  const out: Finding[] = [];
  for (const m of byPath.values()) {
    const key = m.path[m.path.length - 1];
    const suggestion = nearestKey(key, m.available);
    const parent = m.parentPath.length ? keyAt(config.keys, m.parentPath) : undefined;
    const suggested = suggestion !== undefined ? keyAt(config.keys, [...m.parentPath, suggestion]) : undefined;
    const range = suggested?.range ?? parent?.range ?? ZERO;
    const sites = m.sites.slice(0, 3).map((s) => `${path.basename(s.script)} line ${s.read.node.startPosition.row + 1}`);
    if (m.sites.length > 3) sites.push(`${m.sites.length - 3} more`);
    const where = m.parentPath.length ? ` under "${m.parentPath.join('.')}"` : '';
    const hint = suggestion !== undefined ? `; did you mean "${suggestion}" (rename one of them)?` : `; add it${where}, or change the code`;
    const fails = m.sites.every((s) => s.read.how === 'get') ? `.get("${key}") returns None there` : 'the run fails at that line';
    out.push({
      rule: CONFIG_DRIFT_RULE,
      severity: 'warning',
      message: `config key "${m.path.join('.')}" is read by the code (${sites.join(', ')}) but this file has no "${key}"${where}, so ${fails}${hint}`,
      range,
      related: m.sites.map((s) => ({ path: s.script, range: nodeRangeOf(s.read.node), message: `reads "${m.path.join('.')}"` })),
    });
  }
  return out;
}

function nodeRangeOf(node: Node): Range {
  return { start: { line: node.startPosition.row, character: node.startPosition.column }, end: { line: node.endPosition.row, character: node.endPosition.column } };
}

/** Whether a Python module loads any config file (cheap check for the LSP: which YAML files to re-check). */
export function loadedConfigFiles(module: PythonModule, script: string, root?: string): string[] {
  return [...new Set(findConfigLoads(module, script, root).flatMap((l) => (l.file ? [l.file] : [])))];
}


// ---------------------------------------------------------------------------------------
// The config-file side from a linter (CLI, workspace scan, open YAML/JSON editors): which
// Python files to look at, without reading the whole project again for every config.

/** Config files larger than this are data, not experiment configs: never parsed for drift. */
export const MAX_CONFIG_BYTES = 1 << 20;

const CONFIG_NAME_MENTION = /[\w.-]+\.(?:ya?ml|json)\b/gi;

interface Mentions {
  /** File names of YAML/JSON files the text mentions (`config.yaml` in `"conf/config.yaml"`). */
  names: Set<string>;
  /** The text, kept only for Hydra scripts (`config_name="train"` names the file without its extension). */
  hydraText?: string;
}

function mentionsOf(text: string): Mentions {
  const names = new Set<string>();
  for (const m of text.matchAll(CONFIG_NAME_MENTION)) names.add(m[0].replace(/^.*[\\/]/, ''));
  return { names, hydraText: text.includes('hydra') ? text : undefined };
}

/**
 * The Python files of a folder tree and the config file names each mentions, cached until
 * `invalidate`: the CLI reads every file once per run, the language server invalidates on
 * file changes. Open editor buffers (`bufferText`) take precedence over the disk.
 */
export class PythonSourceIndex {
  /** The text of an open editor buffer for a file, if any (set by the language server). */
  bufferText: (file: string) => string | undefined = () => undefined;
  private readonly listings = new Map<string, string[]>();
  private readonly mentions = new Map<string, Mentions | null>();

  /** Forget a file (changed), or with `structural` also the folder listings (created, deleted); everything without a file. */
  invalidate(file?: string, structural = false): void {
    if (file === undefined) {
      this.listings.clear();
      this.mentions.clear();
      return;
    }
    this.mentions.delete(path.resolve(file));
    if (structural) this.listings.clear();
  }

  pythonFilesUnder(dir: string): string[] {
    const key = path.resolve(dir);
    let files = this.listings.get(key);
    if (!files) {
      files = discoverFiles([key], { accept: (f) => /\.pyw?$/i.test(f) });
      this.listings.set(key, files);
    }
    return files;
  }

  /** A Python file's current text: the editor buffer, else the disk; undefined when unreadable. */
  text(file: string): string | undefined {
    const buffered = this.bufferText(file);
    if (buffered !== undefined) return buffered;
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }

  private mentionsFor(file: string): Mentions | null {
    const buffered = this.bufferText(file);
    if (buffered !== undefined) return mentionsOf(buffered);
    let m = this.mentions.get(file);
    if (m === undefined) {
      const text = this.text(file);
      m = text === undefined ? null : mentionsOf(text);
      this.mentions.set(file, m);
    }
    return m;
  }

  /** Python files under `dir` that may load `configFile` (they mention its name), with their text. */
  candidatesFor(configFile: string, dir: string): PythonSource[] {
    const base = path.basename(configFile);
    const stem = base.replace(/\.(ya?ml|json)$/i, '');
    const out: PythonSource[] = [];
    for (const file of this.pythonFilesUnder(dir)) {
      const m = this.mentionsFor(file);
      if (!m || !(m.names.has(base) || (m.hydraText !== undefined && m.hydraText.includes(stem)))) continue;
      const text = this.text(file);
      if (text !== undefined) out.push({ path: file, text });
    }
    return out;
  }
}

/** The index the engine uses by default (one per process: files on disk and open buffers are). */
export const pythonSources = new PythonSourceIndex();

function gitRoot(dir: string): string | undefined {
  for (let d = dir, i = 0; i < 64; i++) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    const parent = path.dirname(d);
    if (parent === d) return undefined;
    d = parent;
  }
  return undefined;
}

/**
 * Where to look for the Python files that may load a config: the project root (the folder
 * with its dependency files), else the workspace folder, else the git work tree, else the
 * config's folder, or its parent when the config's folder holds no Python file (`configs/`).
 */
export function driftSearchRoot(configFile: string, projectRoot?: string, workspaceRoot?: string, sources: PythonSourceIndex = pythonSources): string {
  const file = path.resolve(configFile);
  const inside = (d: string | undefined) => d !== undefined && file.startsWith(path.resolve(d) + path.sep);
  if (inside(projectRoot)) return path.resolve(projectRoot!);
  if (inside(workspaceRoot)) return path.resolve(workspaceRoot!);
  const dir = path.dirname(file);
  const git = gitRoot(dir);
  if (git) return git;
  const here = sources.pythonFilesUnder(dir);
  return here.length ? dir : path.dirname(dir);
}

export interface ExperimentConfigLintOptions {
  /** The config's project root (as the Python side of CFG005 uses it to resolve paths). */
  projectRoot?: string;
  workspaceRoot?: string;
  sources?: PythonSourceIndex;
}

/**
 * CFG005 for a YAML/JSON file, from its text (an editor buffer) or the disk: the Python
 * files that may load it are found under `driftSearchRoot`, then `configDriftFindings`
 * applies. `# ml-hygiene: ignore[CFG005]` comments in a YAML file suppress findings on
 * their line (`ignore-file` in the whole file). Never throws on bad input.
 */
export async function lintExperimentConfig(configFile: string, text: string | undefined, options: ExperimentConfigLintOptions = {}): Promise<Finding[]> {
  const file = path.resolve(configFile);
  const sources = options.sources ?? pythonSources;
  if (text === undefined) {
    try {
      const stat = fs.statSync(file);
      if (!stat.isFile() || stat.size > MAX_CONFIG_BYTES) return [];
    } catch {
      return [];
    }
  } else if (text.length > MAX_CONFIG_BYTES) return [];
  const candidates = sources.candidatesFor(file, driftSearchRoot(file, options.projectRoot, options.workspaceRoot, sources));
  if (!candidates.length) return [];
  const findings = await configDriftFindings(file, candidates, { root: options.projectRoot, configText: text });
  if (!findings.length) return findings;
  const source = text ?? readConfigFile(file)?.text ?? '';
  if (!source.includes('ml-hygiene:')) return findings;
  const comments: Array<{ text: string; line: number; character: number }> = [];
  source.split('\n').forEach((line, i) => {
    const m = /(?:^|\s)(#.*ml-hygiene:.*)$/.exec(line);
    if (m) comments.push({ text: m[1], line: i, character: line.length - m[1].length });
  });
  return applySuppressions(findings, parseSuppressions(comments));
}

/** The config files a Python file loads (resolved on disk), from its text. */
export async function configFilesLoadedBy(script: string, text: string, root?: string): Promise<string[]> {
  if (!/yaml|json|omegaconf|hydra/.test(text)) return [];
  const module = PythonModule.parse(await grammarParser('python'), text);
  try {
    return loadedConfigFiles(module, script, root);
  } finally {
    module.dispose();
  }
}
