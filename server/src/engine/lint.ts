/**
 * The lint engine: given a file (from disk or an editor buffer), runs the rules that
 * apply to it under the nearest project configuration and returns plain findings.
 * Knows nothing of LSP or of output formats.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { Finding, Range, RuleMeta, Severity } from '../../../protocol/findings';
import { ConfigResolver, type EffectiveConfig, type RuleCatalog, isConfigFileName, loadConfigFile, type SeverityOverride } from './config';
import { grammarParser } from './parser';
import { ProjectFactsCache, type ProjectFacts } from './project';
import { importableRoots, PythonModule } from './python/module';
import type { PythonContext, PythonRule, ReportOptions, Rule } from './rule';
import { buildNotebookProgram, mapFindingsToCells, NotebookError, parseIpynb, type NotebookCellSource } from './notebook';
import { applySuppressions, parseSuppressions, type Suppression } from './suppressions';
import { MLH_RULES } from '../../../rules/mlh';

export type FileKind = 'python' | 'notebook' | 'pickle' | 'onnx' | 'config' | 'experiment-config' | 'other';

export const PYTHON_EXTENSIONS = ['.py', '.pyi', '.pyw'];

export function nodeRange(node: Node): Range {
  const s = node.startPosition;
  const e = node.endPosition;
  return { start: { line: s.row, character: s.column }, end: { line: e.row, character: e.column } };
}

export interface LinterOptions {
  rules: readonly Rule[];
  /** Per-rule/family severities from editor settings; the project configuration overrides them. */
  editorSeverity?: Record<string, SeverityOverride>;
  /** Rule selection given on the command line; replaces the configuration's select/ignore. */
  selection?: { select?: string[]; ignore?: string[] };
  /** Where the search for dependency files stops going up. */
  workspaceRoot?: string;
  /** Classifies files; the pickle and model readers plug in here. */
  fileKinds?: Array<(file: string) => FileKind | undefined>;
  /** Lints a file kind the engine itself does not read (pickles, models). */
  fileLinters?: Partial<Record<FileKind, (file: string, linter: Linter) => Promise<Finding[]>>>;
  /** Lints an editor buffer of a kind the engine itself does not read (YAML/JSON experiment configs). */
  textLinters?: Partial<Record<FileKind, (file: string, text: string, linter: Linter) => Promise<Finding[]>>>;
}

export interface PythonLintResult {
  findings: Finding[];
  /**
   * The parsed module, undefined when no rule needed a parse. Its trees live in the wasm
   * heap: the caller keeps it for the next lint of the same document, or disposes it.
   */
  module?: PythonModule;
}

/** Reads a text file the way the engine needs it: refuses binaries, survives invalid UTF-8. */
export function readSourceFile(file: string): { text?: string; problem?: Finding } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    return { problem: engineFinding('MLH002', `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? ''} ${(e as Error).message}`.trim()) };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { problem: engineFinding('MLH002', `not a text file: NUL byte at offset ${nul}; the file was not linted`) };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const text = new TextDecoder('utf-8').decode(bytes);
    const bad = firstInvalidUtf8(bytes);
    return {
      text,
      problem: engineFinding('MLH002', `invalid UTF-8 at byte ${bad}; linted with the invalid bytes replaced by U+FFFD`, 'warning'),
    };
  }
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (!len) return i;
    for (let k = 1; k < len; k++) if (i + k >= bytes.length || (bytes[i + k] & 0xc0) !== 0x80) return i;
    i += len;
  }
  return bytes.length;
}

const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function engineFinding(rule: string, message: string, severity?: Severity, range: Range = ZERO): Finding {
  const meta = MLH_RULES.find((r) => r.meta.id === rule)!.meta;
  return { rule, severity: severity ?? meta.severity, message, range };
}

export class Linter {
  readonly configs: ConfigResolver;
  private readonly catalog: RuleCatalog;
  readonly projects = new ProjectFactsCache();
  private readonly pythonRules: PythonRule[];
  readonly rules: readonly Rule[];
  private readonly byId = new Map<string, Rule>();

  constructor(private readonly options: LinterOptions) {
    this.rules = [...MLH_RULES, ...options.rules];
    for (const r of this.rules) this.byId.set(r.meta.id, r);
    this.pythonRules = options.rules.filter((r): r is PythonRule => r.target === 'python');
    const families = new Set(this.rules.map((r) => r.meta.family));
    this.catalog = { isKnown: (code) => code === 'ALL' || this.byId.has(code) || families.has(code as never) };
    this.configs = new ConfigResolver(this.catalog);
  }

  ruleMeta(id: string): RuleMeta | undefined {
    return this.byId.get(id)?.meta;
  }

  setEditorSeverity(sev: Record<string, SeverityOverride> | undefined): void {
    this.options.editorSeverity = sev;
  }

