/**
 * The dataflow layer (server/src/engine/dataflow) on the real tree-sitter parse: def-use
 * through assignments, tuple unpacking, attributes, subscripts, method chains, pandas/NumPy
 * derivations, this file's functions; splits and their sides; fits and what they reach.
 * Also applies the LEAK rules' unsafe fixes (the fixture test applies only safe ones)
 * and checks that the fixed code no longer has the finding.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { LEAK_RULES } from '../../rules/leak';
import type { DataflowGraph, Value } from '../../server/src/engine/dataflow/graph';
import { dataflowOf } from '../../server/src/engine/dataflow/python';
import { Linter } from '../../server/src/engine/lint';
import { grammarParser } from '../../server/src/engine/parser';
import { PythonModule } from '../../server/src/engine/python/module';
import { applyEdits } from '../helpers/edits';

async function graphOf(source: string): Promise<{ g: DataflowGraph; m: PythonModule }> {
  const m = PythonModule.parse(await grammarParser('python'), source);
  return { g: dataflowOf(m), m };
}

/** The value of the last use of a name (an identifier read somewhere in the source). */
function valueOfLast(g: DataflowGraph, m: PythonModule, name: string): Value {
  const ids = m.descendantsOfType('identifier').filter((n) => n.text === name);
  for (let i = ids.length - 1; i >= 0; i--) {
    const v = g.valueAt(ids[i]);
    if (v) return v;
  }
  throw new Error(`no value for ${name}`);
}

const line = (n: Node) => n.startPosition.row + 1;
const sides = (v: Value) => v.splitParts().map((p) => p.side).sort();

