/**
 * Project configuration: `.ml-hygiene.yaml` (or `.yml`) or `[tool.ml-hygiene]` in
 * `pyproject.toml`. The nearest configuration above a file wins whole (no merging with
 * configurations further up), `.ml-hygiene.yaml` before `pyproject.toml` in one folder.
 * An invalid configuration yields findings on the configuration file and the defaults apply.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { parse as parseToml, TomlError } from 'smol-toml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { Finding, Range, Severity } from '../../../protocol/findings';
import { SEVERITIES } from '../../../protocol/findings';

export const CONFIG_FILE_NAMES = ['.ml-hygiene.yaml', '.ml-hygiene.yml', 'pyproject.toml'] as const;
export const CONFIG_ERROR_RULE = 'MLH001';

export type SeverityOverride = Severity | 'off';

export interface HygieneConfig {
  /** Rule ids or family prefixes to enable; absent means every rule. */
  select?: string[];
  /** Rule ids or family prefixes to disable. */
  ignore?: string[];
  /** Per-rule or per-family severity (`off` disables). */
  severity?: Record<string, SeverityOverride>;
  /** gitignore-style patterns, relative to the configuration's folder, of files not to lint. */
  exclude?: string[];
}

export interface LoadedConfig {
  /** The configuration file, or undefined for defaults. */
  file: string | undefined;
  dir: string | undefined;
  config: HygieneConfig;
  /** Problems found in the file; when any is present the defaults apply. */
  errors: Finding[];
}

const KEYS: Record<string, true> = { select: true, ignore: true, severity: true, exclude: true };
const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export interface RuleCatalog {
  /** Whether `code` names a rule (`SER001`) or a family (`SER`). */
  isKnown(code: string): boolean;
}

function configError(message: string, range: Range = ZERO): Finding {
  return { rule: CONFIG_ERROR_RULE, severity: 'error', message, range };
}

/** Validates the plain object form shared by both file formats. */
function validate(
  raw: unknown,
  catalog: RuleCatalog,
  rangeOf: (keyPath: (string | number)[]) => Range,
): { config: HygieneConfig; errors: Finding[] } {
  const errors: Finding[] = [];
  const config: HygieneConfig = {};
  if (raw === null || raw === undefined) return { config, errors };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { config, errors: [configError('the configuration must be a mapping of keys (select, ignore, severity, exclude)')] };
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!KEYS[key]) {
      errors.push(configError(`unknown key '${key}'; expected one of: ${Object.keys(KEYS).join(', ')}`, rangeOf([key])));
      continue;
    }
    if (key === 'severity') {
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        errors.push(configError(`'severity' must map rule ids or families to one of ${[...SEVERITIES, 'off'].join(', ')}`, rangeOf([key])));
        continue;
      }
      const out: Record<string, SeverityOverride> = {};
      for (const [code, sev] of Object.entries(value as Record<string, unknown>)) {
        if (!catalog.isKnown(code)) errors.push(configError(`unknown rule or family '${code}' in 'severity'`, rangeOf([key, code])));
        else if (typeof sev !== 'string' || ![...SEVERITIES, 'off'].includes(sev))
          errors.push(configError(`severity of '${code}' must be one of ${[...SEVERITIES, 'off'].join(', ')}, not ${JSON.stringify(sev)}`, rangeOf([key, code])));
        else out[code] = sev as SeverityOverride;
      }
      config.severity = out;
      continue;
    }
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) {
      errors.push(configError(`'${key}' must be a list of strings`, rangeOf([key])));
      continue;
    }
    if (key === 'select' || key === 'ignore') {
      list.forEach((code: string, i: number) => {
        if (!catalog.isKnown(code)) errors.push(configError(`unknown rule or family '${code}' in '${key}'`, rangeOf([key, i])));
      });
    }
    config[key as 'select' | 'ignore' | 'exclude'] = list as string[];
  }
  return { config, errors };
}

function loadYamlConfig(file: string, text: string, catalog: RuleCatalog): { config: HygieneConfig; errors: Finding[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const toRange = (offsets: [number, number] | undefined): Range => {
    if (!offsets) return ZERO;
    const a = lineCounter.linePos(offsets[0]);
    const b = lineCounter.linePos(offsets[1]);
    return { start: { line: a.line - 1, character: a.col - 1 }, end: { line: b.line - 1, character: b.col - 1 } };
  };
  if (doc.errors.length) {
    return {
      config: {},
      errors: doc.errors.map((e) => configError(`invalid YAML: ${e.message.split('\n')[0]}`, toRange([e.pos[0], e.pos[1]]))),
    };
  }
  const rangeOf = (keyPath: (string | number)[]): Range => {
    let node: YamlNode | null | undefined = doc.contents as YamlNode | null;
    let keyRange: [number, number] | undefined;
    for (const k of keyPath) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === k);
        if (!pair) break;
        keyRange = isScalar(pair.key) && pair.key.range ? [pair.key.range[0], pair.key.range[1]] : keyRange;
        node = pair.value as YamlNode | null;
      } else if (isSeq(node) && typeof k === 'number') {
        node = node.items[k] as YamlNode | null;
        keyRange = node?.range ? [node.range[0], node.range[1]] : keyRange;
      }
    }
    return toRange(keyRange);
  };
  void file;
  return validate(doc.toJS(), catalog, rangeOf);
}

