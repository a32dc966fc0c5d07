/**
 * "ML Hygiene: Benchmark Model" and "ML Hygiene: Profile Model": VS Code glue only. The
 * language server runs the job in its runner process (`mlHygiene/benchmarkModel`,
 * `mlHygiene/profileModel`); here we ask for symbolic dimensions, show its `$/progress`
 * with a Cancel button, open the results webview, save runs under `.ml-hygiene/runs/`
 * and draw the profile on open graph views. Never loads onnxruntime.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { WorkDoneProgress, type LanguageClient, type ResponseError } from 'vscode-languageclient/node';
import {
  BenchMethods,
  isBenchWebviewMessage,
  type BenchComparison,
  type BenchErrorInfo,
  type BenchHostMessage,
  type BenchInputsResult,
  type BenchmarkParams,
  type BenchmarkResult,
  type BenchOptions,
  type BenchReport,
  type CompareRunsParams,
  type ListRunsParams,
  type SavedRunEntry,
} from '../../protocol/bench';
import type { ProfileOverlayNodes } from '../../protocol/graph';
import { postProfileOverlay } from './model-editor';
import { pickModel } from './model-text';

const DIMS_KEY = 'mlHygiene.benchmarkDims';

type GetClient = () => LanguageClient | undefined;

function runsDirFor(uri: vscode.Uri): string | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(uri) ?? vscode.workspace.workspaceFolders?.[0];
  return folder && folder.uri.scheme === 'file' ? path.join(folder.uri.fsPath, '.ml-hygiene', 'runs') : undefined;
}

/** Asks for each symbolic dimension (remembering the last answers per model); undefined when the user backs out. */
async function askDims(context: vscode.ExtensionContext, model: string, info: BenchInputsResult): Promise<Record<string, number> | undefined> {
  const remembered = context.workspaceState.get<Record<string, Record<string, number>>>(DIMS_KEY, {});
  const last = remembered[model] ?? {};
  const dims: Record<string, number> = {};
  for (const d of info.symbolicDims) {
    const answer = await vscode.window.showInputBox({
      title: `Dimension '${d.key}' of ${path.basename(model)}`,
      prompt: `Value of the symbolic dimension '${d.key}' (in input${d.inputs.length > 1 ? 's' : ''} ${d.inputs.join(', ')})${d.firstAxisOnly ? ', usually the batch size' : ''}`,
      value: String(last[d.key] ?? 1),
      validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 ? undefined : 'a whole number >= 1'),
    });
    if (answer === undefined) return undefined;
    dims[d.key] = Number(answer.trim());
  }
  await context.workspaceState.update(DIMS_KEY, { ...remembered, [model]: dims });
  return dims;
}

