/** Notebooks: cells linted as one program, in the CLI and over LSP notebook sync. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { buildNotebookProgram, parseIpynb } from '../../server/src/engine/notebook';
import { runCli } from '../helpers/cli';
import { LspTestClient } from '../helpers/lsp-client';

function ipynb(cells: Array<{ type: 'code' | 'markdown' | 'raw'; source: string | string[] }>, language = 'python'): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', language, display_name: 'Python 3' }, language_info: { name: language } },
    cells: cells.map((c) => ({ cell_type: c.type, metadata: {}, source: c.source, ...(c.type === 'code' ? { outputs: [], execution_count: null } : {}) })),
  });
}

const NOTEBOOK = ipynb([
  { type: 'markdown', source: '# Train\nLoads a model.' },
  { type: 'code', source: ['%matplotlib inline\n', '!pip install dill\n', 'import pickle\n', 'import dill as d'] },
  { type: 'code', source: '%%bash\npython -c "import pickle; pickle.load(f)"\n' },
  { type: 'code', source: 'with open("m.pkl", "rb") as f:\n    model = pickle.load(f)\n' },
  { type: 'raw', source: 'pickle.load(f)' },
  { type: 'code', source: 'x = d.loads(b"")  # ml-hygiene: ignore[SER001]\ny = d.loads(b"")\nmodel?\n' },
]);

describe('notebooks', () => {
  it('joins code cells in order, blanks magics, drops non-Python cells', () => {
    const { cells, language } = parseIpynb(NOTEBOOK);
    assert.equal(language, 'python');
    assert.deepEqual(cells.map((c) => c.index), [1, 2, 3, 5]);
    const program = buildNotebookProgram(cells);
    assert.deepEqual(program.cells.map((c) => c.index), [1, 3, 5]);
    assert.ok(!program.source.includes('%matplotlib') && !program.source.includes('!pip') && !program.source.includes('model?'));
    assert.ok(program.source.includes('import dill as d\n\nwith open'));
  });

  it('the CLI reports findings with their cell and line in the cell', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-nb-'));
    fs.writeFileSync(path.join(dir, 'train.ipynb'), NOTEBOOK);
    const r = runCli(['lint', dir, '--format', 'json']);
    assert.equal(r.status, 1, r.stderr);
    const findings = JSON.parse(r.stdout) as Array<{ rule: string; cell: number; cellLine: number; line: number; column: number }>;
    assert.deepEqual(findings.map((f) => [f.rule, f.cell, f.line, f.column]), [['SER001', 4, 2, 13], ['SER001', 6, 2, 5]]);
    const text = runCli(['lint', dir]).stdout;
    assert.match(text, /train\.ipynb:cell 4:2:13: SER001/);
  });

  it('malformed notebooks and non-Python notebooks get a clear message, not a crash', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-nb-bad-'));
    fs.writeFileSync(path.join(dir, 'broken.ipynb'), '{"cells": [ {"cell_type": "code", "source": "x"}, ');
    fs.writeFileSync(path.join(dir, 'nocells.ipynb'), '{"metadata": {}}');
    fs.writeFileSync(path.join(dir, 'r.ipynb'), ipynb([{ type: 'code', source: 'library(pickle)\npickle.load(f)' }], 'R'));
    fs.writeFileSync(path.join(dir, 'ok.ipynb'), ipynb([{ type: 'code', source: 'import pickle\npickle.loads(b)' }]));
    const findings = JSON.parse(runCli(['lint', dir, '--format', 'json']).stdout) as Array<{ file: string; rule: string; message: string }>;
    const of = (n: string) => findings.filter((f) => f.file.endsWith(n));
    assert.equal(of('broken.ipynb')[0].rule, 'MLH002');
    assert.match(of('broken.ipynb')[0].message, /not a valid notebook: invalid JSON/);
    assert.match(of('nocells.ipynb')[0].message, /no "cells" list/);
    assert.deepEqual(of('r.ipynb'), []);
    assert.deepEqual(of('ok.ipynb').map((f) => f.rule), ['SER001']);
  });

  it('over LSP notebook sync: diagnostics per cell, updated when a cell changes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-nb-lsp-'));
    const { client, init } = await LspTestClient.start(dir);
    try {
      assert.ok(init.capabilities.notebookDocumentSync, 'server declares notebook sync');
      const nbUri = pathToFileURL(path.join(dir, 'explore.ipynb')).href;
      const cell = (n: number) => `vscode-notebook-cell:${path.join(dir, 'explore.ipynb')}#cell${n}`;
      await client.connection.sendNotification('notebookDocument/didOpen', {
        notebookDocument: { uri: nbUri, notebookType: 'jupyter-notebook', version: 1, cells: [1, 2, 3].map((n) => ({ kind: 2, document: cell(n) })) },
        cellTextDocuments: [
          { uri: cell(1), languageId: 'python', version: 1, text: 'import pickle\n' },
          { uri: cell(2), languageId: 'python', version: 1, text: 'print("no finding here")\n' },
          { uri: cell(3), languageId: 'python', version: 1, text: 'state = pickle.load(open("s.pkl", "rb"))\n' },
        ],
      });
      const third = await client.waitForDiagnostics(cell(3), (p: PublishDiagnosticsParams) => p.diagnostics.length === 1);
      assert.deepEqual(third.diagnostics[0].range.start, { line: 0, character: 8 });
      // Edit cell 2 to load too: the import in cell 1 resolves it.
      await client.connection.sendNotification('notebookDocument/didChange', {
        notebookDocument: { uri: nbUri, version: 2 },
        change: { cells: { textContent: [{ document: { uri: cell(2), version: 2 }, changes: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 24 } }, text: 'again = pickle.loads(b"")' }] }] } },
      });
      const second = await client.waitForDiagnostics(cell(2), (p: PublishDiagnosticsParams) => p.diagnostics.length === 1);
      assert.equal(second.diagnostics[0].code, 'SER001');
    } finally {
      await client.stop();
    }
  });
});
