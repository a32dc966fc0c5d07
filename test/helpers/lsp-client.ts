/**
 * A real LSP client for tests: spawns the bundled server (dist/server.js) over stdio,
 * answers the server's requests as VS Code would (settings from package.json's
 * defaults, progress tokens, registrations), and lets tests wait for the diagnostics
 * they expect: no sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type InitializeResult,
} from 'vscode-languageserver-protocol/node';
import { DEFAULT_SETTINGS, LspMethods, type HygieneSettings } from '../../protocol/settings';

export const SERVER_JS = path.join(__dirname, '..', '..', 'dist', 'server.js');

export interface Waiter {
  uri: string;
  predicate: (p: PublishDiagnosticsParams) => boolean;
  resolve: (p: PublishDiagnosticsParams) => void;
}

export class LspTestClient {
  readonly connection: ProtocolConnection;
  readonly latest = new Map<string, PublishDiagnosticsParams>();
  readonly notifications: Array<{ method: string; params: unknown }> = [];
  readonly progress: unknown[] = [];
  private waiters: Waiter[] = [];
  private versions = new Map<string, number>();
  settings: HygieneSettings = { ...DEFAULT_SETTINGS };
  stderr = '';

  private constructor(readonly child: ChildProcess) {
    this.connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    child.stderr!.on('data', (d) => (this.stderr += d));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.latest.set(p.uri, p);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri === p.uri && w.predicate(p)) {
          w.resolve(p);
          return false;
        }
        return true;
      });
    });
    for (const method of Object.values(LspMethods))
      this.connection.onNotification(method, (params: unknown) => {
        this.notifications.push({ method, params });
      });
    this.connection.onNotification('$/progress', (p: unknown) => {
      this.progress.push(p);
    });
    this.connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => this.settings));
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onRequest('workspace/codeLens/refresh', () => {
      const w = this.refreshWaiters.shift();
      if (w) w();
      else this.unawaitedRefreshes++;
      return null;
    });
    this.connection.listen();
  }

  /** workspace/codeLens/refresh requests that came and were not awaited, and waiters for the next one. */
  unawaitedRefreshes = 0;
  private refreshWaiters: Array<() => void> = [];

  /** Resolves at the next workspace/codeLens/refresh request (at once for one that came and was not awaited yet). */
  nextRefresh(timeoutMs = 20000): Promise<void> {
    if (this.unawaitedRefreshes > 0) {
      this.unawaitedRefreshes--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no workspace/codeLens/refresh within ${timeoutMs} ms\nserver stderr: ${this.stderr}`)), timeoutMs);
      this.refreshWaiters.push(() => (clearTimeout(timer), resolve()));
    });
  }

  /**
   * Spawns the server and initializes it. `codeLensRefresh` declares
   * `workspace.codeLens.refreshSupport`; the refresh requests are then counted (see `nextRefresh`).
   */
  static async start(
    workspace: string | undefined,
    options: { workDoneProgress?: boolean; codeLensRefresh?: boolean } = {},
  ): Promise<{ client: LspTestClient; init: InitializeResult }> {
    const child = spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const client = new LspTestClient(child);
    const init = (await client.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: workspace ? pathToFileURL(workspace).href : null,
      workspaceFolders: workspace ? [{ uri: pathToFileURL(workspace).href, name: path.basename(workspace) }] : null,
      capabilities: {
        workspace: {
          configuration: true,
          didChangeConfiguration: { dynamicRegistration: true },
          ...(options.codeLensRefresh ? { codeLens: { refreshSupport: true }, didChangeWatchedFiles: { dynamicRegistration: true } } : {}),
        },
        window: { workDoneProgress: options.workDoneProgress ?? true },
        textDocument: { publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true, versionSupport: true } },
      },
    })) as InitializeResult;
    await client.connection.sendNotification('initialized', {});
    return { client, init };
  }

  /** Resolves with the first diagnostics for `uri` (already received or future) that satisfy the predicate. */
  waitForDiagnostics(uri: string, predicate: (p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 20000): Promise<PublishDiagnosticsParams> {
    const have = this.latest.get(uri);
    if (have && predicate(have)) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; latest: ${JSON.stringify(this.latest.get(uri)?.diagnostics.map((d) => d.code))}\nserver stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({
        uri,
        predicate,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
    });
  }

  open(file: string, text: string, languageId = 'python'): string {
    const uri = pathToFileURL(file).href;
    this.versions.set(uri, 1);
    void this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return uri;
  }

  /** Sends an incremental change; returns the new version. */
  change(uri: string, changes: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }>): number {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    void this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  close(uri: string): void {
    void this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  async stop(): Promise<void> {
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      /* the server may already be gone */
    }
    await new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      const t = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, 3000);
      this.child.on('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.connection.dispose();
  }
}