  fileKind(file: string): FileKind {
    for (const classify of this.options.fileKinds ?? []) {
      const k = classify(file);
      if (k) return k;
    }
    const ext = path.extname(file).toLowerCase();
    if (PYTHON_EXTENSIONS.includes(ext)) return 'python';
    if (ext === '.ipynb') return 'notebook';
    if (ext === '.onnx') return 'onnx';
    if (isConfigFileName(file)) return 'config';
    return 'other';
  }

  configFor(file: string): EffectiveConfig {
    return this.configs.forFile(file);
  }

  projectFor(file: string): ProjectFacts {
    return this.projects.forFile(file, this.options.workspaceRoot);
  }

  severityFor(rule: RuleMeta, config: EffectiveConfig): SeverityOverride {
    const sel = this.options.selection;
    if (sel && rule.family !== 'MLH') {
      const matches = (codes: string[] | undefined) => codes?.some((c) => c === rule.id || c === rule.family || c === 'ALL');
      if (sel.select && !matches(sel.select)) return 'off';
      if (matches(sel.ignore)) return 'off';
      if (sel.select) return config.severityOf(rule.id, rule.family, rule.severity, this.options.editorSeverity, true);
    }
    return config.severityOf(rule.id, rule.family, rule.severity, this.options.editorSeverity);
  }

  /** Lints a file from disk, whatever its kind. Never throws: problems become findings. */
  async lintFile(file: string): Promise<Finding[]> {
    const config = this.configFor(file);
    const kind = this.fileKind(file);
    try {
      switch (kind) {
        case 'python': {
          const { text, problem } = readSourceFile(file);
          let found: Finding[] = [];
          if (text !== undefined) {
            const result = await this.lintPythonAsync(file, text);
            // Trees live in the wasm heap: free them, nobody edits a file linted from disk.
            result.module?.dispose();
            found = result.findings;
          }
          return problem ? [problem, ...found] : found;
        }
        case 'notebook': {
          const { text, problem } = readSourceFile(file);
          if (text === undefined) return problem ? [problem] : [];
          const found = await this.lintNotebookText(file, text);
          return problem ? [problem, ...found] : found;
        }
        case 'config': {
          const loaded = loadConfigFile(file, this.catalog);
          return this.applySeverity(loaded?.errors ?? [], config);
        }
        default: {
          const lint = this.options.fileLinters?.[kind];
          if (!lint) return [];
          return this.applySeverity(await lint(file, this), config);
        }
      }
    } catch (e) {
      return [engineFinding('MLH002', `internal error while linting: ${(e as Error).message}`, 'error')];
    }
  }

  /**
   * Lints an editor buffer of a non-Python kind through `textLinters`. A project configuration
   * (`.ml-hygiene.yaml`) is linted from disk, as the resolver reads it. Undefined for kinds
   * not linted as open documents. Never throws.
   */
  async lintOtherText(file: string, text: string): Promise<Finding[] | undefined> {
    const kind = this.fileKind(file);
    const lint = this.options.textLinters?.[kind];
    if (!lint) return kind === 'config' ? this.lintFile(file) : undefined;
    try {
      return this.applySeverity(await lint(file, text, this), this.configFor(file));
    } catch (e) {
      return [engineFinding('MLH002', `internal error while linting: ${(e as Error).message}`, 'error')];
    }
  }

  /** Applies configuration severities to findings produced outside the Python path. */
  applySeverity(findings: Finding[], config: EffectiveConfig): Finding[] {
    const out: Finding[] = [];
    for (const f of findings) {
      const meta = this.ruleMeta(f.rule);
      if (!meta) {
        out.push(f);
        continue;
      }
      const sev = this.severityFor(meta, config);
      if (sev === 'off') continue;
      // A rule that raised one finding's severity (a dangerous pickle) keeps it unless configured.
      out.push({ ...f, severity: f.severity !== meta.severity ? f.severity : sev });
    }
    return out;
  }