async function run(context: vscode.ExtensionContext, getClient: GetClient, arg: unknown, profile: boolean): Promise<void> {
  const uri = await pickModel(arg, profile ? 'Profile which model?' : 'Benchmark which model?');
  if (!uri) return;
  const client = getClient();
  if (!client || !client.isRunning()) {
    void vscode.window.showErrorMessage('ML Hygiene: the language server is not running, so the model cannot be benchmarked.');
    return;
  }
  const model = uri.fsPath;
  let info: BenchInputsResult;
  try {
    info = await client.sendRequest<BenchInputsResult>(BenchMethods.benchmarkInputs, { path: model });
  } catch (e) {
    void vscode.window.showErrorMessage(`ML Hygiene: ${(e as Error).message}`);
    return;
  }
  if (info.unsupported.length) {
    void vscode.window.showErrorMessage(
      `ML Hygiene: ${path.basename(model)} cannot be benchmarked with onnxruntime-node: input ${info.unsupported.join(', ')} has an element type it cannot feed (bfloat16, float8...).`,
    );
    return;
  }
  const dims = await askDims(context, model, info);
  if (!dims) return;
  const options: BenchOptions = { ...(Object.keys(dims).length ? { dims } : {}), ...(profile ? { profile: true } : {}) };
  if (profile) {
    const level = await vscode.window.showQuickPick(
      [
        { label: 'Optimized graph', description: 'graph optimization "all", as deployed; fused nodes are mapped back to the model', value: 'all' as const },
        { label: 'Unoptimized graph', description: 'graph optimizations off: every profiled node is a model node', value: 'disabled' as const },
      ],
      { title: `Profile ${path.basename(model)}` },
    );
    if (!level) return;
    options.graphOptimization = level.value;
  }
  const runsDir = runsDirFor(uri);
  const verb = profile ? 'Profiling' : 'Benchmarking';
  let result: BenchmarkResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${verb} ${path.basename(model)}`, cancellable: true },
      async (progress, token) => {
        const workDoneToken = crypto.randomUUID();
        let done = 0;
        const listener = client.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
          if (v.kind === 'end') return;
          const pct = v.percentage ?? done;
          progress.report({ message: v.message, increment: Math.max(0, pct - done) });
          done = Math.max(done, pct);
        });
        try {
          return await client.sendRequest<BenchmarkResult>(profile ? BenchMethods.profileModel : BenchMethods.benchmarkModel, { path: model, options, runsDir, workDoneToken } satisfies BenchmarkParams, token);
        } finally {
          listener.dispose();
        }
      },
    );
  } catch (e) {
    const err = e as ResponseError<BenchErrorInfo>;
    if (err.data?.kind === 'cancelled' || /cancel/i.test(err.message)) {
      void vscode.window.showInformationMessage(`ML Hygiene: ${verb.toLowerCase()} ${path.basename(model)} was cancelled.`);
      return;
    }
    if (err.data?.detail) client.outputChannel.appendLine(`[benchmark] ${err.message}\n${err.data.detail}`);
    const dimsHint = err.data?.kind === 'dimensions' && err.data.dims?.length ? ` Run it again and set ${err.data.dims.map((d) => d.key).join(', ')}.` : '';
    const choice = await vscode.window.showErrorMessage(`ML Hygiene: ${err.message}${dimsHint}`, ...(err.data?.detail ? ['Show Output'] : []));
    if (choice) client.outputChannel.show(true);
    return;
  }
  if (result.report.profile) {
    const overlay: ProfileOverlayNodes = {};
    for (const n of Object.values(result.report.profile.nodes)) if (n.name) overlay[n.name] = { ms: n.meanUs / 1000, share: n.share };
    postProfileOverlay(uri, overlay);
  }
  await showReport(context, client, uri, result, runsDir);
}

async function showReport(context: vscode.ExtensionContext, client: LanguageClient, uri: vscode.Uri, result: BenchmarkResult, runsDir: string | undefined): Promise<void> {
  const root = vscode.Uri.joinPath(context.extensionUri, 'dist', 'webviews');
  const report: BenchReport = result.report;
  const panel = vscode.window.createWebviewPanel('mlHygiene.benchReport', `${report.profile ? 'Profile' : 'Benchmark'}: ${report.model.name}`, vscode.ViewColumn.Beside, {
    enableScripts: true,
    localResourceRoots: [root],
  });
  const nonce = crypto.randomBytes(16).toString('base64');
  const script = panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'bench-report.main.js'));
  const style = panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'bench-report.main.css'));
  const csp = `default-src 'none'; img-src ${panel.webview.cspSource}; style-src ${panel.webview.cspSource}; script-src 'nonce-${nonce}';`;
  panel.webview.html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0"><link rel="stylesheet" href="${style}"><title>Benchmark</title></head>
<body><script nonce="${nonce}" src="${script}"></script></body></html>`;
  const post = (m: BenchHostMessage) => void panel.webview.postMessage(m);
  panel.webview.onDidReceiveMessage(async (m: unknown) => {
    if (!isBenchWebviewMessage(m)) return;
    if (m.type === 'ready') {
      const runs = runsDir ? await client.sendRequest<SavedRunEntry[]>(BenchMethods.listRuns, { runsDir, modelPath: uri.fsPath } satisfies ListRunsParams).catch(() => []) : [];
      post({ type: 'init', report, savedPath: result.savedPath, runs });
    } else if (m.type === 'requestComparison') {
      if (!result.savedPath) return post({ type: 'comparisonResult', requestId: m.requestId, error: 'this run was not saved' });
      try {
        const comparison = await client.sendRequest<BenchComparison>(BenchMethods.compareRuns, { before: m.runPath, after: result.savedPath } satisfies CompareRunsParams);
        post({ type: 'comparisonResult', requestId: m.requestId, comparison });
      } catch (e) {
        post({ type: 'comparisonResult', requestId: m.requestId, error: (e as Error).message });
      }
    }
  });
}

/** The handler of both commands (client/src/commands.ts's table): `profile` forces the per-operator profile. */
export function benchmarkCommand(ctx: { extension: vscode.ExtensionContext; client: GetClient }, arg: unknown, profile: boolean): Promise<void> {
  return run(ctx.extension, ctx.client, arg, profile);
}
