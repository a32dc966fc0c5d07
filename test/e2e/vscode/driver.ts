/**
 * The Driver inside a desktop VS Code's extension host (`npm run test:vscode`, under
 * @vscode/test-electron): the same scenarios through the VS Code API. It reads the
 * diagnostics that the Problems panel lists (errors, warnings, infos; hints are not listed
 * there), types through the `type` command (auto-closing and auto-indent apply as for
 * keystrokes), and asks for quick fixes as the light bulb does. It cannot see into
 * webviews, notifications or take screenshots: scenarios that need them are pending here.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Driver, ExtensionManifest, Problem, Severity } from '../driver';

const EXTENSION_ID = 'ml-hygiene.ml-hygiene';

const SEVERITY: Record<vscode.DiagnosticSeverity, Severity> = {
  [vscode.DiagnosticSeverity.Error]: 'error',
  [vscode.DiagnosticSeverity.Warning]: 'warning',
  [vscode.DiagnosticSeverity.Information]: 'info',
  [vscode.DiagnosticSeverity.Hint]: 'hint',
};

export class VSCodeDriver implements Driver {
  readonly host = 'vscode';
  readonly workspace: string;

  constructor() {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) throw new Error('VS Code was started without a workspace folder');
    this.workspace = folder.uri.fsPath;
  }

  async manifest(): Promise<ExtensionManifest> {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    if (!ext) throw new Error(`${EXTENSION_ID} is not installed`);
    return ext.packageJSON as ExtensionManifest;
  }

  private editor(): vscode.TextEditor {
    const editor = vscode.window.activeTextEditor;
    if (!editor) throw new Error('no active text editor');
    return editor;
  }

  async openFile(relativePath: string): Promise<void> {
    const uri = vscode.Uri.file(path.join(this.workspace, relativePath));
    // vscode.open picks the default editor for the type: a text editor, or a custom editor for .onnx.
    await vscode.commands.executeCommand('vscode.open', uri);
  }

  async problems(fileName: string): Promise<Problem[]> {
    return vscode.languages
      .getDiagnostics()
      .filter(([uri]) => path.basename(uri.fsPath) === fileName)
      .flatMap(([uri, diags]) =>
        diags
          .filter((d) => d.severity !== vscode.DiagnosticSeverity.Hint)
          .map((d) => ({
            file: path.basename(uri.fsPath),
            rule: String(typeof d.code === 'object' ? d.code.value : (d.code ?? '')),
            line: d.range.start.line + 1,
            column: d.range.start.character + 1,
            severity: SEVERITY[d.severity],
            message: d.message,
            source: d.source ?? '',
          })),
      );
  }

  async goTo(line: number, column: number): Promise<void> {
    const editor = this.editor();
    const pos = new vscode.Position(line - 1, column - 1);
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos));
  }

  private async type(text: string): Promise<void> {
    for (const ch of text) await vscode.commands.executeCommand('type', { text: ch });
  }

  async typeAtEndOfLine(line: number, text: string): Promise<void> {
    await this.goTo(line, this.editor().document.lineAt(line - 1).text.length + 1);
    await this.type(text);
  }

  async typeNewLineAfter(line: number, text: string): Promise<void> {
    await this.goTo(line, this.editor().document.lineAt(line - 1).text.length + 1);
    await this.type('\n');
    await this.type(text);
  }

  async save(): Promise<void> {
    await this.editor().document.save();
  }

  private async quickFixes(line: number, column: number): Promise<vscode.CodeAction[]> {
    await this.goTo(line, column);
    const pos = new vscode.Position(line - 1, column - 1);
    return (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', this.editor().document.uri, new vscode.Range(pos, pos), vscode.CodeActionKind.QuickFix.value)) ?? [];
  }

  async quickFixTitles(line: number, column: number): Promise<string[]> {
    return (await this.quickFixes(line, column)).map((a) => a.title);
  }

  async applyQuickFix(line: number, column: number, title: RegExp): Promise<void> {
    const actions = await this.quickFixes(line, column);
    const action = actions.find((a) => title.test(a.title));
    if (!action) throw new Error(`no quick fix matching ${title} (offered: ${actions.map((a) => a.title).join(' | ')})`);
    if (action.edit) await vscode.workspace.applyEdit(action.edit);
    if (action.command) await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
  }

  async runCommand(title: string): Promise<void> {
    const commands = (await this.manifest()).contributes?.commands ?? [];
    const command = commands.find((c) => `${c.category ? `${c.category}: ` : ''}${c.title}` === title);
    if (!command) throw new Error(`no contributed command titled "${title}"`);
    await vscode.commands.executeCommand(command.command);
  }

  async notifications(): Promise<string[]> {
    // Not observable through the API.
    return [];
  }

  async screenshot(): Promise<void> {
    // The extension host cannot take screenshots of its own window.
  }
}
