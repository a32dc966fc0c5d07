/**
 * The RNG rules on notebooks: cells are one program in cell order, so a seed in an early
 * cell covers draws in later cells, and a seed in a later cell does not cover an earlier
 * draw. Non-Python cells (markdown, raw, `%%bash` cell magics, `!` and `%` lines) are left
 * out without shifting the cell numbers of the findings. Through the built CLI
 * (bin/ml-hygiene.js) and over LSP notebook sync (dist/server.js).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { runCli } from '../helpers/cli';
import { LspTestClient } from '../helpers/lsp-client';

type Cell = { type: 'code' | 'markdown' | 'raw'; source: string | string[] };

function ipynb(cells: Cell[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', language: 'python', display_name: 'Python 3' }, language_info: { name: 'python' } },
    cells: cells.map((c) => ({ cell_type: c.type, metadata: {}, source: c.source, ...(c.type === 'code' ? { outputs: [], execution_count: null } : {}) })),
  });
}

interface CliFinding {
  file: string;
  rule: string;
  message: string;
  cell: number;
  cellLine: number;
  line: number;
  column: number;
}

/** Lints notebooks with the RNG rules through the CLI; findings by file name. */
function lintNotebooks(files: Record<string, Cell[]>): (name: string) => CliFinding[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-nb-rng-'));
  for (const [name, cells] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), ipynb(cells));
  const r = runCli(['lint', dir, '--select', 'RNG', '--format', 'json', '--no-progress']);
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  const findings = JSON.parse(r.stdout) as CliFinding[];
  return (name) => findings.filter((f) => path.basename(f.file) === name);
}

