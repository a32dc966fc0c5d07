/**
 * Starts the language server (dist/server.js, over node IPC) and connects it to VS Code.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { SETTINGS_SECTION } from '../../protocol/settings';

/** Files whose changes on disk the server must hear about: sources, pickles, models, configs (experiment YAML/JSON too), dependency files. */
const WATCHED = '**/{*.py,*.pyi,*.ipynb,*.yaml,*.yml,*.json,*.pkl,*.pickle,*.joblib,*.pt,*.pth,*.ckpt,*.bin,*.npy,*.npz,*.sav,*.dill,*.onnx,.ml-hygiene.yaml,.ml-hygiene.yml,pyproject.toml,requirements*.txt,requirements*.in,environment.yml,environment.yaml,poetry.lock,uv.lock,pdm.lock,Pipfile.lock,.gitignore}';

export function createLanguageClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const watcher = vscode.workspace.createFileSystemWatcher(WATCHED);
  context.subscriptions.push(watcher);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
      // Experiment configs: config drift (CFG005) is reported in the YAML/JSON file; the server ignores tool files.
      { scheme: 'file', language: 'yaml' },
      { scheme: 'file', language: 'json', pattern: '**/*.json' },
      // Python cells of notebooks; synced as notebooks, so the server lints cells in order.
      { notebook: '*', language: 'python' },
    ],
    synchronize: { fileEvents: watcher, configurationSection: SETTINGS_SECTION },
    outputChannel: output,
    traceOutputChannel: output,
  };
  return new LanguageClient('mlHygiene', 'ML Hygiene', serverOptions, clientOptions);
}