describe('dataflow', () => {
  it('tuple unpacking of train_test_split gives each part its side; reassignment breaks the flow', async () => {
    const { g, m } = await graphOf(
      [
        'from sklearn.model_selection import train_test_split',
        'X, y = load()',
        'X_train, X_test, y_train, y_test = train_test_split(X, y)',
        'a = X_test',
        'X = X_train',
        'use(a, X)',
      ].join('\n'),
    );
    assert.equal(g.splits.length, 1);
    assert.deepEqual(g.splits[0].inputLabels, ['X', 'y']);
    assert.deepEqual(sides(valueOfLast(g, m, 'a')), ['test']);
    assert.deepEqual(sides(valueOfLast(g, m, 'X')), ['train']);
    assert.deepEqual(sides(valueOfLast(g, m, 'y_test')), ['test']);
    assert.equal(valueOfLast(g, m, 'X_test').boundName, 'X_test');
  });

  it('pandas/NumPy derivations keep the lineage: drop, column selection, concat, .values, arithmetic, fillna', async () => {
    const { g, m } = await graphOf(
      [
        'import numpy as np',
        'import pandas as pd',
        'df = pd.read_csv("d.csv")',
        'other = pd.read_csv("e.csv")',
        'X = df.drop(columns=["y"])',
        'A = pd.concat([X[["a", "b"]], other], axis=1).values',
        'B = np.log1p(A) * 2 + 1',
        'C = B.fillna(0)',
        'unrelated = pd.read_csv("f.csv")',
        'use(C, unrelated)',
      ].join('\n'),
    );
    const c = valueOfLast(g, m, 'C');
    const roots = [...c.roots()].map((r) => line(r.node)).sort();
    assert.deepEqual(roots, [3, 4]);
    assert.ok(c.sharesRowsWith(valueOfLast(g, m, 'df')));
    assert.ok(!c.sharesRowsWith(valueOfLast(g, m, 'unrelated')));
    assert.deepEqual(
      g.columns.map((u) => u.name),
      ['y', 'a', 'b'],
    );
  });

  it('method chains and estimator objects: fit returns the estimator, transform carries its fits', async () => {
    const { g, m } = await graphOf(
      [
        'from sklearn.preprocessing import StandardScaler',
        'X = load()',
        'Z = StandardScaler().fit(X).transform(X)',
        'scaler = StandardScaler()',
        'scaler.fit(X)',
        'W = scaler.transform(X)',
        'V = scaler.fit_transform(X)',
      ].join('\n'),
    );
    assert.deepEqual(g.fits.map((f) => [f.what, f.method, line(f.node)]), [
      ['StandardScaler', 'fit', 3],
      ['StandardScaler', 'fit', 5],
      ['StandardScaler', 'fit_transform', 7],
    ]);
    assert.deepEqual(valueOfLast(g, m, 'Z').fitsReaching().map((f) => line(f.node)), [3]);
    assert.deepEqual(valueOfLast(g, m, 'W').fitsReaching().map((f) => line(f.node)), [5]);
    assert.deepEqual(valueOfLast(g, m, 'V').fitsReaching().map((f) => line(f.node)), [7]);
    assert.deepEqual(g.applies.map((a) => [a.method, line(a.node)]), [['transform', 3], ['transform', 6]]);
  });

  it('subscript and attribute assignment: df[cols] = fit_transform(...) updates df; self.x holds values', async () => {
    const { g, m } = await graphOf(
      [
        'from sklearn.impute import SimpleImputer',
        'df = load()',
        'df[["a"]] = SimpleImputer().fit_transform(df[["a"]])',
        'X = df.drop(columns=["y"])',
        'class P:',
        '    def run(self, data):',
        '        self.out = data.fillna(0)',
        '        return self.out',
      ].join('\n'),
    );
    assert.deepEqual(valueOfLast(g, m, 'X').fitsReaching().map((f) => f.what), ['SimpleImputer']);
    const out = m.descendantsOfType('attribute').filter((n) => n.text === 'self.out');
    assert.ok(g.valueAt(out[out.length - 1]!)?.lineage().has(valueOfLast(g, m, 'data')));
  });

  it("calls of this file's functions are walked with the caller's values (summaries), functions never called on their own", async () => {
    const { g, m } = await graphOf(
      [
        'from sklearn.preprocessing import StandardScaler',
        'from sklearn.model_selection import train_test_split',
        'def scale(frame):',
        '    return StandardScaler().fit_transform(frame)',
        'def split(a, b):',
        '    return train_test_split(a, b, test_size=0.2)',
        'def never(data):',
        '    return StandardScaler().fit_transform(data)',
        'X, y = load()',
        'Xs = scale(X)',
        'X_train, X_test, y_train, y_test = split(Xs, y)',
      ].join('\n'),
    );
    const fitInScale = g.fits.find((f) => f.via.length);
    assert.ok(fitInScale, 'the fit inside scale() runs at the call');
    assert.equal(line(fitInScale.via[0]), 10);
    assert.ok(fitInScale.inputs[0].lineage().has(valueOfLast(g, m, 'X')));
    assert.deepEqual(sides(valueOfLast(g, m, 'X_test')), ['test']);
    assert.deepEqual(valueOfLast(g, m, 'X_test').fitsReaching().map((f) => line(f.node)), [4]);
    // never() is walked on its own, with an unknown parameter.
    assert.ok(g.fits.some((f) => line(f.node) === 8 && !f.via.length));
  });

  it('hand-written statistics are fits over the data they reduce', async () => {
    const { g } = await graphOf(
      ['import numpy as np', 'X = load()', 'Xn = (X - X.mean()) / X.std()', 'F = X.fillna(X.median())', 'print(X.mean())', 'r = np.sum(a == b) / a.shape[0]'].join('\n'),
    );
    assert.deepEqual(g.fits.map((f) => [f.category, f.what, line(f.node)]), [
      ['statistic', 'mean', 3],
      ['statistic', 'std', 3],
      ['statistic', 'median', 4],
    ]);
  });

  it('splitter loops and manual slicing make splits with sides', async () => {
    const { g, m } = await graphOf(
      [
        'from sklearn.model_selection import KFold',
        'X, y = load()',
        'for tr, te in KFold(n_splits=5, shuffle=True).split(X):',
        '    a = X[te]',
        'n = len(X)',
        'X_train, X_test = X[: n // 2], X[n // 2 :]',
        'cols = ["a", "b"]',
        'X_train2, X_test2 = X_train[cols], X_test[cols]',
        'mask_train = y > 0',
        'A_train, A_test = X[mask_train], X[~mask_train]',
      ].join('\n'),
    );
    // Column selection of split parts (`X_train[cols]`) is not a new split; masks are.
    assert.deepEqual(g.splits.map((s) => [s.splitter, s.shuffled]), [['KFold.split', true], ['by hand', false], ['by hand', false]]);
    assert.deepEqual(sides(valueOfLast(g, m, 'A_test')), ['test']);
    assert.deepEqual(sides(valueOfLast(g, m, 'X_test2')), ['test']);
    assert.deepEqual(sides(valueOfLast(g, m, 'a')), ['test']);
    assert.deepEqual(sides(valueOfLast(g, m, 'X_test')), ['test']);
    assert.deepEqual(sides(valueOfLast(g, m, 'X_train')), ['train']);
  });

  it('time-order evidence: parse_dates, to_datetime, sort_values by a date, lag features', async () => {
    const { g, m } = await graphOf(
      [
        'import pandas as pd',
        'a = pd.read_csv("a.csv", parse_dates=["when"])',
        'b = pd.read_csv("b.csv")',
        'b = b.sort_values("date")',
        'c = pd.read_csv("c.csv")',
        'c["lag"] = c["v"].shift(1)',
        'd = pd.read_csv("d.csv").sort_values("price")',
        'use(a, b, c, d)',
      ].join('\n'),
    );
    assert.equal(valueOfLast(g, m, 'a').timeEvidence()?.why, 'dates parsed on reading');
    assert.equal(valueOfLast(g, m, 'b').timeEvidence()?.why, "sorted by 'date'");
    assert.equal(valueOfLast(g, m, 'c').timeEvidence()?.why, '.shift() over time');
    assert.equal(valueOfLast(g, m, 'd').timeEvidence(), undefined);
  });

  it('evaluations know the models whose predictions they score', async () => {
    const { g } = await graphOf(
      [
        'from sklearn.linear_model import LogisticRegression',
        'from sklearn.metrics import accuracy_score',
        'from sklearn.model_selection import train_test_split',
        'X, y = load()',
        'X_train, X_test, y_train, y_test = train_test_split(X, y)',
        'm = LogisticRegression().fit(X_train, y_train)',
        'print(f"{accuracy_score(y_test, m.predict(X_test)):.2f}", m.score(X_test, y_test))',
      ].join('\n'),
    );
    assert.deepEqual(g.evals.map((e) => [e.what, e.models.map((x) => x.cls)]), [
      ['accuracy_score', ['LogisticRegression']],
      ['LogisticRegression.score', ['LogisticRegression']],
    ]);
  });
});

