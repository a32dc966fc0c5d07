/** Leakage across notebook cells: the cells run in order as one program, findings land in their cells. */
import { strict as assert } from 'node:assert';
import { LEAK_RULES } from '../../rules/leak';
import { Linter } from '../../server/src/engine/lint';

function ipynb(cells: Array<{ type: 'code' | 'markdown'; source: string }>): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', language: 'python', display_name: 'Python 3' }, language_info: { name: 'python' } },
    cells: cells.map((c) => ({ cell_type: c.type, metadata: {}, source: c.source, ...(c.type === 'code' ? { outputs: [], execution_count: null } : {}) })),
  });
}

const LEAKY = ipynb([
  { type: 'markdown', source: '# Churn model' },
  { type: 'code', source: 'import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\nfrom sklearn.model_selection import train_test_split\nfrom sklearn.linear_model import LogisticRegression\n' },
  { type: 'code', source: '%matplotlib inline\ndf = pd.read_csv("churn.csv")\nX = df.drop(columns=["churned"])\ny = df["churned"]\n' },
  { type: 'code', source: 'scaler = StandardScaler()\nX = scaler.fit_transform(X)\n' },
  { type: 'markdown', source: 'Now split and train.' },
  { type: 'code', source: 'X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\nclf = LogisticRegression().fit(X_train, y_train)\n' },
  { type: 'code', source: 'clf.fit(X_test, y_test)\nclf.score(X_test, y_test)\n' },
]);

const CLEAN = ipynb([
  { type: 'code', source: 'import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\nfrom sklearn.model_selection import train_test_split\nfrom sklearn.linear_model import LogisticRegression\n' },
  { type: 'code', source: 'df = pd.read_csv("churn.csv")\nX = df.drop(columns=["churned"])\ny = df["churned"]\n' },
  { type: 'code', source: 'X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n' },
  { type: 'code', source: 'scaler = StandardScaler()\nX_train = scaler.fit_transform(X_train)\nX_test = scaler.transform(X_test)\n' },
  { type: 'code', source: 'clf = LogisticRegression().fit(X_train, y_train)\nprint(clf.score(X_test, y_test))\n' },
]);

describe('leakage in notebooks', () => {
  const linter = new Linter({ rules: LEAK_RULES });

  it('a scaler fitted in one cell and split in a later cell is found, in its cell, pointing at the split', async () => {
    const findings = await linter.lintNotebookText('/nb/churn.ipynb', LEAKY);
    const leak1 = findings.filter((f) => f.rule === 'LEAK001');
    assert.equal(leak1.length, 1, JSON.stringify(findings, null, 1));
    const f = leak1[0];
    assert.equal(f.cell?.index, 3);
    assert.equal(f.range.start.line, 1);
    // Lines in the message are the user's: cell and line within it, not lines of the joined program.
    assert.match(f.message, /StandardScaler fitted on X at cell 4, line 2, before X is split into train and test at cell 6, line 1 /);
    assert.equal(f.related?.length, 1);
    // The related location is the split, mapped into its cell (index 5, shown as cell 6).
    assert.equal(f.related![0].range.start.line, 0);
    assert.match(f.related![0].message, /\(cell 6\)$/);
    // The fix edits land in the right cells: the fit's cell and the split's cell.
    const cells = new Set(f.fixes?.[0]?.edits.map((e) => e.cell));
    assert.deepEqual([...cells].sort(), [3, 5]);
  });

  it('fitting on the test part in a later cell is found there', async () => {
    const findings = await linter.lintNotebookText('/nb/churn.ipynb', LEAKY);
    const leak4 = findings.filter((f) => f.rule === 'LEAK004');
    assert.deepEqual(leak4.map((f) => [f.cell?.index, f.range.start.line]), [[6, 0]]);
  });

  it('the clean notebook (split first, fit on the training part) has no LEAK finding', async () => {
    const findings = await linter.lintNotebookText('/nb/clean.ipynb', CLEAN);
    assert.deepEqual(findings.filter((f) => f.rule.startsWith('LEAK')).map((f) => f.message), []);
  });
});