describe('RNG rules on notebooks', () => {
  it('a seed in the first code cell covers draws in later cells; a seed in a later cell does not cover an earlier draw', () => {
    const of = lintNotebooks({
      'seeded-first.ipynb': [
        { type: 'code', source: ['import random\n', 'import numpy as np\n', 'import torch\n', '\n', 'SEED = 0\n', 'random.seed(SEED)\n', 'np.random.seed(SEED)\n', 'torch.manual_seed(SEED)'] },
        { type: 'markdown', source: 'Data with noise.' },
        { type: 'code', source: 'X = np.random.rand(100, 3)\nnoise = torch.randn(100)\n' },
        { type: 'code', source: 'order = list(range(100))\nrandom.shuffle(order)\n' },
      ],
      'seeded-late.ipynb': [
        { type: 'code', source: 'import numpy as np\n' },
        { type: 'markdown', source: '## Explore' },
        { type: 'code', source: 'print("first look")\nsample = np.random.choice(10, 3)\n' },
        { type: 'code', source: 'np.random.seed(0)\n' },
        { type: 'code', source: 'X = np.random.rand(100, 3)\n' },
      ],
    });
    assert.deepEqual(
      of('seeded-first.ipynb').filter((f) => f.rule !== 'RNG010'),
      [],
      'the seeds of cell 1 run before cells 3 and 4',
    );
    const late = of('seeded-late.ipynb');
    assert.deepEqual(
      late.map((f) => [f.rule, f.cell, f.cellLine]),
      [
        ['RNG002', 3, 2],
        ['RNG010', 4, 1],
      ],
    );
    const draw = late.find((f) => f.rule === 'RNG002')!;
    // The message names the seed that runs too late; the draw in cell 5 is seeded and not listed.
    assert.match(draw.message, /np\.random\.choice draws from NumPy's global RNG before anything seeds it: np\.random\.seed\(0\) at cell 4, line 1 runs only after this use/);
    assert.doesNotMatch(draw.message, /more unseeded use/);
  });

  it('a notebook with markdown, raw and %%bash cells still gets RNG findings in its Python cells, at the right cell numbers', () => {
    const of = lintNotebooks({
      'mixed.ipynb': [
        { type: 'markdown', source: '# Training\nUses `random.shuffle` and a split.' },
        { type: 'code', source: ['%matplotlib inline\n', '!pip install scikit-learn\n', 'import random\n', 'from sklearn.model_selection import train_test_split'] },
        { type: 'code', source: '%%bash\npython -c "import random; print(random.random())"\necho done\n' },
        { type: 'raw', source: 'random.shuffle(files)' },
        { type: 'code', source: 'files = ["a.csv", "b.csv", "c.csv"]\nrandom.shuffle(files)\nfiles?\n' },
        { type: 'markdown', source: 'Split the rows.' },
        { type: 'code', source: 'X = [[i] for i in range(10)]\ny = [i % 2 for i in range(10)]\nX_train, X_test, y_train, y_test = train_test_split(\n    X, y, test_size=0.2\n)\n' },
      ],
    });
    const findings = of('mixed.ipynb');
    assert.deepEqual(
      findings.map((f) => [f.rule, f.cell, f.cellLine, f.column]),
      [
        ['RNG001', 5, 2, 1],
        ['RNG007', 7, 3, 36],
      ],
    );
    assert.match(findings[0].message, /^random\.shuffle draws from Python's random module/);
    // Nothing from the %%bash cell (cell 3) or the raw cell (cell 4), though both mention random.
    assert.ok(findings.every((f) => f.cell !== 3 && f.cell !== 4));
  });

  it('over LSP notebook sync: a seed in cell 1 covers cell 3; removing it publishes the finding on cell 3', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-nb-rng-lsp-'));
    const { client } = await LspTestClient.start(dir);
    try {
      const nbUri = pathToFileURL(path.join(dir, 'explore.ipynb')).href;
      const cell = (n: number) => `vscode-notebook-cell:${path.join(dir, 'explore.ipynb')}#cell${n}`;
      await client.connection.sendNotification('notebookDocument/didOpen', {
        notebookDocument: { uri: nbUri, notebookType: 'jupyter-notebook', version: 1, cells: [1, 2, 3].map((n) => ({ kind: 2, document: cell(n) })) },
        cellTextDocuments: [
          { uri: cell(1), languageId: 'python', version: 1, text: 'import torch\ntorch.manual_seed(0)\n' },
          { uri: cell(2), languageId: 'python', version: 1, text: 'print("setup done")\n' },
          // The cuDNN hint on line 2 makes the server publish for cell 3 in both states.
          { uri: cell(3), languageId: 'python', version: 1, text: 'weights = torch.randn(3, 3)\ntorch.backends.cudnn.benchmark = True\n' },
        ],
      });
      const seeded = await client.waitForDiagnostics(cell(3), (p: PublishDiagnosticsParams) => p.diagnostics.some((d) => d.code === 'RNG009'));
      assert.deepEqual(seeded.diagnostics.map((d) => [d.code, d.range.start.line]), [['RNG009', 1]]);
      // Delete the seed line from cell 1: the draw in cell 3 is now unseeded.
      await client.connection.sendNotification('notebookDocument/didChange', {
        notebookDocument: { uri: nbUri, version: 2 },
        change: { cells: { textContent: [{ document: { uri: cell(1), version: 2 }, changes: [{ range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }, text: '' }] }] } },
      });
      const unseeded = await client.waitForDiagnostics(cell(3), (p: PublishDiagnosticsParams) => p.diagnostics.some((d) => d.code === 'RNG004'));
      const d = unseeded.diagnostics.find((x) => x.code === 'RNG004')!;
      assert.deepEqual(d.range.start, { line: 0, character: 10 });
      assert.match(String(d.message), /^torch\.randn draws from PyTorch's global RNG, which nothing in this file seeds/);
      const first = client.latest.get(cell(1));
      assert.deepEqual(first?.diagnostics.filter((x) => String(x.code).startsWith('RNG')) ?? [], []);
    } finally {
      await client.stop();
    }
  });
});
