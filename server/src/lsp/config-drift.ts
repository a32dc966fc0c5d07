/**
 * Findings that span files, in the language server:
 *
 * - Config drift (CFG005): a YAML/JSON experiment config is judged against the Python files
 *   that load it, so it is evaluated again when one of them changes (typed in an editor,
 *   saved, created, deleted, closed), and those Python files again when the config changes.
 * - Quick fixes that edit other files (CFG001's "extract to config" writes config.yaml) are
 *   rebuilt when code actions are asked for, so a fix never applies to a file that changed
 *   since the lint (a config.yaml made invalid in between gets the fix offered disabled).
 *
 * The engine does the work; this module only decides what to look at again, and when.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver/node';
import type { Finding, Fix, Range } from '../../../protocol/findings';
import { configFilesLoadedBy, configUsage, driftSearchRoot, findConfigLoads, isExperimentConfigFile, pythonSources } from '../engine/config-files';
import { PYTHON_EXTENSIONS, type Linter } from '../engine/lint';
import type { PythonModule } from '../engine/python/module';

/** What the tracker needs from the server. */
export interface DriftHost {
  /** The open text document at a path, if any. */
  openText(file: string): string | undefined;
  /** Lint a file again: its open document, or (workspace scan on) the file on disk. */
  relint(file: string): void;
  /** Files that currently show diagnostics (the scan's) or are open. */
  shownConfigs(): Iterable<string>;
  /** Paths of the open documents. */
  openFiles(): Iterable<string>;
  linterFor(file: string): Linter;
  workspaceRootFor(file: string): string | undefined;
}

/** Typing in a Python file re-checks the configs it loads once the typing pauses. */
const SETTLE_MS = 150;

const isPython = (file: string) => PYTHON_EXTENSIONS.includes(path.extname(file).toLowerCase());

export class ConfigDriftTracker {
  /** Python file -> the config files it loaded when last seen. */
  private readonly loadedBy = new Map<string, string[]>();
  /**
   * Open Python file -> config file -> what the config side's findings take from that file
   * (its loads of the config and how it reads them, with positions), when last linted.
   */
  private readonly contributions = new Map<string, Map<string, string>>();
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly host: DriftHost) {
    // The engine reads Python files for the config side; open buffers are newer than the disk.
    pythonSources.bufferText = (file) => (isPython(file) ? host.openText(file) : undefined);
  }

  /** An open Python document was linted (`module` is its parse, still alive). */
  pythonLinted(file: string, module: PythonModule | undefined): void {
    // The cheap test first (as CFG005's own `requires`): most files load no config, and typing stays fast.
    const mayLoad = module !== undefined && /yaml|json|omegaconf|hydra/.test(module.source);
    if (!mayLoad && !this.loadedBy.has(file)) return;
    const now = mayLoad ? contributionsOf(module, file, this.host.linterFor(file).projectFor(file).root) : new Map<string, string>();
    // A config's findings change only with what this file contributes to them: typing
    // elsewhere in the file re-checks nothing (each re-check parses every Python file that
    // loads the config).
    const before = this.contributions.get(file);
    const changed = [...now.keys(), ...(before?.keys() ?? [])].filter((c) => before?.get(c) !== now.get(c));
    if (now.size) this.contributions.set(file, now);
    else this.contributions.delete(file);
    this.update(file, [...now.keys()], changed);
  }

  /** An open Python document was closed: what the disk says applies again. */
  pythonClosed(file: string): void {
    this.contributions.delete(file);
    const before = this.loadedBy.get(file);
    if (before?.length) this.schedule(before);
  }

  /** Files changed on disk (watched-file events); `created`/`deleted` change folder listings. */
  async filesChanged(changes: ReadonlyArray<{ file: string; structural: boolean; deleted: boolean }>): Promise<void> {
    for (const c of changes) {
      if (isPython(c.file)) {
        pythonSources.invalidate(c.file, c.structural);
        if (this.host.openText(c.file) !== undefined) continue; // the open document's lint covers it
        let loaded: string[] = [];
        if (!c.deleted) {
          const text = pythonSources.text(c.file);
          const root = this.host.linterFor(c.file).projectFor(c.file).root;
          if (text !== undefined) loaded = await configFilesLoadedBy(c.file, text, root).catch(() => []);
        }
        // Not seen before: any config shown may have lost (or gained) a reader.
        if (!this.loadedBy.has(c.file)) this.schedule([...this.host.shownConfigs()].filter(isExperimentConfigFile));
        this.contributions.delete(c.file);
        this.update(c.file, loaded);
      } else if (isExperimentConfigFile(c.file)) {
        // The Python files that read it (their missing-key findings depend on it), and the open
        // ones beside it (CFG001's "extract to config" fix writes config.yaml next to the script).
        const root = this.host.linterFor(c.file).projectFor(c.file).root;
        const readers = pythonSources.candidatesFor(c.file, driftSearchRoot(c.file, root, this.host.workspaceRootFor(c.file))).map((s) => s.path);
        const beside = [...this.host.openFiles()].filter((f) => isPython(f) && path.dirname(f) === path.dirname(c.file));
        for (const file of new Set([...readers, ...beside]))
          if (!this.host.linterFor(file).configFor(file).isExcluded(file)) this.host.relint(file);
      }
    }
  }

  /** `loaded`: the configs the file loads now; `changed`: those to re-check (default: every config it loads or loaded). */
  private update(file: string, loaded: string[], changed?: string[]): void {
    const before = this.loadedBy.get(file) ?? [];
    if (loaded.length) this.loadedBy.set(file, loaded);
    else this.loadedBy.delete(file);
    const affected = new Set(changed ?? [...before, ...loaded]);
    if (affected.size) this.schedule([...affected]);
  }

  private schedule(configs: Iterable<string>): void {
    for (const c of configs) this.pending.add(c);
    if (this.timer || !this.pending.size) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const files = [...this.pending];
      this.pending.clear();
      for (const f of files) this.host.relint(f);
    }, SETTLE_MS);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

