/** A status bar item that shows the background scan's state and opens the output on click. */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands } from '../../protocol/commands';
import { LspMethods, type ScanStatusParams } from '../../protocol/settings';

export function createScanStatus(client: LanguageClient): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('mlHygiene.status', vscode.StatusBarAlignment.Left, 0);
  item.name = 'ML Hygiene';
  item.command = Commands.showOutput.id;
  item.text = '$(beaker) ML Hygiene';
  item.show();
  const sub = client.onNotification(LspMethods.scanStatus, (p: ScanStatusParams) => {
    item.text = p.state === 'scanning' ? `$(sync~spin) ML Hygiene ${p.filesDone}/${p.filesTotal}` : `$(beaker) ML Hygiene`;
    item.tooltip = p.state === 'scanning' ? 'Scanning the workspace' : `Workspace scanned: ${p.filesTotal} files, ${p.findings} findings`;
  });
  return vscode.Disposable.from(item, sub);
}
