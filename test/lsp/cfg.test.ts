/**
 * The CFG side of the language server over real LSP (dist/server.js over stdio): the
 * "Extract hyperparameters to config" quick fix applied as the editor applies it (one
 * WorkspaceEdit: config.yaml created or merged, loading code, lookups), a config.yaml made
 * invalid before the fix runs, and config drift (CFG005) published on YAML files, open or
 * not, re-evaluated when the Python files that load them change.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CodeAction, CreateFile, Diagnostic, TextDocumentEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { parse as parseYaml, parseDocument } from 'yaml';
import type { TextEdit } from '../../protocol/findings';
import { applyEdits } from '../helpers/edits';
import { LspTestClient, SERVER_JS } from '../helpers/lsp-client';
import { tempWorkspace } from '../helpers/workspace';

const workspace = (files: Record<string, string>): string => tempWorkspace(files, 'mlh-lsp-cfg-');

/**
 * A client that declares what VS Code declares for code actions (disabled actions shown with
 * their reason). LspTestClient's own `start` declares no code action capabilities.
 */
async function startLikeVsCode(dir: string): Promise<LspTestClient> {
  const child = spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const client = new (LspTestClient as unknown as new (child: ChildProcess) => LspTestClient)(child);
  await client.connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    workspaceFolders: [{ uri: pathToFileURL(dir).href, name: path.basename(dir) }],
    capabilities: {
      workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, workspaceEdit: { documentChanges: true, resourceOperations: ['create'] } },
      window: { workDoneProgress: true },
      textDocument: {
        publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true, versionSupport: true },
        codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } }, isPreferredSupport: true, disabledSupport: true },
      },
    },
  });
  await client.connection.sendNotification('initialized', {});
  return client;
}

/** Applies a WorkspaceEdit to the files on disk the way an editor does: creations first, then each document's edits. */
function applyWorkspaceEdit(edit: WorkspaceEdit): void {
  for (const change of edit.documentChanges ?? []) {
    if ('kind' in change) {
      assert.equal(change.kind, 'create');
      const file = fileURLToPath((change as CreateFile).uri);
      if (!fs.existsSync(file)) fs.writeFileSync(file, '');
      continue;
    }
    const doc = change as TextDocumentEdit;
    const file = fileURLToPath(doc.textDocument.uri);
    fs.writeFileSync(file, applyEdits(fs.readFileSync(file, 'utf8'), doc.edits as unknown as TextEdit[]));
  }
}

async function codeActions(client: LspTestClient, uri: string, diagnostic: Diagnostic): Promise<CodeAction[]> {
  return (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: diagnostic.range,
    context: { diagnostics: [diagnostic] },
  })) as CodeAction[];
}

/** The editor applies the same edit to the open buffer: sent as one change of the whole text (LSP applies changes one after another). */
function changeBuffer(client: LspTestClient, uri: string, before: string, after: string): number {
  const lines = before.split('\n');
  const end = { line: lines.length - 1, character: lines[lines.length - 1].length };
  return client.change(uri, [{ range: { start: { line: 0, character: 0 }, end }, text: after }]);
}

function watched(client: LspTestClient, changes: Array<[string, 1 | 2 | 3]>): void {
  void client.connection.sendNotification('workspace/didChangeWatchedFiles', {
    changes: changes.map(([file, type]) => ({ uri: pathToFileURL(file).href, type })),
  });
}

const codes = (p: { diagnostics: Diagnostic[] }) => p.diagnostics.map((d) => d.code);

const TRAIN = `"""Trains a regressor."""
import torch
from torch.utils.data import DataLoader


def train(model, dataset):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = DataLoader(dataset, batch_size=64, shuffle=True)
    for epoch in range(20):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()


if __name__ == "__main__":
    train(torch.nn.Linear(4, 1), [])
`;

