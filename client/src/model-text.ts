/**
 * "Show Model as Text" and "Compare Models": a model rendered in ONNX's textual syntax
 * by the language server, shown in read-only documents (highlighted by
 * syntaxes/onnx.tmLanguage.json) and in VS Code's diff editor.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LspMethods, type ModelTextParams, type ModelTextResult } from '../../protocol/settings';

export const MODEL_TEXT_SCHEME = 'ml-hygiene-model';

/** Serves `ml-hygiene-model:/path/to/model.onnx.txt` documents from the server's text rendering. */
export class ModelTextProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly client: () => LanguageClient | undefined) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const client = this.client();
    if (!client) throw new Error('the ML Hygiene language server is not running');
    const file = uri.path.replace(/\.txt$/, '');
    const result = await client.sendRequest<ModelTextResult>(LspMethods.modelText, { path: file } satisfies ModelTextParams);
    return result.text;
  }
}

export function modelTextUri(model: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: MODEL_TEXT_SCHEME, path: model.fsPath + '.txt' });
}

/** The model a command applies to: its argument (explorer, editor title), the active editor's, or one the user picks. */
export async function pickModel(arg: unknown, title: string): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri && arg.fsPath.endsWith('.onnx')) return arg;
  const active = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const activeUri = (active as { uri?: vscode.Uri } | undefined)?.uri;
  if (activeUri?.fsPath.endsWith('.onnx')) return activeUri;
  const picked = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters: { 'ONNX models': ['onnx'] } });
  return picked?.[0];
}

export async function showModelText(arg: unknown): Promise<void> {
  const model = await pickModel(arg, 'Model to show as text');
  if (!model) return;
  try {
    const doc = await vscode.workspace.openTextDocument(modelTextUri(model));
    await vscode.languages.setTextDocumentLanguage(doc, 'onnx-text');
    await vscode.window.showTextDocument(doc, { preview: false });
  } catch (e) {
    void vscode.window.showErrorMessage(`ML Hygiene: cannot show ${path.basename(model.fsPath)} as text: ${(e as Error).message}`);
  }
}

export async function compareModels(arg: unknown): Promise<void> {
  const left = await pickModel(arg, 'First model');
  if (!left) return;
  const right = (await vscode.window.showOpenDialog({ title: `Compare ${path.basename(left.fsPath)} with…`, filters: { 'ONNX models': ['onnx'] } }))?.[0];
  if (!right) return;
  await vscode.commands.executeCommand('vscode.diff', modelTextUri(left), modelTextUri(right), `${path.basename(left.fsPath)} ↔ ${path.basename(right.fsPath)}`);
}