  /**
   * Lints Python source text. While typing, `previous` (the module of the last lint of the
   * same document) lets only the part of the text that changed be parsed and indexed
   * again; it must not be used after this call (dispose it if no module came back).
   */
  lintPython(file: string, text: string, grammar?: Awaited<ReturnType<typeof grammarParser>>, previous?: PythonModule): PythonLintResult {
    if (!grammar) throw new Error('lintPython needs the loaded grammar; use lintPythonAsync');
    const config = this.configFor(file);
    const active: Array<{ rule: PythonRule; severity: Severity }> = [];
    const importable = importableRoots(text);
    for (const rule of this.pythonRules) {
      const severity = this.severityFor(rule.meta, config);
      if (severity === 'off') continue;
      if (rule.requires && !rule.requires.some((m) => importable.has(m))) continue;
      active.push({ rule, severity });
    }
    if (!active.length) return { findings: [] };
    const module = PythonModule.parse(grammar, text, previous);
    const findings: Finding[] = [];
    const project = this.projectFor(file);
    let current: { rule: PythonRule; severity: Severity } = active[0];
    const report = (range: Range, message: string, options?: ReportOptions) => {
      // A rule may raise one finding's severity (a load is worse than a dump), unless the
      // user configured the rule's severity: then the configuration decides.
      const configured = current.severity !== current.rule.meta.severity;
      const f: Finding = { rule: current.rule.meta.id, severity: options?.severity && !configured ? options.severity : current.severity, message, range };
      if (options?.related?.length) f.related = options.related;
      if (options?.fixes?.length) f.fixes = options.fixes;
      findings.push(f);
    };
    const ctx: PythonContext = {
      path: file,
      project,
      source: text,
      module,
      report,
      reportNode: (node, message, options) => report(nodeRange(node), message, options),
    };
    for (const entry of active) {
      current = entry;
      if (entry.rule.requires && !entry.rule.requires.some((m) => module.importsModule(m))) continue;
      try {
        entry.rule.check(ctx);
      } catch (e) {
        findings.push(engineFinding('MLH002', `rule ${entry.rule.meta.id} failed on this file: ${(e as Error).message}`, 'error'));
      }
    }
    const syntax = this.syntaxErrors(module);
    const suppressions = text.includes('ml-hygiene:') ? this.suppressionsOf(module) : [];
    const kept = applySuppressions(findings, suppressions);
    kept.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    return { findings: [...syntax, ...kept], module };
  }

  /** Lints an .ipynb's code cells as one program; findings carry their cell. */
  async lintNotebookText(file: string, text: string): Promise<Finding[]> {
    let parsed;
    try {
      parsed = parseIpynb(text);
    } catch (e) {
      if (e instanceof NotebookError) return [engineFinding('MLH002', e.message)];
      throw e;
    }
    if (parsed.language !== 'python') return [];
    return this.lintNotebookCells(file, parsed.cells);
  }

  /** Lints notebook cells (from a file or an editor) as one program. */
  async lintNotebookCells(file: string, cells: readonly NotebookCellSource[]): Promise<Finding[]> {
    const { findings, module } = await this.lintNotebookProgram(file, cells);
    module?.dispose();
    return findings;
  }

  /**
   * `lintNotebookCells`, keeping the program's module: handed back as `previous` with the
   * next version of the same notebook, only the cells that changed are parsed again.
   */
  async lintNotebookProgram(file: string, cells: readonly NotebookCellSource[], previous?: PythonModule): Promise<PythonLintResult> {
    const program = buildNotebookProgram(cells);
    const result = await this.lintPythonAsync(file, program.source, previous);
    return { findings: mapFindingsToCells(program, result.findings), module: result.module };
  }

  async lintPythonAsync(file: string, text: string, previous?: PythonModule): Promise<PythonLintResult> {
    return this.lintPython(file, text, await grammarParser('python'), previous);
  }

  private syntaxErrors(module: PythonModule): Finding[] {
    const tree = module.treesWithErrors[0];
    if (!tree) return [];
    // Report the first error only: tree-sitter recovers, and the rest of the file was linted.
    const error = this.firstError(tree.rootNode);
    if (!error) return [];
    const what = error.isMissing ? `missing '${error.type}'` : `unexpected '${error.text.slice(0, 40).split('\n')[0]}'`;
    return [engineFinding('MLH003', `syntax error: ${what}; the rest of the file was still linted`, undefined, nodeRange(error))];
  }

  private firstError(root: Node): Node | undefined {
    const cursor = root.walk();
    try {
      // Descend only into subtrees that contain an error.
      for (;;) {
        const node = cursor.currentNode;
        if (node.isError || node.isMissing) return node;
        if (node.hasError && cursor.gotoFirstChild()) continue;
        while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) return undefined;
      }
    } finally {
      // Always free the cursor: web-tree-sitter's finalizer for a collected TreeCursor frees
      // whatever cursor sits in its transfer buffer at that moment, which corrupts the wasm
      // heap (the language server died with "memory access out of bounds" after edits that
      // left syntax errors).
      cursor.delete();
    }
  }

  private suppressionsOf(module: PythonModule): Suppression[] {
    const comments: Array<{ text: string; line: number; character: number }> = [];
    const lines = module.source.split('\n');
    lines.forEach((line, i) => {
      const at = line.indexOf('ml-hygiene:');
      if (at < 0) return;
      // Make sure the directive sits in a comment, not in a string.
      const node = module.descendantForPosition({ row: i, column: at });
      if (node?.type === 'comment') comments.push({ text: node.text, line: i, character: node.startPosition.column });
    });
    return parseSuppressions(comments);
  }
}

export { engineFinding };
