/** The command table: one handler per command id from protocol/commands.ts. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands, type CommandId } from '../../protocol/commands';
import { isShowInGraphArgs } from '../../protocol/graph';
import { compareModels, showModelText } from './model-text';
import { benchmarkCommand } from './benchmark';
import { GRAPH_VIEW_TYPE, revealNodes } from './model-editor';

export interface CommandContext {
  extension: vscode.ExtensionContext;
  output: vscode.LogOutputChannel;
  client: () => LanguageClient | undefined;
}

type Handler = (ctx: CommandContext, ...args: unknown[]) => unknown;

/** Opens a rule's generated docs page, asking which rule when none is given. */
async function openRuleDocs(ctx: CommandContext, ruleId?: unknown): Promise<void> {
  const dir = ctx.extension.asAbsolutePath(path.join('docs', 'rules'));
  let id = typeof ruleId === 'string' ? ruleId : undefined;
  if (!id) {
    const items = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => {
        const first = fs.readFileSync(path.join(dir, f), 'utf8').split('\n', 1)[0].replace(/^#\s*/, '');
        return { label: f.replace(/\.md$/, ''), description: first.replace(/^\w+:\s*/, '') };
      });
    id = (await vscode.window.showQuickPick(items, { placeHolder: 'Which rule?', matchOnDescription: true }))?.label;
    if (!id) return;
  }
  const file = path.join(dir, `${id}.md`);
  if (!fs.existsSync(file)) {
    void vscode.window.showErrorMessage(`ML Hygiene: no documentation for rule '${id}'.`);
    return;
  }
  await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(file));
}

/** The "Show in Graph" CodeLens (server/src/lsp/model-codelens.ts): opens the model's graph view on the class's nodes. */
async function showInGraph(_ctx: CommandContext, arg?: unknown): Promise<void> {
  if (!isShowInGraphArgs(arg)) {
    void vscode.window.showInformationMessage('ML Hygiene: "Show in Graph" runs from the CodeLens above a model class.');
    return;
  }
  const uri = vscode.Uri.file(arg.modelPath);
  await vscode.commands.executeCommand('vscode.openWith', uri, GRAPH_VIEW_TYPE);
  revealNodes(uri, arg.nodeIds);
}

export const COMMAND_HANDLERS: Record<CommandId, Handler> = {
  [Commands.openRuleDocs.id]: openRuleDocs,
  [Commands.showOutput.id]: (ctx) => ctx.output.show(true),
  [Commands.restartServer.id]: async (ctx) => {
    await ctx.client()?.restart();
  },
  [Commands.showModelText.id]: (_ctx, arg) => showModelText(arg),
  [Commands.compareModels.id]: (_ctx, arg) => compareModels(arg),
  [Commands.benchmarkModel.id]: (ctx, arg) => benchmarkCommand(ctx, arg, false),
  [Commands.profileModel.id]: (ctx, arg) => benchmarkCommand(ctx, arg, true),
  [Commands.showInGraph.id]: showInGraph,
};

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(COMMAND_HANDLERS).map(([id, handler]) => vscode.commands.registerCommand(id, (...args: unknown[]) => handler(ctx, ...args)));
}
