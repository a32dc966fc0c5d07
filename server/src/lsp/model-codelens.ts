/**
 * "Show in Graph" CodeLenses: on each `class X` of an open Python file, one lens per ONNX
 * model in the workspace whose nodes' PyTorch source metadata (`stack_trace`,
 * `class_hierarchy`, `namespace` in NodeProto.metadata_props) names that class. The lens
 * runs the client command `mlHygiene.showInGraph` with ShowInGraphArgs
 * (protocol/graph.ts), which opens the graph view on those nodes.
 *
 * Models are found with the workspace discovery (server/src/engine/files.ts), decoded
 * (structure only) once per path + mtime + size, and reduced to two small indexes: source
 * lines by file name, and class names by module. A model that cannot be decoded is
 * skipped (and remembered as such until it changes).
 *
 * When models are added, changed or deleted on disk (workspace/didChangeWatchedFiles),
 * the indexes are rebuilt and, if they say something else than what the lenses shown
 * were made from, the client is asked to request them again (workspace/codeLens/refresh,
 * when it declared `workspace.codeLens.refreshSupport`).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodeLensRefreshRequest, FileChangeType, type ClientCapabilities, type CodeLens, type Connection, type FileEvent } from 'vscode-languageserver/node';
import type { Tree } from 'web-tree-sitter';
import { Commands } from '../../../protocol/commands';
import type { ShowInGraphArgs } from '../../../protocol/graph';
import { discoverFiles } from '../engine/files';
import { grammarParser } from '../engine/parser';
import { decodeModelFile } from '../onnx/decode';

/** Models scanned per workspace at most (the first ones in path order). */
export const MAX_MODELS = 50;
/** Node ids carried by one lens at most (the view reveals the first and highlights these). */
export const MAX_NODE_IDS = 2000;
/** Lenses on one class at most. */
const MAX_LENSES_PER_CLASS = 10;
/** How long a workspace's list of models is reused before it is walked again. */
const DISCOVERY_TTL_MS = 5000;

/** A `class` definition of a Python file: its name and lines (0-based, inclusive). */
export interface PythonClass {
  name: string;
  /** Line and columns of the class name. */
  line: number;
  startCharacter: number;
  endCharacter: number;
  /** The whole definition, `class` line to the last line of its body. */
  firstLine: number;
  lastLine: number;
}

/** Every class definition of `text`, nested ones included, in source order. */
export async function pythonClasses(text: string): Promise<PythonClass[]> {
  const parser = await grammarParser('python');
  let tree: Tree | null = null;
  try {
    tree = parser.parser.parse(text);
    if (!tree) return [];
    const out: PythonClass[] = [];
    for (const { node } of parser.query('(class_definition name: (identifier) @name) @class').captures(tree.rootNode)) {
      if (node.type !== 'class_definition') continue;
      const name = node.childForFieldName('name');
      if (!name) continue;
      out.push({
        name: name.text,
        line: name.startPosition.row,
        startCharacter: name.startPosition.column,
        endCharacter: name.endPosition.column,
        firstLine: node.startPosition.row,
        lastLine: node.endPosition.row,
      });
    }
    return out;
  } finally {
    tree?.delete();
  }
}

/** What one model's node metadata says about source files and classes. */
export interface ModelSourceIndex {
  path: string;
  /** By file basename: [line (1-based), node index, the path as written] of every stack frame. */
  frames: Map<string, Array<[number, number, string]>>;
  /** By class name: [module, node index] of every qualified class named in class_hierarchy/namespace. */
  classes: Map<string, Array<[string, number]>>;
}

