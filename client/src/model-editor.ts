/**
 * The `.onnx` graph view: a custom read-only editor whose webview (webviews/src/graph.main.ts)
 * draws what the language server decodes and lays out. This module only forwards: the
 * webview's `callServer` messages become `mlHygiene/graph/*` requests, and the results
 * go back as `serverResult`. It also saves exports, opens source locations, keeps each
 * file's view state for reopening, and posts profile overlays from the benchmark feature.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import {
  isWebviewToHostMessage,
  type GraphViewState,
  type HostToWebviewMessage,
  type ProfileOverlayNodes,
  type WebviewToHostMessage,
} from '../../protocol/graph';

export const GRAPH_VIEW_TYPE = 'mlHygiene.onnxGraph';
const STATE_KEY = 'mlHygiene.graphViewState';

/** Open graph views by file URI, for postProfileOverlay. */
const panels = new Map<string, Set<vscode.WebviewPanel>>();
/** Views whose webview has said `ready` (and got `init`): messages posted to them are not lost. */
const readyPanels = new WeakSet<vscode.WebviewPanel>();
/** Nodes to reveal in the next view of a file that becomes ready (revealNodes before the webview loaded). */
const pendingReveals = new Map<string, string[]>();

/**
 * Selects and centres the first of `ids` (main-graph scene ids, `n<index>`) in the graph
 * views of `uri`, highlighting them all; a view still loading gets them once it is ready.
 */
export function revealNodes(uri: vscode.Uri, ids: string[]): void {
  const key = uri.toString();
  const ready = [...(panels.get(key) ?? [])].filter((p) => readyPanels.has(p));
  const active = ready.find((p) => p.active) ?? ready[0];
  if (active) void active.webview.postMessage({ type: 'revealNodes', ids } satisfies HostToWebviewMessage);
  else pendingReveals.set(key, ids);
}

/**
 * Draws per-node times (from a profiled run) as a heat overlay on the graph views open
 * for `uri`. Returns how many views received it.
 */
export function postProfileOverlay(uri: vscode.Uri, nodes: ProfileOverlayNodes): number {
  const open = panels.get(uri.toString());
  if (!open) return 0;
  for (const panel of open) void panel.webview.postMessage({ type: 'profileOverlay', nodes } satisfies HostToWebviewMessage);
  return open.size;
}

