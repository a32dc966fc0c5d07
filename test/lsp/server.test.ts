/**
 * The language server over real LSP: the bundled dist/server.js spawned over stdio,
 * spoken to by a real protocol client, with real files on disk.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeAction, TextDocumentEdit } from 'vscode-languageserver-protocol';
import { LspTestClient } from '../helpers/lsp-client';
import { applyEdits } from '../helpers/edits';
import { tempWorkspace } from '../helpers/workspace';

const workspace = (files: Record<string, string>): string => tempWorkspace(files, 'mlh-lsp-');

describe('language server over LSP (stdio)', () => {
  let client: LspTestClient;
  let dir: string;

  afterEach(async () => {
    await client?.stop();
  });

  it('publishes diagnostics with rule code, docs link and severity, and updates them on incremental edits', async () => {
    dir = workspace({ 'train.py': '' });
    ({ client } = await LspTestClient.start(dir));
    const file = path.join(dir, 'train.py');
    const uri = client.open(file, 'import pickle\n\nmodel = pickle.load(open("m.pkl", "rb"))\n');
    const first = await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 1);
    const d = first.diagnostics[0];
    assert.equal(d.code, 'SER001');
    assert.equal(d.source, 'ml-hygiene');
    assert.equal(d.severity, 1);
    assert.deepEqual(d.range, { start: { line: 2, character: 8 }, end: { line: 2, character: 40 } });
    assert.match(d.codeDescription!.href, /docs\/rules\/SER001\.md$/);

    // Type a second load on a new line: an incremental change.
    const v2 = client.change(uri, [{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, text: 'other = pickle.loads(b"")\n' }]);
    const second = await client.waitForDiagnostics(uri, (p) => p.version === v2);
    assert.deepEqual(second.diagnostics.map((x) => [x.code, x.range.start.line]), [['SER001', 2], ['SER001', 3]]);

    // Rename the import away: both findings disappear (the name no longer resolves to pickle).
    const v3 = client.change(uri, [{ range: { start: { line: 0, character: 7 }, end: { line: 0, character: 13 } }, text: 'json as pickle' }]);
    const third = await client.waitForDiagnostics(uri, (p) => p.version === v3);
    assert.deepEqual(third.diagnostics, []);
  });

  it('offers a suppression quick fix whose edit removes the finding', async () => {
    dir = workspace({ 'a.py': '' });
    ({ client } = await LspTestClient.start(dir));
    const text = 'import pickle\nx = pickle.load(f)\n';
    const uri = client.open(path.join(dir, 'a.py'), text);
    const diags = await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 1);
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: diags.diagnostics[0].range,
      context: { diagnostics: diags.diagnostics },
    })) as CodeAction[];
    const ignore = actions.find((a) => a.title === 'Ignore SER001 on this line');
    assert.ok(ignore, `actions: ${actions.map((a) => a.title)}`);
    const edit = (ignore.edit!.documentChanges![0] as TextDocumentEdit).edits;
    const fixed = applyEdits(text, edit as never);
    assert.equal(fixed, 'import pickle\nx = pickle.load(f)  # ml-hygiene: ignore[SER001]\n');
    const v = client.change(uri, edit.map((e) => ({ range: e.range, text: (e as { newText: string }).newText })));
    const after = await client.waitForDiagnostics(uri, (p) => p.version === v);
    assert.deepEqual(after.diagnostics, []);
  });

  it("applies a rule's own quick fix (torch.load gets weights_only=True) and the finding goes away", async () => {
    dir = workspace({ 'requirements.txt': 'torch==2.4.1\n' });
    ({ client } = await LspTestClient.start(dir));
    const text = 'import torch\nstate = torch.load(\n    "ckpt.pt",\n    map_location="cpu",\n)\n';
    const uri = client.open(path.join(dir, 'load.py'), text);
    const diags = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'SER005'));
    const finding = diags.diagnostics.find((d) => d.code === 'SER005')!;
    assert.match(String(finding.message), /2\.4\.1|requirements\.txt/);
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: finding.range,
      context: { diagnostics: [finding] },
    })) as CodeAction[];
    const fix = actions.find((a) => /weights_only=True/.test(a.title) && a.isPreferred);
    assert.ok(fix, `actions: ${actions.map((a) => a.title)}`);
    const edits = (fix.edit!.documentChanges![0] as TextDocumentEdit).edits as Array<{ range: never; newText: string }>;
    const fixed = applyEdits(text, edits as never);
    assert.match(fixed, /map_location="cpu",\s*weights_only=True,?\s*\)/);
    const v = client.change(uri, edits.map((e) => ({ range: e.range, text: e.newText })));
    const after = await client.waitForDiagnostics(uri, (p) => p.version === v);
    assert.deepEqual(after.diagnostics.filter((d) => d.code === 'SER005'), []);
  });

  it('scans the workspace in the background with progress, and reports config errors on the config file', async () => {
    dir = workspace({
      'src/load.py': 'import joblib, pickle\nm = pickle.loads(b"")\n',
      'src/clean.py': 'print("hello")\n',
      'ignored/skip.py': 'import pickle\npickle.load(f)\n',
      '.gitignore': 'ignored/\n',
      '.ml-hygiene.yaml': 'select: [SER, NOPE]\n',
    });
    ({ client } = await LspTestClient.start(dir));
    const loadUri = pathToFileURL(path.join(dir, 'src/load.py')).href;
    const configUri = pathToFileURL(path.join(dir, '.ml-hygiene.yaml')).href;
    const load = await client.waitForDiagnostics(loadUri, (p) => p.diagnostics.length > 0);
    assert.deepEqual(load.diagnostics.map((d) => d.code), ['SER001']);
    const config = await client.waitForDiagnostics(configUri, (p) => p.diagnostics.length > 0);
    assert.equal(config.diagnostics[0].code, 'MLH001');
    assert.match(String(config.diagnostics[0].message), /unknown rule or family 'NOPE'/);
    assert.deepEqual(config.diagnostics[0].range.start, { line: 0, character: 14 });
    // Wait for the scan to finish, then check what it did not publish.
    await waitFor(() => client.notifications.some((n) => n.method === 'mlHygiene/scanStatus' && (n.params as { state: string }).state === 'idle'));
    assert.equal(client.latest.has(pathToFileURL(path.join(dir, 'ignored/skip.py')).href), false, '.gitignore is honoured');
    assert.ok(client.progress.length >= 2, 'work-done progress was reported');
  });

  it('re-lints when a watched config file changes on disk', async () => {
    dir = workspace({ 'm.py': 'import pickle\npickle.load(f)\n' });
    ({ client } = await LspTestClient.start(dir));
    const uri = client.open(path.join(dir, 'm.py'), 'import pickle\npickle.load(f)\n');
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 1);
    fs.writeFileSync(path.join(dir, '.ml-hygiene.yaml'), 'ignore: [SER001]\n');
    void client.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: pathToFileURL(path.join(dir, '.ml-hygiene.yaml')).href, type: 1 }],
    });
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 0);
  });

  it('keeps working after bad input: binary text, a huge line, a syntax error', async () => {
    dir = workspace({});
    ({ client } = await LspTestClient.start(dir));
    const broken = client.open(path.join(dir, 'broken.py'), 'import pickle\ndef f(:\n    pass\nx = pickle.load(f)\n');
    const d = await client.waitForDiagnostics(broken, (p) => p.diagnostics.some((x) => x.code === 'SER001'));
    assert.ok(d.diagnostics.some((x) => x.code === 'MLH003'), 'syntax error reported');
    const weird = client.open(path.join(dir, 'weird.py'), 'import pickle\n\u0000\u0001\uFFFD' + 'x'.repeat(200000) + '\npickle.load(f)\n');
    await client.waitForDiagnostics(weird, (p) => p.diagnostics.some((x) => x.code === 'SER001'));
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 20000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