const FRAME = /File "([^"]+)", line (\d+)/g;
const QUALIFIED = /[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+/g;

/** Indexes the main graph's nodes by the source locations and classes their metadata names. */
export function indexModelSources(modelPath: string, nodes: ReadonlyArray<{ metadataProps: ReadonlyArray<{ key: string; value: string }> }>): ModelSourceIndex {
  const index: ModelSourceIndex = { path: modelPath, frames: new Map(), classes: new Map() };
  nodes.forEach((node, i) => {
    for (const { key, value } of node.metadataProps) {
      if (key.endsWith('stack_trace')) {
        for (const m of value.matchAll(FRAME)) {
          const base = m[1].split(/[\\/]/).pop()!;
          let list = index.frames.get(base);
          if (!list) index.frames.set(base, (list = []));
          list.push([Number(m[2]), i, m[1]]);
        }
      } else if (key.endsWith('class_hierarchy') || key.endsWith('namespace')) {
        const seen = new Set<string>();
        for (const [q] of value.matchAll(QUALIFIED)) {
          if (seen.has(q)) continue;
          seen.add(q);
          const dot = q.lastIndexOf('.');
          const name = q.slice(dot + 1);
          let list = index.classes.get(name);
          if (!list) index.classes.set(name, (list = []));
          list.push([q.slice(0, dot), i]);
        }
      }
    }
  });
  return index;
}

/**
 * Whether a module path an exporter wrote (`__main__`, `models.gpt`) can be `file`:
 * `__main__` can be any script; otherwise the module's last parts are the file's path
 * without `.py` (or its folder, for an `__init__.py`).
 */
export function moduleMatchesFile(module: string, file: string): boolean {
  if (module === '__main__') return true;
  const parts = file.replace(/\.pyi?$/, '').split(/[\\/]/).filter(Boolean);
  if (parts[parts.length - 1] === '__init__') parts.pop();
  const mod = module.split('.');
  if (mod.length > parts.length) return false;
  return mod.every((m, i) => parts[parts.length - mod.length + i] === m);
}

/** Main-graph node indexes of `model` that come from class `cls` of `file`, ascending. */
export function nodesForClass(model: ModelSourceIndex, file: string, cls: PythonClass): number[] {
  const found = new Set<number>();
  const base = path.basename(file);
  for (const [line, node] of model.frames.get(base) ?? []) if (line >= cls.firstLine + 1 && line <= cls.lastLine + 1) found.add(node);
  // `__main__` can be any script: believed only when the model's stack traces (if any) name this file.
  const anyScript = model.frames.size === 0 || model.frames.has(base);
  for (const [module, node] of model.classes.get(cls.name) ?? []) if (module === '__main__' ? anyScript : moduleMatchesFile(module, file)) found.add(node);
  return [...found].sort((a, b) => a - b);
}

/** The lenses for one Python file's classes, given the indexed models. */
export function lensesFor(file: string, classes: PythonClass[], models: ModelSourceIndex[]): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const cls of classes) {
    const matches = models.flatMap((m) => {
      const nodes = nodesForClass(m, file, cls);
      return nodes.length ? [{ m, nodes }] : [];
    });
    const names = new Map<string, number>();
    for (const { m } of matches) names.set(path.basename(m.path), (names.get(path.basename(m.path)) ?? 0) + 1);
    for (const { m, nodes } of matches.slice(0, MAX_LENSES_PER_CLASS)) {
      // Two models with one name: say which folder each is in.
      const base = path.basename(m.path);
      const label = (names.get(base) ?? 0) > 1 ? path.join(path.basename(path.dirname(m.path)), base) : base;
      const args: ShowInGraphArgs = { modelPath: m.path, nodeIds: nodes.slice(0, MAX_NODE_IDS).map((n) => `n${n}`), className: cls.name, total: nodes.length };
      lenses.push({
        range: { start: { line: cls.line, character: cls.startCharacter }, end: { line: cls.line, character: cls.endCharacter } },
        command: { title: `Show in Graph (${label})`, command: Commands.showInGraph.id, arguments: [args] },
      });
    }
  }
  return lenses;
}

interface CachedModel {
  mtimeMs: number;
  size: number;
  /** undefined: the file could not be decoded. */
  index?: ModelSourceIndex;
  /** Digest of what the index says (equal digests: equal lenses). */
  digest?: string;
}

function digestOf(index: ModelSourceIndex): string {
  return createHash('sha1').update(JSON.stringify([[...index.frames], [...index.classes]])).digest('base64');
}

/** Finds the workspace's models and keeps their source indexes, per path + mtime + size. */
export class ModelSourceCache {
  private readonly models = new Map<string, CachedModel>();
  private discovered: { key: string; at: number; files: string[] } | undefined;
  /** Index builds run one after another (each decodes models, yielding between them). */
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * What the last build found: the models with an index and their digests. Two builds
   * with the same signature give the same lenses.
   */
  signature = '';

  constructor(private readonly log: (message: string) => void = () => undefined) {}

  /** Runs `job` after every build or job queued before it. */
  serialized<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Forgets what is known of `files` (models written, added or deleted on disk): they are
   * decoded again, and the workspace walked again when one was added or deleted.
   */
  invalidate(files: string[], structural: boolean): void {
    for (const f of files) this.models.delete(f);
    if (structural || files.some((f) => !this.discovered?.files.includes(f))) this.discovered = undefined;
  }

  modelFiles(roots: string[]): string[] {
    const key = roots.join('\0');
    const now = Date.now();
    if (this.discovered && this.discovered.key === key && now - this.discovered.at < DISCOVERY_TTL_MS) return this.discovered.files;
    // Exported models are usually git-ignored (*.onnx) and are still the ones the code produced.
    const files = roots.length ? discoverFiles(roots, { accept: (f) => /\.onnx$/i.test(f), gitignore: false }).slice(0, MAX_MODELS) : [];
    this.discovered = { key, at: now, files };
    return files;
  }

  /** The indexes of the models under `roots`; a model that fails to decode is left out. */
  indexes(roots: string[]): Promise<ModelSourceIndex[]> {
    return this.serialized(() => this.build(roots));
  }