describe('CFG over LSP: extract to config, config drift on YAML files', () => {
  let client: LspTestClient | undefined;

  afterEach(async () => {
    await client?.stop();
    client = undefined;
  });

  it('extracts the hyperparameters in one WorkspaceEdit that creates config.yaml; the re-lint is clean', async () => {
    const dir = workspace({ 'train.py': TRAIN });
    client = await startLikeVsCode(dir);
    const file = path.join(dir, 'train.py');
    const uri = client.open(file, TRAIN);
    const diags = await client.waitForDiagnostics(uri, (p) => codes(p).includes('CFG001'));
    const cfg001 = diags.diagnostics.filter((d) => d.code === 'CFG001');
    assert.ok(cfg001.length >= 3, `CFG001 findings: ${cfg001.map((d) => String(d.message)).join('\n')}`);
    const actions = await codeActions(client, uri, cfg001[0]);
    const extract = actions.find((a) => /^Extract the 4 hyperparameters of train\(\) to config\.yaml$/.test(a.title));
    assert.ok(extract?.edit, `actions: ${actions.map((a) => a.title)}`);
    assert.equal(extract.disabled, undefined);
    const changes = extract.edit.documentChanges!;
    // One edit: the file is created first, then written, and the script edited.
    assert.deepEqual((changes[0] as CreateFile).kind, 'create');
    assert.equal((changes[0] as CreateFile).uri, pathToFileURL(path.join(dir, 'config.yaml')).href);
    assert.deepEqual(
      changes.slice(1).map((c) => (c as TextDocumentEdit).textDocument.uri).sort(),
      [pathToFileURL(path.join(dir, 'config.yaml')).href, uri].sort(),
    );

    applyWorkspaceEdit(extract.edit);
    const config = parseYaml(fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8'));
    assert.deepEqual(config, { lr: 0.01, momentum: 0.9, batch_size: 64, epochs: 20 });
    const py = fs.readFileSync(file, 'utf8');
    assert.match(py, /import yaml/);
    assert.match(py, /with open\(Path\(__file__\)\.with_name\("config\.yaml"\)\) as f:\n {4}config = yaml\.safe_load\(f\)/);
    assert.match(py, /lr=config\["lr"\], momentum=config\["momentum"\]/);
    assert.match(py, /for epoch in range\(config\["epochs"\]\)/);

    // The editor applies the same edits to the open buffer; the server re-lints it.
    watched(client, [[path.join(dir, 'config.yaml'), 1]]);
    const v = changeBuffer(client, uri, TRAIN, py);
    const after = await client.waitForDiagnostics(uri, (p) => p.version === v);
    assert.deepEqual(after.diagnostics.filter((d) => d.code === 'CFG001' || d.code === 'CFG005').map((d) => String(d.message)), []);
  });

  it('merges into an existing config.yaml the script already loads, keeping its keys and comments', async () => {
    const existing = '# Experiment settings: edit here, not in the code.\nseed: 0  # fixed for the paper\n\n# the data\ndata_dir: data/\n';
    const source = `import yaml
import torch

with open("config.yaml") as f:
    cfg = yaml.safe_load(f)

torch.manual_seed(cfg["seed"])
print(cfg["data_dir"])
opt = torch.optim.Adam(params, lr=3e-4, weight_decay=1e-5)
loss.backward()
opt.step()
`;
    const dir = workspace({ 'train.py': source, 'config.yaml': existing });
    client = await startLikeVsCode(dir);
    const file = path.join(dir, 'train.py');
    const uri = client.open(file, source);
    const diags = await client.waitForDiagnostics(uri, (p) => codes(p).includes('CFG001'));
    const finding = diags.diagnostics.find((d) => d.code === 'CFG001')!;
    const actions = await codeActions(client, uri, finding);
    const extract = actions.find((a) => a.title.startsWith('Extract'));
    assert.ok(extract?.edit, `actions: ${actions.map((a) => a.title)}`);
    assert.ok(!extract.edit.documentChanges!.some((c) => 'kind' in c), 'no CreateFile for an existing file');
    applyWorkspaceEdit(extract.edit);

    const text = fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8');
    assert.ok(text.startsWith(existing), `existing text kept byte for byte:\n${text}`);
    assert.deepEqual(parseYaml(text), { seed: 0, data_dir: 'data/', lr: 0.0003, weight_decay: 0.00001 });
    assert.match(parseDocument(text).toString(), /# fixed for the paper/);
    const py = fs.readFileSync(file, 'utf8');
    assert.equal((py.match(/yaml\.safe_load/g) ?? []).length, 1, 'the existing load is reused');
    assert.match(py, /lr=cfg\["lr"\], weight_decay=cfg\["weight_decay"\]/);

    watched(client, [[path.join(dir, 'config.yaml'), 2]]);
    const v = changeBuffer(client, uri, source, py);
    const after = await client.waitForDiagnostics(uri, (p) => p.version === v);
    assert.deepEqual(after.diagnostics.filter((d) => String(d.code).startsWith('CFG')).map((d) => String(d.message)), []);
    // The YAML side agrees: every key of config.yaml is read.
    const yamlUri = client.open(path.join(dir, 'config.yaml'), text, 'yaml');
    const yamlDiags = await client.waitForDiagnostics(yamlUri, (p) => p.version === 1);
    assert.deepEqual(yamlDiags.diagnostics, []);
  });

  it('when config.yaml became invalid YAML before the fix runs: offered disabled with the reason, nothing overwritten', async () => {
    const dir = workspace({ 'train.py': TRAIN });
    client = await startLikeVsCode(dir);
    const file = path.join(dir, 'train.py');
    const uri = client.open(file, TRAIN);
    const diags = await client.waitForDiagnostics(uri, (p) => codes(p).includes('CFG001'));
    const finding = diags.diagnostics.find((d) => d.code === 'CFG001')!;
    // config.yaml appears, broken, after the lint and without any file event: the fix is rebuilt at request time.
    const broken = 'lr: [0.1\nepochs: 3\n';
    fs.writeFileSync(path.join(dir, 'config.yaml'), broken);
    const actions = await codeActions(client, uri, finding);
    const extract = actions.find((a) => a.title.startsWith('Extract'));
    assert.ok(extract, `actions: ${actions.map((a) => a.title)}`);
    assert.equal(extract.edit, undefined, 'a disabled action carries no edit');
    assert.match(extract.disabled?.reason ?? '', /^config\.yaml is not valid YAML \(line 2: .+\); fix the file first \(the quick fix never overwrites a file it cannot read\)$/);
    assert.equal(fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8'), broken);

    // Once the watcher reports the file, the diagnostic itself says why.
    watched(client, [[path.join(dir, 'config.yaml'), 1]]);
    const relinted = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'CFG001' && /not valid YAML/.test(String(d.message))));
    const d = relinted.diagnostics.find((x) => x.code === 'CFG001' && /not valid YAML/.test(String(x.message)))!;
    assert.equal(d.relatedInformation?.[0].location.uri, pathToFileURL(path.join(dir, 'config.yaml')).href);
  });

  it('offers the fix disabled while config.yaml is open with unsaved changes (it is built from the disk)', async () => {
    const dir = workspace({ 'train.py': TRAIN, 'config.yaml': 'seed: 0\n' });
    client = await startLikeVsCode(dir);
    const uri = client.open(path.join(dir, 'train.py'), TRAIN);
    const diags = await client.waitForDiagnostics(uri, (p) => codes(p).includes('CFG001'));
    client.open(path.join(dir, 'config.yaml'), 'seed: 1\n', 'yaml');
    const extract = (await codeActions(client, uri, diags.diagnostics.find((d) => d.code === 'CFG001')!)).find((a) => a.title.startsWith('Extract'));
    assert.equal(extract?.edit, undefined);
    assert.equal(extract?.disabled?.reason, 'config.yaml has unsaved changes; save it, then ask for the quick fix again');
  });

  it('leaves the disabled fix out for clients without disabledSupport (the diagnostic says why)', async () => {
    const dir = workspace({ 'train.py': TRAIN, 'config.yaml': '- not\n- a mapping\n' });
    ({ client } = await LspTestClient.start(dir));
    const uri = client.open(path.join(dir, 'train.py'), TRAIN);
    const diags = await client.waitForDiagnostics(uri, (p) => codes(p).includes('CFG001'));
    const finding = diags.diagnostics.find((d) => d.code === 'CFG001')!;
    assert.match(String(finding.message), /quick fix is not offered: config\.yaml cannot take new keys/);
    const actions = await codeActions(client, uri, finding);
    assert.deepEqual(actions.filter((a) => a.title.startsWith('Extract')), []);
    assert.equal(fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8'), '- not\n- a mapping\n');
  });

  it('publishes config drift in an open YAML file and follows edits of the YAML and of the Python file', async () => {
    const config = '# run settings\nlr: 0.1\nepochs: 3\nwarmup: 5\n';
    const source = 'import yaml\n\nwith open("config.yaml") as f:\n    cfg = yaml.safe_load(f)\n\nprint(cfg["learning_rate"], cfg["epochs"])\n';
    const dir = workspace({ 'train.py': source, 'config.yaml': config, 'requirements.txt': 'pyyaml\n' });
    client = await startLikeVsCode(dir);
    const yamlFile = path.join(dir, 'config.yaml');
    const yamlUri = client.open(yamlFile, config, 'yaml');
    const first = await client.waitForDiagnostics(yamlUri, (p) => p.diagnostics.length === 3);
    const byLine = first.diagnostics.map((d) => [d.code, d.range.start.line, String(d.message).split(' is ')[0]]);
    assert.deepEqual(byLine, [
      ['CFG005', 1, 'config key "learning_rate"'],
      ['CFG005', 1, 'config key "lr"'],
      ['CFG005', 3, 'config key "warmup"'],
    ]);
    const missing = first.diagnostics[0];
    assert.match(String(missing.message), /read by the code \(train\.py line 6\) but this file has no "learning_rate".*did you mean "lr"/);
    assert.equal(missing.relatedInformation?.[0].location.uri, pathToFileURL(path.join(dir, 'train.py')).href);
    assert.equal(missing.severity, 2);
    // A suppression action, as a YAML comment.
    const actions = await codeActions(client, yamlUri, first.diagnostics[2]);
    assert.ok(actions.some((a) => a.title === 'Ignore CFG005 on this line'), `actions: ${actions.map((a) => a.title)}`);

    // Edit the YAML buffer: rename lr, drop warmup.
    const v2 = client.change(yamlUri, [{ range: { start: { line: 1, character: 0 }, end: { line: 4, character: 0 } }, text: 'learning_rate: 0.1\nepochs: 3\n' }]);
    const second = await client.waitForDiagnostics(yamlUri, (p) => p.version === v2);
    assert.deepEqual(second.diagnostics, []);

    // Type in the Python file (open, unsaved): a new read of a key the YAML buffer lacks shows up in the YAML.
    const pyUri = client.open(path.join(dir, 'train.py'), source);
    client.change(pyUri, [{ range: { start: { line: 6, character: 0 }, end: { line: 6, character: 0 } }, text: 'print(cfg["momentum"])\n' }]);
    const third = await client.waitForDiagnostics(yamlUri, (p) => p.diagnostics.some((d) => /"momentum"/.test(String(d.message))));
    assert.deepEqual(codes(third), ['CFG005']);
  });

  it('the workspace scan publishes drift on YAML files that are not open, and redoes it when a loading script changes on disk', async () => {
    const dir = workspace({
      'requirements.txt': 'pyyaml\n',
      'configs/base.yaml': 'lr: 0.1\nunused: 1\n',
      'src/train.py': 'import yaml\nfrom pathlib import Path\n\ncfg = yaml.safe_load((Path(__file__).parent / "../configs/base.yaml").read_text())\nprint(cfg["lr"])\n',
      'tools/ci.yaml': 'jobs: {build: 1}\n',
      'package.json': '{"name": "x"}\n',
    });
    client = await startLikeVsCode(dir);
    const yamlUri = pathToFileURL(path.join(dir, 'configs/base.yaml')).href;
    const scanned = await client.waitForDiagnostics(yamlUri, (p) => p.diagnostics.length > 0);
    assert.deepEqual(scanned.diagnostics.map((d) => [d.code, d.range.start.line, String(d.message).split(' is ')[0]]), [['CFG005', 1, 'config key "unused"']]);
    assert.match(String(scanned.diagnostics[0].message), /\(train\.py\)/);

    // The script starts reading the key: saved to disk, the watcher reports it, the YAML is clean.
    fs.writeFileSync(path.join(dir, 'src/train.py'), 'import yaml\nfrom pathlib import Path\n\ncfg = yaml.safe_load((Path(__file__).parent / "../configs/base.yaml").read_text())\nprint(cfg["lr"], cfg["unused"])\n');
    watched(client, [[path.join(dir, 'src/train.py'), 2]]);
    await client.waitForDiagnostics(yamlUri, (p) => p.diagnostics.length === 0);
    // Files nothing loads, and tool files, get nothing.
    assert.equal(client.latest.get(pathToFileURL(path.join(dir, 'tools/ci.yaml')).href)?.diagnostics.length ?? 0, 0);
    assert.equal(client.latest.get(pathToFileURL(path.join(dir, 'package.json')).href)?.diagnostics.length ?? 0, 0);
  });
});
