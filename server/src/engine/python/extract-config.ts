/**
 * The "Extract hyperparameters to config" quick fix (CFG001): moves literal
 * hyperparameters into `config.yaml` next to the script and reads them back from there,
 * in one fix:
 *
 * - the YAML side is written with the `yaml` package: a new file is created, or the new
 *   keys are appended to an existing one (checked with the Document API, so its keys,
 *   comments and layout stay as they are; when an append cannot be proven equivalent the
 *   Document is edited and re-serialized instead, which still keeps keys and comments);
 * - the loading code is added when the script does not already load a YAML config it can
 *   reuse (`import yaml` + `with open(Path(__file__).with_name("config.yaml")) as f:
 *   config = yaml.safe_load(f)`);
 * - every literal becomes a lookup (`config["lr"]`).
 *
 * Floats are written so that PyYAML (YAML 1.1) reads them back as floats: `1.0e-05`, not
 * `1e-5` (a string to PyYAML), and `1.0`, not `1` (an int: `max_features=1.0` and `=1` differ).
 * When the config file exists but is not valid YAML (or not a mapping), no fix is built and
 * the caller gets the reason to show: nothing is overwritten.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { Document, isMap, parseDocument, Scalar, YAMLSeq, type DocumentOptions, type SchemaOptions } from 'yaml';
import type { Fix, Position, RelatedLocation, TextEdit } from '../../../../protocol/findings';
import { findConfigLoads, parseConfigText, type ConfigLoad } from '../config-files';
import type { HyperparameterLiteral, NumberLiteral } from './hyperparameters';
import { keyFromName } from './hyperparameters';
import type { PythonModule, Scope } from './module';

export const CONFIG_FILE_NAME = 'config.yaml';

export interface ExtractConfigInput {
  module: PythonModule;
  /** The Python file (absolute path). */
  file: string;
  literals: readonly HyperparameterLiteral[];
  title: string;
  /** Where a search for configs loaded relative to the working directory stops. */
  root?: string;
  /** Reads a file's current text (an open editor buffer or the disk); undefined when it does not exist. */
  readText?: (file: string) => string | undefined;
}

export type ExtractConfigResult =
  | { fix: Fix; configFile: string; keys: Map<HyperparameterLiteral, string> }
  | { problem: string; related: RelatedLocation[] };

/** A float tag that writes what PyYAML reads back as a float (a dot, and a signed exponent). */
const PY_FLOAT_FORMAT = 'PYFLOAT';
const pyFloat = {
  tag: 'tag:yaml.org,2002:float',
  format: PY_FLOAT_FORMAT,
  default: true,
  identify: (v: unknown) => typeof v === 'number',
  test: /(?!)/,
  resolve: (s: string) => Number(s),
  stringify: ({ value }: { value: unknown }) => pythonFloatText(Number(value)),
};

/** `1e-5` -> `1.0e-05`? No: `1.0e-5` (PyYAML needs the dot and the sign); `1` -> `1.0`. */
export function pythonFloatText(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '.nan' : v < 0 ? '-.inf' : '.inf';
  let t = String(v);
  if (!/[.e]/.test(t)) return t + '.0';
  if (t.includes('e')) {
    let [mantissa, exp] = t.split('e');
    if (!mantissa.includes('.')) mantissa += '.0';
    if (!/^[-+]/.test(exp)) exp = '+' + exp;
    t = `${mantissa}e${exp}`;
  }
  return t;
}

const SCHEMA: DocumentOptions & SchemaOptions = {
  customTags: (tags) => [...tags, pyFloat as never],
};

function scalarFor(n: NumberLiteral): Scalar {
  const s = new Scalar(n.value);
  if (n.float) s.format = PY_FLOAT_FORMAT;
  return s;
}

function yamlNodeFor(lit: HyperparameterLiteral): Scalar | YAMLSeq {
  if (lit.value.kind === 'number') return scalarFor(lit.value.number);
  const seq = new YAMLSeq();
  seq.flow = true;
  seq.items = lit.value.items.map(scalarFor);
  return seq;
}

function plainValue(lit: HyperparameterLiteral): number | number[] {
  return lit.value.kind === 'number' ? lit.value.number.value : lit.value.items.map((i) => i.value);
}

