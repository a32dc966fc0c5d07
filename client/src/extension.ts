/**
 * Extension entry point: wires the parts together and nothing else. The language
 * server does the work; activation failures are said to the user, never swallowed.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { registerCommands } from './commands';
import { createLanguageClient } from './language-client';
import { createScanStatus } from './status';
import { MODEL_TEXT_SCHEME, ModelTextProvider } from './model-text';
import { registerModelEditor } from './model-editor';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('ML Hygiene', { log: true });
  context.subscriptions.push(
    output,
    ...registerCommands({ extension: context, output, client: () => client }),
    vscode.workspace.registerTextDocumentContentProvider(MODEL_TEXT_SCHEME, new ModelTextProvider(() => client)),
    registerModelEditor(context, () => client),
  );
  try {
    client = createLanguageClient(context, output);
    context.subscriptions.push(createScanStatus(client));
    await client.start();
  } catch (e) {
    output.appendLine(`Activation failed: ${(e as Error).stack ?? e}`);
    void vscode.window.showErrorMessage(`ML Hygiene could not start its language server: ${(e as Error).message}`, 'Show Output').then((choice) => {
      if (choice) output.show();
    });
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