  /** Builds the indexes now; callers run it through `serialized`. */
  async build(roots: string[]): Promise<ModelSourceIndex[]> {
    const out: ModelSourceIndex[] = [];
    const signature: [string, string][] = [];
    const files = this.modelFiles(roots);
    for (const file of files) {
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch {
        this.models.delete(file);
        continue;
      }
      let cached = this.models.get(file);
      if (!cached || cached.mtimeMs !== st.mtimeMs || cached.size !== st.size) {
        cached = { mtimeMs: st.mtimeMs, size: st.size };
        try {
          const nodes = decodeModelFile(file).proto.graph?.node ?? [];
          cached.index = indexModelSources(file, nodes);
          cached.digest = digestOf(cached.index);
        } catch (e) {
          this.log(`ml-hygiene: "Show in Graph" skips ${file}: ${(e as Error).message}`);
        }
        this.models.set(file, cached);
        // One decode per event-loop turn: other requests get a say.
        await new Promise((r) => setImmediate(r));
      }
      // A model naming no source has nothing for a lens.
      if (cached.index && (cached.index.frames.size || cached.index.classes.size)) {
        out.push(cached.index);
        signature.push([file, cached.digest ?? '']);
      }
    }
    for (const p of this.models.keys()) if (!files.includes(p)) this.models.delete(p);
    this.signature = JSON.stringify(signature);
    return out;
  }
}

export interface ModelCodeLensHost {
  /** The open document at `uri`: its file path, language and text. */
  document(uri: string): { path: string; languageId: string; text: string } | undefined;
  /** Paths of the workspace folders. */
  roots(): string[];
}

function modelPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    const file = fileURLToPath(uri);
    return /\.onnx$/i.test(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

/** The "Show in Graph" lenses of a server: the requests they answer, and their refresh when models change. */
export class ModelCodeLens {
  readonly cache: ModelSourceCache;
  private refreshSupport = false;
  /** Signatures of the model indexes that lenses were served from since the last refresh. */
  private readonly served = new Set<string>();
  /** A check for changed indexes is queued or running; another batch of changes rides on it. */
  private checking = false;
  private recheck = false;

  constructor(private readonly connection: Connection, private readonly host: ModelCodeLensHost) {
    this.cache = new ModelSourceCache((m) => connection.console.log(m));
    connection.onCodeLens(async (p) => {
      const doc = host.document(p.textDocument.uri);
      if (!doc || doc.languageId !== 'python' || !/\bclass\s/.test(doc.text)) return [];
      try {
        const { models, signature } = await this.cache.serialized(async () => ({ models: await this.cache.build(host.roots()), signature: this.cache.signature }));
        this.served.add(signature);
        if (!models.length) return [];
        return lensesFor(doc.path, await pythonClasses(doc.text), models);
      } catch (e) {
        connection.console.error(`ml-hygiene: "Show in Graph" lenses for ${doc.path} failed: ${(e as Error).stack}`);
        return [];
      }
    });
  }

  /** From `initialize`: whether the client takes workspace/codeLens/refresh. */
  clientCapabilities(capabilities: ClientCapabilities): void {
    this.refreshSupport = Boolean(capabilities.workspace?.codeLens?.refreshSupport);
  }

  /** From workspace/didChangeWatchedFiles: models added, changed or deleted on disk. */
  filesChanged(changes: FileEvent[]): void {
    const models = changes.flatMap((c) => {
      const file = modelPath(c.uri);
      return file ? [{ file, structural: c.type !== FileChangeType.Changed }] : [];
    });
    if (!models.length) return;
    this.cache.invalidate(models.map((m) => m.file), models.some((m) => m.structural));
    // Without refresh support the client asks again on its own (on edits, on showing the editor).
    if (!this.refreshSupport || !this.served.size) return;
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = true;
    void this.cache.serialized(() => this.checkForChanges());
  }

  /** Rebuilds the indexes; when lenses were served from others, asks the client to request them again. */
  private async checkForChanges(): Promise<void> {
    try {
      do {
        this.recheck = false;
        await this.cache.build(this.host.roots());
      } while (this.recheck);
      const now = this.cache.signature;
      if ([...this.served].some((s) => s !== now)) {
        // The client asks again for the lenses it shows; those answers fill `served` anew.
        this.served.clear();
        this.connection.sendRequest(CodeLensRefreshRequest.type).catch((e: Error) => this.connection.console.log(`ml-hygiene: workspace/codeLens/refresh failed: ${e.message}`));
      }
    } catch (e) {
      this.connection.console.error(`ml-hygiene: "Show in Graph" model index failed: ${(e as Error).stack}`);
    } finally {
      this.checking = false;
    }
  }
}

/** Serves textDocument/codeLens for Python documents (server.ts declares codeLensProvider). */
export function registerModelCodeLens(connection: Connection, host: ModelCodeLensHost): ModelCodeLens {
  return new ModelCodeLens(connection, host);
}