/**
 * For each config file a module loads: what `configDriftFindings` takes from the module for
 * that config (whether the file is a candidate by its text, each load's prefix, style and
 * Hydra flag, and the keys it reads, tests, writes and uses whole, with their positions),
 * as a string to compare between lints.
 */
function contributionsOf(module: PythonModule, file: string, root: string | undefined): Map<string, string> {
  const byConfig = new Map<string, unknown[]>();
  for (const load of findConfigLoads(module, file, root)) {
    if (!load.file) continue;
    const usage = configUsage(module, load);
    const pos = (n: { startPosition: { row: number; column: number }; endPosition: { row: number; column: number } }) =>
      [n.startPosition.row, n.startPosition.column, n.endPosition.row, n.endPosition.column];
    const entry = {
      prefix: load.prefix,
      style: load.style,
      hydra: !!load.hydra,
      reads: usage.reads.map((r) => [r.path, r.required, r.how, pos(r.node)]),
      consumed: usage.consumed,
      handled: usage.handled,
    };
    const list = byConfig.get(load.file) ?? [];
    list.push(entry);
    byConfig.set(load.file, list);
  }
  const out = new Map<string, string>();
  for (const [config, loads] of byConfig) {
    const base = path.basename(config);
    const stem = base.replace(/\.(ya?ml|json)$/i, '');
    const text = module.source;
    const candidate = text.includes(base) || (text.includes('hydra') && text.includes(stem));
    out.set(config, JSON.stringify([candidate, loads]));
  }
  return out;
}

function intersects(a: Range, b: Range): boolean {
  const before = (p: Range['start'], q: Range['start']) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/** A fix built from other files' content (it edits or creates them), or one disabled because of them. */
function dependsOnOtherFiles(fix: Fix): boolean {
  return fix.disabled !== undefined || !!fix.createFiles?.length || fix.edits.some((e) => e.path !== undefined);
}

/**
 * The findings to build code actions from for an open Python document: its last findings,
 * or, when a finding under the request has a fix that edits other files, a fresh lint of
 * the buffer (those fixes read the other files when built; they may have changed since).
 * A fix that would edit a file open with unsaved changes is offered disabled: it was built
 * from the file on disk.
 */
export async function findingsForCodeActions(
  findings: readonly Finding[],
  file: string,
  text: string,
  range: Range,
  context: readonly Diagnostic[],
  linter: Linter,
  openText: (file: string) => string | undefined,
): Promise<readonly Finding[]> {
  const wanted = (f: Finding) =>
    intersects(f.range, range) || context.some((d) => d.code === f.rule && d.range.start.line === f.range.start.line && d.range.start.character === f.range.start.character);
  if (!isPython(file) || !findings.some((f) => wanted(f) && f.fixes?.some(dependsOnOtherFiles))) return findings;
  const result = await linter.lintPythonAsync(file, text);
  result.module?.dispose();
  return result.findings.map((f) => (f.fixes?.some(dependsOnOtherFiles) ? { ...f, fixes: f.fixes.map((fix) => guardOpenTargets(fix, openText)) } : f));
}

function guardOpenTargets(fix: Fix, openText: (file: string) => string | undefined): Fix {
  if (fix.disabled !== undefined) return fix;
  for (const target of new Set(fix.edits.flatMap((e) => (e.path ? [e.path] : [])))) {
    const open = openText(target);
    if (open === undefined) continue;
    let disk: string | undefined;
    try {
      disk = fs.readFileSync(target, 'utf8');
    } catch {
      disk = undefined;
    }
    if (disk !== open)
      return { title: fix.title, safety: fix.safety, edits: [], disabled: `${path.basename(target)} has unsaved changes; save it, then ask for the quick fix again` };
  }
  return fix;
}
