/**
 * The language server's LSP wiring: documents, diagnostics, code actions, settings,
 * file watching and the background workspace scan. The engine does the work; this
 * layer only translates.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  NotebookCellKind,
  NotebookDocuments,
  type NotebookDocument,
  DidChangeConfigurationNotification,
  ErrorCodes,
  ResponseError,
  FileChangeType,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceFolder,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Finding } from '../../../protocol/findings';
import {
  DEFAULT_SETTINGS,
  LspMethods,
  SETTINGS_SECTION,
  type HygieneSettings,
  type ModelTextParams,
  type ModelTextResult,
  type ScanStatusParams,
} from '../../../protocol/settings';
import { decodeModelFile } from '../onnx/decode';
import { modelToText } from '../onnx/text';
import { createLinter, isLintable } from '../compose';
import { discoverFiles } from '../engine/files';
import type { Linter } from '../engine/lint';
import type { PythonModule } from '../engine/python/module';
import { codeActionsFor, fileUri, toDiagnostic } from './convert';
import { ConfigDriftTracker, findingsForCodeActions } from './config-drift';
import { OpenDocument } from './documents';
import { registerBenchHandlers } from './bench-handlers';
import { registerGraphHandlers, warmFor } from './graph-handlers';
import { registerModelCodeLens } from './model-codelens';

const PYTHON_LANGUAGES = new Set(['python']);

function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

/** Per workspace folder: its settings and a linter configured with them. */
interface FolderState {
  uri: string;
  path: string;
  settings: HygieneSettings;
  linter: Linter;
}

export class HygieneServer {
  private readonly documents = new Map<string, OpenDocument>();
  /** Open notebooks; their cells are synced through the notebook, not as text documents. */
  private readonly notebooks = new NotebookDocuments(TextDocument);
  /** Findings of each open notebook cell, by cell URI, for code actions. */
  private readonly cellFindings = new Map<string, { findings: Finding[]; notebook: string }>();
  private readonly notebookLintQueued = new Set<string>();
  private readonly openNotebooks = new Set<string>();
  /** The module of each open notebook's last lint (its cells as one program), for the next lint to take over. */
  private readonly notebookModules = new Map<string, PythonModule>();
  private folders: FolderState[] = [];
  /** Linter for files outside every workspace folder. */
  private looseLinter = createLinter();
  private looseSettings: HygieneSettings = DEFAULT_SETTINGS;
  /** Files the workspace scan published diagnostics for (uri -> findings count). */
  private readonly scanned = new Map<string, number>();
  private scanGeneration = 0;
  private supportsConfigurationPull = false;
  private supportsWorkDoneProgress = false;
  private supportsDisabledCodeActions = false;
  private graphs?: ReturnType<typeof registerGraphHandlers>;
  private modelLenses?: ReturnType<typeof registerModelCodeLens>;
  /** CFG005 across files: configs re-checked when the Python files loading them change, and back. */
  private readonly configDrift = new ConfigDriftTracker({
    openText: (file) => this.openDocumentAt(file)?.text,
    relint: (file) => {
      const doc = this.openDocumentAt(file);
      if (doc) this.queueLint(doc);
      else if (this.settingsFor(file).workspaceScan) void this.lintFromDisk(file);
    },
    shownConfigs: () => [...[...this.scanned.keys()].flatMap((u) => uriToPath(u) ?? []), ...[...this.documents.values()].map((d) => d.path)],
    openFiles: () => [...this.documents.values()].map((d) => d.path),
    linterFor: (file) => this.linterFor(file),
    workspaceRootFor: (file) => this.folderFor(file)?.path,
  });