describe('LEAK fixes', () => {
  const linter = new Linter({ rules: LEAK_RULES });
  const cases: Array<{ rule: string; source: string; expect: RegExp }> = [
    {
      rule: 'LEAK001',
      source: fs.readFileSync(path.join(__dirname, '../../rules/leak/LEAK001-preprocessing-before-split/fixtures/invalid.py'), 'utf8'),
      expect: /train_test_split\(X, y, test_size=0\.2, random_state=0\)\nX_train = scaler\.fit_transform\(X_train\)\nX_test = scaler\.transform\(X_test\)\n/,
    },
    {
      rule: 'LEAK002',
      source: fs.readFileSync(path.join(__dirname, '../../rules/leak/LEAK002-oversampling-before-split/fixtures/invalid.py'), 'utf8'),
      expect: /train_test_split\(X, y, random_state=0\)\nX_train, y_train = SMOTE\(random_state=0\)\.fit_resample\(X_train, y_train\)\n/,
    },
    {
      rule: 'LEAK003',
      source: fs.readFileSync(path.join(__dirname, '../../rules/leak/LEAK003-feature-selection-before-split/fixtures/invalid.py'), 'utf8'),
      expect: /X_train = selector\.fit_transform\(X_train, y_train\)\nX_test = selector\.transform\(X_test\)/,
    },
    {
      rule: 'LEAK005',
      source: fs.readFileSync(path.join(__dirname, '../../rules/leak/LEAK005-preprocessing-outside-cv-pipeline/fixtures/invalid.py'), 'utf8'),
      expect: /from sklearn\.pipeline import make_pipeline\n[\s\S]*cross_val_score\(make_pipeline\(StandardScaler\(\), LogisticRegression\(\)\), X, y, cv=5\)/,
    },
    {
      rule: 'LEAK006',
      source: fs.readFileSync(path.join(__dirname, '../../rules/leak/LEAK006-shuffled-split-of-time-series/fixtures/invalid.py'), 'utf8'),
      expect: /train_test_split\(X, y, random_state=0, shuffle=False\)/,
    },
  ];
  for (const c of cases) {
    it(`${c.rule}: the first fix applies and the fixed code has no finding there`, async () => {
      const file = path.join(__dirname, 'fix.py');
      const before = (await linter.lintPythonAsync(file, c.source)).findings.filter((f) => f.rule === c.rule && f.fixes?.length);
      assert.ok(before.length, `no ${c.rule} finding with a fix`);
      const fix = before[0].fixes![0];
      assert.equal(fix.safety, 'unsafe');
      const fixed = applyEdits(c.source, fix.edits);
      assert.match(fixed, c.expect);
      const after = (await linter.lintPythonAsync(file, fixed)).findings.filter((f) => f.rule === c.rule);
      assert.equal(after.length, (await linter.lintPythonAsync(file, c.source)).findings.filter((f) => f.rule === c.rule).length - 1, after.map((f) => f.message).join('\n'));
      assert.ok(!(await linter.lintPythonAsync(file, fixed)).findings.some((f) => f.rule === 'MLH003'), 'the fix leaves a syntax error');
    });
  }
});