function loadPyprojectConfig(text: string, catalog: RuleCatalog): { config: HygieneConfig; errors: Finding[]; found: boolean } {
  let doc: Record<string, any>;
  try {
    doc = parseToml(text) as Record<string, any>;
  } catch (e) {
    // A broken pyproject.toml only concerns us if it holds our table.
    if (!/^\s*\[tool\.ml-hygiene/m.test(text)) return { config: {}, errors: [], found: false };
    const err = e as TomlError;
    const line = Math.max(0, (err.line ?? 1) - 1);
    const character = Math.max(0, (err.column ?? 1) - 1);
    return {
      config: {},
      errors: [configError(`invalid TOML: ${String(err.message).split('\n')[0]}`, { start: { line, character }, end: { line, character: character + 1 } })],
      found: true,
    };
  }
  const table = doc.tool?.['ml-hygiene'];
  if (table === undefined) return { config: {}, errors: [], found: false };
  const lines = text.split(/\r?\n/);
  const sectionStart = lines.findIndex((l) => /^\s*\[tool\.ml-hygiene\]/.test(l));
  // smol-toml keeps no positions: find the key's line inside our section.
  const rangeOf = (keyPath: (string | number)[]): Range => {
    const key = String(keyPath[keyPath.length - 1]);
    const parentKey = String(keyPath[0]);
    const names = typeof keyPath[keyPath.length - 1] === 'number' ? [parentKey] : [key, `"${key}"`];
    for (let i = Math.max(0, sectionStart); i < lines.length; i++) {
      for (const name of names) {
        const col = lines[i].search(new RegExp(`(^|[\\s{,.\\[])${name.replace(/[.*+?^${}()|[\]\\"]/g, '\\$&')}\\s*=`));
        if (col >= 0) {
          const character = lines[i].indexOf(name.replace(/"/g, ''), col);
          return { start: { line: i, character }, end: { line: i, character: character + name.replace(/"/g, '').length } };
        }
      }
    }
    return { start: { line: Math.max(0, sectionStart), character: 0 }, end: { line: Math.max(0, sectionStart), character: 0 } };
  };
  return { ...validate(table, catalog, rangeOf), found: true };
}

/** Reads one configuration file; undefined when it is a pyproject.toml without our table. */
export function loadConfigFile(file: string, catalog: RuleCatalog): LoadedConfig | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (path.basename(file) === 'pyproject.toml') return undefined;
    return { file, dir: path.dirname(file), config: {}, errors: [configError(`cannot read the configuration: ${(e as Error).message}`)] };
  }
  return parseConfigText(file, text, catalog);
}

export function parseConfigText(file: string, text: string, catalog: RuleCatalog): LoadedConfig | undefined {
  const dir = path.dirname(file);
  if (path.basename(file) === 'pyproject.toml') {
    const r = loadPyprojectConfig(text, catalog);
    if (!r.found) return undefined;
    return { file, dir, config: r.errors.length ? {} : r.config, errors: r.errors };
  }
  const r = loadYamlConfig(file, text, catalog);
  return { file, dir, config: r.errors.length ? {} : r.config, errors: r.errors };
}

const DEFAULT_CONFIG: LoadedConfig = { file: undefined, dir: undefined, config: {}, errors: [] };

/** The configuration that applies to one file, with matchers compiled once. */
export class EffectiveConfig {
  private readonly excluder: Ignore | undefined;
  constructor(readonly loaded: LoadedConfig) {
    const patterns = loaded.config.exclude;
    this.excluder = patterns?.length ? ignore().add(patterns) : undefined;
  }

  isExcluded(file: string): boolean {
    if (!this.excluder || !this.loaded.dir) return false;
    const rel = path.relative(this.loaded.dir, file);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return false;
    return this.excluder.ignores(rel.split(path.sep).join('/'));
  }

  /** The severity a rule's findings get, or `off`; `editor` holds editor settings, which the project config overrides. */
  severityOf(
    ruleId: string,
    family: string,
    defaultSeverity: Severity,
    editor?: Record<string, SeverityOverride>,
    /** The rule was selected explicitly (command line): the configuration's select/ignore do not apply. */
    selected = false,
  ): SeverityOverride {
    const { select, ignore: ignored, severity } = this.loaded.config;
    const matches = (codes: string[] | undefined) => codes?.some((c) => c === ruleId || c === family || c === 'ALL');
    if (!selected && select && !matches(select)) return 'off';
    if (!selected && matches(ignored)) return 'off';
    return severity?.[ruleId] ?? severity?.[family] ?? editor?.[ruleId] ?? editor?.[family] ?? defaultSeverity;
  }
}

/** Finds and caches the nearest configuration for files; invalidated when a config file changes. */
export class ConfigResolver {
  private readonly byDir = new Map<string, EffectiveConfig>();
  constructor(private readonly catalog: RuleCatalog) {}

  forFile(file: string): EffectiveConfig {
    return this.forDir(path.dirname(path.resolve(file)));
  }

  private forDir(dir: string): EffectiveConfig {
    const cached = this.byDir.get(dir);
    if (cached) return cached;
    let found: LoadedConfig | undefined;
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = path.join(dir, name);
      if (fs.existsSync(candidate)) {
        found = loadConfigFile(candidate, this.catalog);
        if (found) break;
      }
    }
    const parent = path.dirname(dir);
    const effective = found ? new EffectiveConfig(found) : parent === dir ? new EffectiveConfig(DEFAULT_CONFIG) : this.forDir(parent);
    this.byDir.set(dir, effective);
    return effective;
  }

  /** Every configuration file read so far, with its errors (for diagnostics on config files). */
  loadedConfigs(): LoadedConfig[] {
    const seen = new Set<LoadedConfig>();
    for (const c of this.byDir.values()) if (c.loaded.file) seen.add(c.loaded);
    return [...seen];
  }

  invalidate(changedFile?: string): void {
    if (changedFile === undefined || (CONFIG_FILE_NAMES as readonly string[]).includes(path.basename(changedFile))) this.byDir.clear();
  }
}

export function isConfigFileName(file: string): boolean {
  return (CONFIG_FILE_NAMES as readonly string[]).includes(path.basename(file));
}