async function runningClient(get: () => LanguageClient | undefined): Promise<LanguageClient> {
  const client = get();
  if (!client) throw new Error('the ML Hygiene language server is not running');
  if (client.state === State.Running) return client;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => (sub.dispose(), reject(new Error('the ML Hygiene language server did not start'))), 30_000);
    const sub = client.onDidChangeState((e) => {
      if (e.newState !== State.Running) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
  return client;
}

/** The workspace file an exporter's path (often from another machine) refers to. */
async function resolveSourceFile(file: string): Promise<vscode.Uri | undefined> {
  if (path.isAbsolute(file) && fs.existsSync(file)) return vscode.Uri.file(file);
  const parts = file.split(/[\\/]/).filter(Boolean);
  const base = parts[parts.length - 1];
  if (!base) return undefined;
  const candidates = await vscode.workspace.findFiles(`**/${base}`, '**/node_modules/**', 50);
  // The candidate sharing the longest path suffix with the exporter's path.
  let best: vscode.Uri | undefined;
  let bestScore = 0;
  for (const c of candidates) {
    const cp = c.fsPath.split(/[\\/]/);
    let score = 0;
    while (score < parts.length && score < cp.length && parts[parts.length - 1 - score] === cp[cp.length - 1 - score]) score++;
    if (score > bestScore) (best = c), (bestScore = score);
  }
  return best;
}

class ModelDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

export class ModelGraphEditorProvider implements vscode.CustomReadonlyEditorProvider<ModelDocument> {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: () => LanguageClient | undefined,
  ) {}

  openCustomDocument(uri: vscode.Uri): ModelDocument {
    return new ModelDocument(uri);
  }

  resolveCustomEditor(document: ModelDocument, panel: vscode.WebviewPanel): void {
    const webviewRoot = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webviews');
    panel.webview.options = { enableScripts: true, localResourceRoots: [webviewRoot] };
    panel.webview.html = this.html(panel.webview, webviewRoot);
    const key = document.uri.toString();
    let open = panels.get(key);
    if (!open) panels.set(key, (open = new Set()));
    open.add(panel);
    const post = (m: HostToWebviewMessage) => void panel.webview.postMessage(m);
    const sub = panel.webview.onDidReceiveMessage((m: unknown) => {
      if (!isWebviewToHostMessage(m)) return;
      if (m.type === 'ready') readyPanels.add(panel);
      void this.handle(m, document, post);
    });
    panel.onDidDispose(() => {
      sub.dispose();
      open!.delete(panel);
      if (!open!.size) panels.delete(key);
    });
  }

  private savedState(uri: vscode.Uri): GraphViewState | undefined {
    return this.context.workspaceState.get<Record<string, GraphViewState>>(STATE_KEY)?.[uri.toString()];
  }

  private async handle(m: WebviewToHostMessage, document: ModelDocument, post: (m: HostToWebviewMessage) => void): Promise<void> {
    switch (m.type) {
      case 'ready': {
        const state = this.savedState(document.uri);
        post({ type: 'init', path: document.uri.fsPath, fileName: path.basename(document.uri.fsPath), ...(state ? { state } : {}) });
        const reveal = pendingReveals.get(document.uri.toString());
        pendingReveals.delete(document.uri.toString());
        if (reveal) post({ type: 'revealNodes', ids: reveal });
        return;
      }
      case 'callServer':
        try {
          const client = await runningClient(this.client);
          const result = await client.sendRequest(m.method, m.params);
          post({ type: 'serverResult', requestId: m.requestId, result });
        } catch (e) {
          post({ type: 'serverResult', requestId: m.requestId, error: (e as Error).message });
        }
        return;
      case 'didChangeState': {
        const all = { ...(this.context.workspaceState.get<Record<string, GraphViewState>>(STATE_KEY) ?? {}) };
        all[document.uri.toString()] = m.state;
        await this.context.workspaceState.update(STATE_KEY, all);
        return;
      }
      case 'saveExport': {
        const defaultUri = vscode.Uri.file(path.join(path.dirname(document.uri.fsPath), m.fileName));
        const target = await vscode.window.showSaveDialog({ defaultUri, filters: m.format === 'svg' ? { SVG: ['svg'] } : { PNG: ['png'] } });
        if (!target) return post({ type: 'exportSaved', requestId: m.requestId });
        try {
          await vscode.workspace.fs.writeFile(target, m.format === 'svg' ? Buffer.from(m.data, 'utf8') : Buffer.from(m.data, 'base64'));
          post({ type: 'exportSaved', requestId: m.requestId, path: target.fsPath });
        } catch (e) {
          post({ type: 'exportSaved', requestId: m.requestId, error: (e as Error).message });
        }
        return;
      }
      case 'openSource': {
        const file = await resolveSourceFile(m.file);
        if (!file) {
          void vscode.window.showWarningMessage(`ML Hygiene: ${m.file} (line ${m.line}) is not in this workspace.`);
          return;
        }
        const line = Math.max(0, m.line - 1);
        await vscode.window.showTextDocument(file, { selection: new vscode.Range(line, 0, line, 0), viewColumn: vscode.ViewColumn.Beside });
        return;
      }
    }
  }

  private html(webview: vscode.Webview, root: vscode.Uri): string {
    const nonce = crypto.randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(root, 'graph.main.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(root, 'graph.main.css'));
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>ONNX graph</title>
</head>
<body>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }
}

/** Registers the `.onnx` graph editor (package.json contributes.customEditors). */
export function registerModelEditor(context: vscode.ExtensionContext, client: () => LanguageClient | undefined): vscode.Disposable {
  return vscode.window.registerCustomEditorProvider(GRAPH_VIEW_TYPE, new ModelGraphEditorProvider(context, client), {
    // Views are rebuilt from the server on reveal; the webview keeps its state with setState.
    webviewOptions: { retainContextWhenHidden: false },
    supportsMultipleEditorsPerDocument: true,
  });
}