function sameValue(a: unknown, b: number | number[]): boolean {
  if (Array.isArray(b)) return Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

function defaultRead(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function pos(node: Node, end = false): Position {
  const p = end ? node.endPosition : node.startPosition;
  return { line: p.row, character: p.column };
}

/** The scope a literal sits in (for name visibility). */
function scopeOf(module: PythonModule, node: Node): Scope {
  return module.scopeAt(node.startIndex);
}

/** A YAML config already loaded into a variable that every literal can see, loaded before them. */
function reusableLoad(module: PythonModule, input: ExtractConfigInput): ConfigLoad | undefined {
  for (const load of findConfigLoads(module, input.file, input.root)) {
    if (load.style !== 'dict' || load.prefix.length || !load.file || !/\.ya?ml$/i.test(load.file)) continue;
    const all = module.lookup(load.binding.name, load.binding.scope);
    if (all?.length !== 1) continue;
    const visible = input.literals.every((lit) => {
      const found = module.lookup(load.binding.name, scopeOf(module, lit.node));
      if (!found?.includes(load.binding)) return false;
      // Same scope: the load must run first.
      return load.binding.scope !== scopeOf(module, lit.node) || load.binding.start < lit.node.startIndex;
    });
    if (visible) return load;
  }
  return undefined;
}

function isBound(module: PythonModule, name: string, literals: readonly HyperparameterLiteral[]): boolean {
  if (module.moduleScope.bindings.has(name)) return true;
  return literals.some((l) => module.lookup(name, scopeOf(module, l.node)) !== undefined);
}

function snake(name: string): string {
  return keyFromName(name.replace(/\W+/g, '_'));
}

/** Config keys for the literals: the parameter's name, made unique against the file and each other. */
function assignKeys(literals: readonly HyperparameterLiteral[], existing: Record<string, unknown>): Map<HyperparameterLiteral, string> {
  const keys = new Map<HyperparameterLiteral, string>();
  const taken = new Set(Object.keys(existing));
  for (const lit of literals) {
    const base = lit.key;
    // An existing key with the same value is this value, already in the config.
    if (Object.prototype.hasOwnProperty.call(existing, base) && sameValue(existing[base], plainValue(lit)) && ![...keys.values()].includes(base)) {
      keys.set(lit, base);
      continue;
    }
    const candidates = [base];
    const target = lit.call?.node.parent?.type === 'assignment' ? lit.call.node.parent.childForFieldName('left') : null;
    if (target?.type === 'identifier') candidates.push(`${snake(target.text)}_${base}`);
    const calleeName = lit.callee.split('.').pop();
    if (calleeName && lit.kind !== 'constant') candidates.push(`${snake(calleeName)}_${base}`);
    let key = candidates.find((c) => !taken.has(c));
    for (let i = 2; !key; i++) if (!taken.has(`${base}_${i}`)) key = `${base}_${i}`;
    taken.add(key);
    keys.set(lit, key);
  }
  return keys;
}

function lookupText(variable: string, key: string, lit: HyperparameterLiteral): string {
  const lookup = `${variable}[${JSON.stringify(key)}]`;
  if (lit.value.kind === 'sequence' && lit.value.tuple) return `tuple(${lookup})`;
  if (lit.offset) return `${lookup} + ${lit.offset}`;
  return lookup;
}

function indentUnit(source: string): string {
  const m = /:[ \t]*(?:#.*)?\r?\n(?:[ \t]*\r?\n)*([ \t]+)\S/.exec(source);
  return m ? m[1] : '    ';
}

/** Where the loading code goes: after the last module-level import before the first literal. */
function insertionPoint(module: PythonModule, firstLiteral: number): { at: Position; afterImports: boolean } {
  let after: Node | undefined;
  for (const b of module.imports) {
    if (b.scope !== module.moduleScope || b.start >= firstLiteral) continue;
    let statement: Node | null = b.node;
    while (statement && statement.parent && statement.parent.type !== 'module') statement = statement.parent;
    // Imports inside `if`/`try` at module level: after that whole statement.
    if (statement && statement.endIndex <= firstLiteral && (!after || statement.endIndex > after.endIndex)) after = statement;
  }
  // `from __future__ import ...` is not an import binding; the docstring comes first.
  for (const child of module.topLevel) {
    if (child.startIndex >= firstLiteral) break;
    const docstring = child.type === 'expression_statement' && child.firstNamedChild?.type === 'string';
    if (child.type === 'future_import_statement' || docstring) {
      if (!after || child.endIndex > after.endIndex) after = after && !docstring ? after : child;
      continue;
    }
    if (child.type !== 'comment') break;
  }
  if (!after) return { at: { line: 0, character: 0 }, afterImports: false };
  const isImport = after.type !== 'expression_statement';
  return { at: { line: after.endPosition.row + 1, character: 0 }, afterImports: isImport };
}

/** Where a new module-level import goes: after the last module-level import, else after the docstring, else at the top. */
export function importPosition(module: PythonModule): Position {
  const { at } = insertionPoint(module, Number.MAX_SAFE_INTEGER);
  const lines = module.source.split('\n');
  return at.line >= lines.length ? { line: lines.length - 1, character: lines[lines.length - 1].length } : at;
}

/** Builds the fix, or says why it cannot be offered. */
export function buildExtractConfigFix(input: ExtractConfigInput): ExtractConfigResult {
  const { module, file } = input;
  const read = input.readText ?? defaultRead;
  const literals = [...input.literals].sort((a, b) => a.node.startIndex - b.node.startIndex);
  if (!literals.length) return { problem: 'no literal hyperparameters to extract', related: [] };
  const reuse = reusableLoad(module, input);
  const configFile = reuse?.file ?? path.join(path.dirname(file), CONFIG_FILE_NAME);
  const configName = path.basename(configFile);
  const existingText = read(configFile);
  let existing: Record<string, unknown> = {};
  if (existingText !== undefined) {
    const parsed = parseConfigText(configFile, existingText);
    if (parsed.error) {
      const where = `line ${parsed.error.range.start.line + 1}`;
      const what =
        parsed.error.kind === 'syntax'
          ? `${configName} is not valid YAML (${where}: ${parsed.error.message})`
          : `${configName} cannot take new keys (${parsed.error.message})`;
      return {
        problem: `${what}; fix the file first (the quick fix never overwrites a file it cannot read)`,
        related: [{ path: configFile, range: parsed.error.range, message: `${configName}: ${parsed.error.message}` }],
      };
    }
    existing = (parsed.value ?? {}) as Record<string, unknown>;
  }
  const keys = assignKeys(literals, existing);

  // --- the YAML side
  const fresh = new Document(undefined, SCHEMA);
  const added: Array<[string, HyperparameterLiteral]> = [];
  for (const lit of literals) {
    const key = keys.get(lit)!;
    if (Object.prototype.hasOwnProperty.call(existing, key) || added.some(([k]) => k === key)) continue;
    added.push([key, lit]);
  }
  const setAll = (doc: Document) => {
    for (const [key, lit] of added) {
      const node = yamlNodeFor(lit);
      const what = lit.callee === 'range' ? 'training loop count' : `${lit.callee} ${lit.param}`;
      node.comment = ` ${what}`;
      doc.set(doc.createNode(key), node);
    }
  };
  const edits: TextEdit[] = [];
  const createFiles: string[] = [];
  if (added.length) {
    if (existingText === undefined) {
      setAll(fresh);
      fresh.commentBefore = ` Hyperparameters of ${path.basename(file)} (read by it at start-up; save this file with every run)`;
      createFiles.push(configFile);
      edits.push({ path: configFile, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: fresh.toString({ flowCollectionPadding: false }) });
    } else {
      const edit = mergeIntoExisting(configFile, existingText, setAll, existing, added);
      if ('problem' in edit) return edit;
      edits.push(edit);
    }
  }

  // --- the Python side
  let variable = reuse?.binding.name;
  if (!variable) {
    variable = ['config', 'hparams', 'train_config', 'hyperparameters'].find((n) => !isBound(module, n, literals)) ?? 'ml_hygiene_config';
    edits.push(loaderEdit(module, input, literals, variable, configName));
  }
  for (const lit of literals) edits.push({ range: { start: pos(lit.node), end: pos(lit.node, true) }, newText: lookupText(variable, keys.get(lit)!, lit) });
  const fix: Fix = { title: input.title, safety: 'unsafe', edits };
  if (createFiles.length) fix.createFiles = createFiles;
  return { fix, configFile, keys };
}

function loaderEdit(module: PythonModule, input: ExtractConfigInput, literals: readonly HyperparameterLiteral[], variable: string, configName: string): TextEdit {
  const source = module.source;
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  const moduleScope = module.moduleScope;
  const imports: string[] = [];
  const yamlBinding = moduleScope.bindings.get('yaml');
  if (!yamlBinding?.some((b) => b.kind === 'import' && b.imported === 'yaml')) imports.push('import yaml');
  let pathExpr: string;
  if (input.file.toLowerCase().endsWith('.ipynb')) pathExpr = JSON.stringify(configName);
  else {
    const pathBinding = moduleScope.bindings.get('Path');
    if (!pathBinding) {
      imports.push('from pathlib import Path');
      pathExpr = `Path(__file__).with_name(${JSON.stringify(configName)})`;
    } else if (pathBinding.every((b) => b.kind === 'import' && b.imported === 'pathlib.Path')) {
      pathExpr = `Path(__file__).with_name(${JSON.stringify(configName)})`;
    } else {
      imports.push('import pathlib');
      pathExpr = `pathlib.Path(__file__).with_name(${JSON.stringify(configName)})`;
    }
  }
  const fileVar = isBound(module, 'f', literals) ? 'config_file' : 'f';
  const indent = indentUnit(source);
  const { at, afterImports } = insertionPoint(module, literals[0].node.startIndex);
  const lines = source.split(/\r?\n/);
  const nextLine = lines[at.line];
  const block = [`with open(${pathExpr}) as ${fileVar}:`, `${indent}${variable} = yaml.safe_load(${fileVar})`];
  let text = '';
  if (imports.length) text += imports.join(eol) + eol + eol;
  else if (afterImports) text += eol;
  text += block.join(eol) + eol;
  if (nextLine !== undefined && nextLine.trim() !== '') text += eol;
  // Inserting after the last line of a file without a final newline.
  if (at.line >= lines.length || (at.line === lines.length - 1 && nextLine === '' && !source.endsWith('\n'))) {
    const last = lines.length - 1;
    return { range: { start: { line: last, character: lines[last].length }, end: { line: last, character: lines[last].length } }, newText: eol + text };
  }
  if (!afterImports && at.line > 0 && imports.length) text = eol + text;
  return { range: { start: at, end: at }, newText: text };
}

/**
 * New keys added to an existing config. First choice: append them as text produced by the
 * yaml package, checked by re-parsing (the file's own bytes stay untouched); otherwise the
 * Document is edited in place and serialized again.
 */
function mergeIntoExisting(
  configFile: string,
  text: string,
  setAll: (doc: Document) => void,
  existing: Record<string, unknown>,
  added: Array<[string, HyperparameterLiteral]>,
): TextEdit | { problem: string; related: RelatedLocation[] } {
  const expected: Record<string, unknown> = { ...existing };
  for (const [k, lit] of added) expected[k] = plainValue(lit);
  const fresh = new Document(undefined, SCHEMA);
  setAll(fresh);
  const appended = fresh.toString({ flowCollectionPadding: false });
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const sep = text === '' || text.endsWith('\n') ? '' : eol;
  const candidate = text + sep + appended.replace(/\n/g, eol);
  if (sameJs(candidate, expected)) {
    const lines = text.split('\n');
    const last = lines.length - 1;
    const end = { line: last, character: lines[last].length };
    return { path: configFile, range: { start: end, end }, newText: sep + appended.replace(/\n/g, eol) };
  }
  const doc = parseDocument(text, SCHEMA);
  if (doc.contents !== null && !isMap(doc.contents))
    return { problem: `${path.basename(configFile)} does not hold a mapping of keys at its top level, so hyperparameters cannot be added to it`, related: [] };
  setAll(doc);
  const rewritten = doc.toString({ flowCollectionPadding: false });
  if (!sameJs(rewritten, expected)) return { problem: `${path.basename(configFile)} could not be merged safely`, related: [] };
  const lines = text.split('\n');
  const last = lines.length - 1;
  return { path: configFile, range: { start: { line: 0, character: 0 }, end: { line: last, character: lines[last].length } }, newText: rewritten };
}

function sameJs(text: string, expected: Record<string, unknown>): boolean {
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length) return false;
  return JSON.stringify(doc.toJS() ?? {}) === JSON.stringify(expected);
}