  constructor(private readonly connection: Connection) {
    connection.onInitialize((p) => this.initialize(p));
    connection.onInitialized(() => void this.initialized());
    connection.onDidOpenTextDocument((p) => {
      const file = uriToPath(p.textDocument.uri) ?? this.virtualPath(p.textDocument.uri);
      const doc = new OpenDocument(TextDocument.create(p.textDocument.uri, p.textDocument.languageId, p.textDocument.version, p.textDocument.text), file);
      this.documents.set(p.textDocument.uri, doc);
      this.queueLint(doc);
    });
    connection.onDidChangeTextDocument((p) => {
      const doc = this.documents.get(p.textDocument.uri);
      if (!doc) return;
      doc.applyChanges(p.contentChanges, p.textDocument.version);
      this.queueLint(doc);
    });
    connection.onDidCloseTextDocument((p) => {
      const doc = this.documents.get(p.textDocument.uri);
      this.documents.delete(p.textDocument.uri);
      doc?.dispose();
      if (doc && PYTHON_LANGUAGES.has(doc.languageId)) this.configDrift.pythonClosed(doc.path);
      // The file on disk may differ from the closed buffer: the scan's view applies again.
      if (doc && this.settingsFor(doc.path).workspaceScan && uriToPath(doc.uri)) void this.lintFromDisk(doc.path);
      else connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
    });
    connection.onCodeAction(async (p) => {
      const doc = this.documents.get(p.textDocument.uri);
      if (doc) {
        const open = (file: string) => this.openDocumentAt(file)?.text;
        const findings = await findingsForCodeActions(doc.findings, doc.path, doc.text, p.range, p.context.diagnostics, this.linterFor(doc.path), open);
        const comment = doc.languageId === 'json' || /\.json$/i.test(doc.path) ? null : '#';
        return codeActionsFor(findings, p.range, p.context.diagnostics, doc.uri, doc.version, (n) => doc.line(n), undefined, comment, this.supportsDisabledCodeActions);
      }
      const cell = this.cellFindings.get(p.textDocument.uri);
      const cellDoc = this.notebooks.cellTextDocuments.get(p.textDocument.uri);
      const notebook = cell && this.notebooks.getNotebookDocument(cell.notebook);
      if (!cell || !cellDoc || !notebook) return [];
      const lineOf = (n: number) => cellDoc.getText({ start: { line: n, character: 0 }, end: { line: n + 1, character: 0 } }).replace(/\r?\n$/, '');
      const target = (e: { cell?: number }) => (e.cell !== undefined ? notebook.cells[e.cell]?.document ?? p.textDocument.uri : p.textDocument.uri);
      return codeActionsFor(cell.findings, p.range, p.context.diagnostics, p.textDocument.uri, cellDoc.version, lineOf, target, '#', this.supportsDisabledCodeActions);
    });
    this.notebooks.onDidOpen((nb) => {
      this.openNotebooks.add(nb.uri);
      // The open notebook reports per cell: drop what the scan published for the file.
      if (this.scanned.delete(nb.uri)) connection.sendDiagnostics({ uri: nb.uri, diagnostics: [] });
      this.queueNotebookLint(nb.uri);
    });
    this.notebooks.onDidChange((e) => this.queueNotebookLint(e.notebookDocument.uri));
    this.notebooks.onDidClose((nb) => this.closeNotebook(nb));
    this.notebooks.listen(connection);
    connection.onRequest(LspMethods.modelText, (p: ModelTextParams): ModelTextResult => {
      try {
        return { text: modelToText(decodeModelFile(p.path)) };
      } catch (e) {
        // The decoder's message names the file and the field or byte offset.
        throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message);
      }
    });
    registerBenchHandlers(connection);
    this.graphs = registerGraphHandlers(connection);
    this.modelLenses = registerModelCodeLens(connection, { document: (uri) => this.documents.get(uri), roots: () => this.folders.map((f) => f.path) });
    connection.onDidChangeConfiguration(() => void this.reloadSettings().then(() => this.relintAll()));
    connection.onDidChangeWatchedFiles((p) => {
      // Models on disk: "Show in Graph" lenses refresh.
      this.modelLenses?.filesChanged(p.changes);
      void this.filesChanged(p.changes);
    });
  }

  private initialize(params: InitializeParams): InitializeResult {
    const caps = params.capabilities;
    this.supportsConfigurationPull = Boolean(caps.workspace?.configuration);
    this.supportsWorkDoneProgress = Boolean(caps.window?.workDoneProgress);
    this.supportsDisabledCodeActions = Boolean(caps.textDocument?.codeAction?.disabledSupport);
    this.modelLenses?.clientCapabilities(caps);
    const folders: WorkspaceFolder[] = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
    this.folders = folders.flatMap((f) => {
      const p = uriToPath(f.uri);
      return p ? [{ uri: f.uri, path: p, settings: DEFAULT_SETTINGS, linter: createLinter({ workspaceRoot: p }) }] : [];
    });
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        notebookDocumentSync: { notebookSelector: [{ notebook: '*', cells: [{ language: 'python' }] }] },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
        workspace: { workspaceFolders: { supported: true, changeNotifications: false } },
      },
      serverInfo: { name: 'ml-hygiene', version: require('../../../package.json').version },
    };
  }

  private async initialized(): Promise<void> {
    if (this.supportsConfigurationPull) {
      try {
        await this.connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
      } catch {
        // Clients without dynamic registration still send didChangeConfiguration.
      }
    }
    await this.reloadSettings();
    this.relintAll();
    void this.scanWorkspace();
  }

  private async reloadSettings(): Promise<void> {
    if (!this.supportsConfigurationPull) return;
    const items = [{ section: SETTINGS_SECTION }, ...this.folders.map((f) => ({ section: SETTINGS_SECTION, scopeUri: f.uri }))];
    let values: unknown[];
    try {
      values = await this.connection.workspace.getConfiguration(items);
    } catch (e) {
      this.connection.console.error(`ml-hygiene: cannot read settings: ${(e as Error).message}`);
      return;
    }
    this.looseSettings = normalizeSettings(values[0]);
    this.looseLinter.setEditorSeverity(this.looseSettings.severity);
    this.folders.forEach((f, i) => {
      f.settings = normalizeSettings(values[i + 1]);
      f.linter.setEditorSeverity(f.settings.severity);
    });
  }

  private folderFor(file: string): FolderState | undefined {
    let best: FolderState | undefined;
    for (const f of this.folders)
      if ((file === f.path || file.startsWith(f.path + path.sep)) && (!best || f.path.length > best.path.length)) best = f;
    return best;
  }

  private linterFor(file: string): Linter {
    return this.folderFor(file)?.linter ?? this.looseLinter;
  }

  private settingsFor(file: string): HygieneSettings {
    return this.folderFor(file)?.settings ?? this.looseSettings;
  }

  /** Unsaved buffers lint as if they were in the first workspace folder, so its configuration applies. */
  private virtualPath(uri: string): string {
    const name = uri.replace(/^[a-z]+:/i, '').replace(/[^\w.-]+/g, '_');
    return path.join(this.folders[0]?.path ?? process.cwd(), name);
  }

  private openDocumentAt(file: string): OpenDocument | undefined {
    for (const doc of this.documents.values()) if (doc.path === file) return doc;
    return undefined;
  }

  private queueLint(doc: OpenDocument): void {
    if (doc.lintQueued) return;
    doc.lintQueued = true;
    // setImmediate: a burst of didChange messages already in the pipe is applied before linting once.
    setImmediate(() => {
      doc.lintQueued = false;
      if (this.documents.get(doc.uri) !== doc) return;
      void this.lintDocument(doc);
    });
  }

  private async lintDocument(doc: OpenDocument): Promise<void> {
    const settings = this.settingsFor(doc.path);
    if (!settings.enable) {
      doc.findings = [];
      this.connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: [] });
      return;
    }
    const linter = this.linterFor(doc.path);
    const version = doc.version;
    try {
      let findings: Finding[];
      if (PYTHON_LANGUAGES.has(doc.languageId)) {
        const previous = doc.module;
        doc.module = undefined;
        const result = await linter.lintPythonAsync(doc.path, doc.text, previous);
        // The previous module handed its chunks to the new one, or (no rule needed a parse) is of no more use.
        previous?.dispose();
        if (doc.version !== version || this.documents.get(doc.uri) !== doc) {
          result.module?.dispose();
          return;
        }
        findings = result.findings;
        this.configDrift.pythonLinted(doc.path, result.module);
        // Two lints of one version (a settings change re-lints) may overlap: keep the latest
        // module only (read through a cast: TypeScript keeps `undefined` from before the await)
        const kept = doc.module as PythonModule | undefined;
        if (kept !== result.module) kept?.dispose();
        doc.module = result.module;
      } else {
        // YAML/JSON experiment configs (CFG005 on the config side); other kinds are not linted as text.
        const other = await linter.lintOtherText(doc.path, doc.text);
        if (!other || doc.version !== version || this.documents.get(doc.uri) !== doc) return;
        findings = other;
      }
      doc.findings = findings;
      this.connection.sendDiagnostics({ uri: doc.uri, version, diagnostics: findings.map((f) => toDiagnostic(f, doc.uri)) });
    } catch (e) {
      this.connection.console.error(`ml-hygiene: linting ${doc.path} failed: ${(e as Error).stack}`);
    }
  }

  private queueNotebookLint(uri: string): void {
    if (this.notebookLintQueued.has(uri)) return;
    this.notebookLintQueued.add(uri);
    setImmediate(() => {
      this.notebookLintQueued.delete(uri);
      const nb = this.notebooks.getNotebookDocument(uri);
      if (nb) void this.lintNotebook(nb);
    });
  }

  /** Lints an open notebook's Python cells as one program and publishes per cell. */
  private async lintNotebook(nb: NotebookDocument): Promise<void> {
    const file = uriToPath(nb.uri) ?? this.virtualPath(nb.uri);
    const cells = nb.cells.flatMap((cell, index) => {
      const doc = this.notebooks.getCellTextDocument(cell);
      return cell.kind === NotebookCellKind.Code && doc && doc.languageId === 'python' ? [{ index, text: doc.getText() }] : [];
    });
    let findings: Finding[] = [];
    const previous = this.notebookModules.get(nb.uri);
    this.notebookModules.delete(nb.uri);
    let module: PythonModule | undefined;
    try {
      if (this.settingsFor(file).enable) ({ findings, module } = await this.linterFor(file).lintNotebookProgram(file, cells, previous));
    } catch (e) {
      this.connection.console.error(`ml-hygiene: linting notebook ${file} failed: ${(e as Error).stack}`);
    } finally {
      previous?.dispose();
    }
    if (this.notebooks.getNotebookDocument(nb.uri) !== nb) {
      module?.dispose();
      return;
    }
    if (module) {
      // Another lint of this notebook may have finished meanwhile: keep the latest module only.
      this.notebookModules.get(nb.uri)?.dispose();
      this.notebookModules.set(nb.uri, module);
    }
    const byCell = new Map<string, Finding[]>();
    for (const f of findings) {
      const uri = nb.cells[f.cell?.index ?? -1]?.document;
      if (uri) byCell.set(uri, [...(byCell.get(uri) ?? []), f]);
    }
    for (const cell of nb.cells) {
      const own = byCell.get(cell.document) ?? [];
      const had = this.cellFindings.has(cell.document);
      if (own.length) this.cellFindings.set(cell.document, { findings: own, notebook: nb.uri });
      else this.cellFindings.delete(cell.document);
      if (own.length || had) this.connection.sendDiagnostics({ uri: cell.document, diagnostics: own.map((f) => toDiagnostic(f, cell.document)) });
    }
  }

  private closeNotebook(nb: NotebookDocument): void {
    this.openNotebooks.delete(nb.uri);
    this.notebookModules.get(nb.uri)?.dispose();
    this.notebookModules.delete(nb.uri);
    for (const cell of nb.cells)
      if (this.cellFindings.delete(cell.document)) this.connection.sendDiagnostics({ uri: cell.document, diagnostics: [] });
    const file = uriToPath(nb.uri);
    if (file && this.settingsFor(file).workspaceScan) void this.lintFromDisk(file);
  }

  private relintAll(): void {
    for (const nb of this.openNotebooks) {
      this.notebookModules.get(nb)?.dispose();
      this.notebookModules.delete(nb);
      this.queueNotebookLint(nb);
    }
    for (const doc of this.documents.values()) {
      doc.module?.dispose();
      doc.module = undefined;
      this.queueLint(doc);
    }
  }

  private async lintFromDisk(file: string): Promise<void> {
    const uri = fileUri(file);
    if (this.documents.has(uri) || this.notebooks.getNotebookDocument(uri)) return;
    const findings = this.settingsFor(file).enable ? await this.linterFor(file).lintFile(file) : [];
    if (this.documents.has(uri)) return;
    if (findings.length || this.scanned.has(uri)) this.connection.sendDiagnostics({ uri, diagnostics: findings.map((f) => toDiagnostic(f, uri)) });
    if (findings.length) this.scanned.set(uri, findings.length);
    else this.scanned.delete(uri);
  }

  /**
   * Lints every file of the workspace in the background, one file per event-loop turn
   * so that edits and code actions stay responsive, with LSP progress.
   */
  private async scanWorkspace(): Promise<void> {
    const generation = ++this.scanGeneration;
    const folders = this.folders.filter((f) => f.settings.enable && f.settings.workspaceScan);
    if (!folders.length) return;
    const files = folders.flatMap((f) => discoverFiles([f.path], { accept: (file) => isLintable(f.linter, file) }).filter((file) => !f.linter.configFor(file).isExcluded(file)));
    if (this.graphs) warmFor(this.graphs, files);
    const progress = this.supportsWorkDoneProgress ? await this.connection.window.createWorkDoneProgress().catch(() => undefined) : undefined;
    progress?.begin('ML Hygiene: scanning workspace', 0, `0/${files.length} files`, true);
    let total = 0;
    const status = (state: ScanStatusParams['state'], done: number) =>
      void this.connection.sendNotification(LspMethods.scanStatus, { state, filesDone: done, filesTotal: files.length, findings: total } satisfies ScanStatusParams);
    status('scanning', 0);
    let lastReport = 0;
    for (let i = 0; i < files.length; i++) {
      if (generation !== this.scanGeneration || progress?.token.isCancellationRequested) break;
      await new Promise((r) => setImmediate(r));
      await this.lintFromDisk(files[i]);
      total += this.scanned.get(fileUri(files[i])) ?? 0;
      const now = Date.now();
      if (now - lastReport > 200) {
        lastReport = now;
        progress?.report(Math.round(((i + 1) / files.length) * 100), `${i + 1}/${files.length} files`);
        status('scanning', i + 1);
      }
    }
    progress?.done();
    status('idle', files.length);
  }

  private async filesChanged(changes: Array<{ uri: string; type: FileChangeType }>): Promise<void> {
    let configChanged = false;
    const toLint: string[] = [];
    const drift = changes.flatMap((c) => {
      const file = uriToPath(c.uri);
      return file ? [{ file, structural: c.type !== FileChangeType.Changed, deleted: c.type === FileChangeType.Deleted }] : [];
    });
    for (const c of changes) {
      const file = uriToPath(c.uri);
      if (!file) continue;
      for (const f of [...this.folders.map((x) => x.linter), this.looseLinter]) {
        const before = f.configs;
        before.invalidate(file);
        f.projects.invalidate(file);
      }
      const base = path.basename(file);
      if (/^(\.ml-hygiene\.ya?ml|pyproject\.toml|requirements.*\.(txt|in)|environment\.ya?ml|poetry\.lock|uv\.lock|pdm\.lock|Pipfile\.lock)$/.test(base))
        configChanged = true;
      if (c.type === FileChangeType.Deleted) {
        if (this.scanned.delete(c.uri)) this.connection.sendDiagnostics({ uri: c.uri, diagnostics: [] });
        continue;
      }
      if (isLintable(this.linterFor(file), file) && this.settingsFor(file).workspaceScan) toLint.push(file);
    }
    if (configChanged) {
      // Severities, selections and declared versions may all have changed.
      this.relintAll();
      void this.scanWorkspace();
      return;
    }
    for (const file of toLint) await this.lintFromDisk(file);
    await this.configDrift.filesChanged(drift);
  }
}

function normalizeSettings(raw: unknown): HygieneSettings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Partial<HygieneSettings>;
  return {
    enable: typeof r.enable === 'boolean' ? r.enable : DEFAULT_SETTINGS.enable,
    severity: r.severity && typeof r.severity === 'object' ? r.severity : DEFAULT_SETTINGS.severity,
    workspaceScan: typeof r.workspaceScan === 'boolean' ? r.workspaceScan : DEFAULT_SETTINGS.workspaceScan,
  };
}
