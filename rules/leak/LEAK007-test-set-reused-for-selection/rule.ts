import type { EstimatorObject } from '../../../server/src/engine/dataflow/graph';
import { nodeRange } from '../../../server/src/engine/lint';
import { defineRule } from '../../../server/src/engine/rule';
import { LEAK_REQUIRES, dataflowOf, evalsOnTest, isRealSplit, line, splitText, viaText } from '../shared';

export default defineRule({
  target: 'python',
  requires: LEAK_REQUIRES,
  meta: {
    id: 'LEAK007',
    name: 'test-set-reused-for-selection',
    family: 'LEAK',
    severity: 'warning',
    practice: 'P5',
    languages: ['python'],
    summary: 'The same test split scores several models or hyperparameter settings (multi-test leakage) and no validation split exists',
    provenance: ['Yang et al., "Data Leakage in Notebooks: Static Detection and Better Processes" (ASE 2022): multi-test leakage'],
    fix: 'none',
    docs: {
      what:
        "Finds a test split (the test part of `train_test_split` or of a splitter's `split`) that scores models (a `sklearn.metrics` function over their predictions, `model.score`, `RocCurveDisplay.from_estimator`, ...) in a way that compares them: models fitted inside a loop (over hyperparameter values or a list of models) that is scored in the loop while the split was made outside it, or two or more different model objects scored on the same test part. Not reported when the training part is split again (a validation split exists).",
      why:
        'Each look at the test score while choosing between models or settings fits the choice to the test rows. The best of several candidates on one test set is optimistic (the winner is partly the luckiest), and after the choice no untouched data is left to measure the final model. Choose on a validation split or by cross-validation on the training part (`GridSearchCV`), and score only the final model on the test part, once.',
      example:
        'from sklearn.model_selection import train_test_split\nfrom sklearn.svm import SVC\n\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\nfor C in [0.1, 1, 10]:\n    model = SVC(C=C).fit(X_train, y_train)\n    print(C, model.score(X_test, y_test))\n',
      useInstead:
        'from sklearn.model_selection import GridSearchCV, train_test_split\nfrom sklearn.svm import SVC\n\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\nsearch = GridSearchCV(SVC(), {"C": [0.1, 1, 10]}).fit(X_train, y_train)\nprint(search.best_params_, search.score(X_test, y_test))\n',
      references: ['https://scikit-learn.org/stable/modules/cross_validation.html', 'https://doi.org/10.1145/3551349.3556918'],
    },
  },
  check(ctx) {
    const g = dataflowOf(ctx.module);
    const reported = new Set<string>();
    // X and y sliced apart by hand are two splits with the same evaluations: one finding.
    const covered = new Set<unknown>();
    for (const [split, evals] of evalsOnTest(g)) {
      if (evals.some((e) => covered.has(e))) continue;
      const validated = g.splits.some((s2) => s2 !== split && s2.inputs.some((i) => i.splitParts().some((p) => p.event === split && p.side === 'train')));
      // A split of a training part is a validation split: scoring candidates on it is what it is for.
      const isValidation = split.inputs.some((i) => i.splitParts().some((p) => p.side === 'train' && isRealSplit(p.event)));
      if (validated || isValidation || split.validation) continue;
      const where = splitText(split);
      let done = false;
      // Models fitted and scored in a loop the split is outside of.
      for (const e of evals) {
        for (const loop of e.loops) {
          // A split made in the loop, or in its header (`for tr, te in kf.split(X)`): a new test part each time.
          const inside = (n: { startIndex: number; endIndex: number }) => n.startIndex >= loop.startIndex && n.endIndex <= loop.endIndex;
          if (split.loops.includes(loop) || [split.node, ...split.via].some(inside)) continue;
          const inLoop = e.models.filter((m) => m.fits.some((f) => f.loops.includes(loop)));
          if (!inLoop.length) continue;
          const k = `${(e.via[0] ?? e.node).startIndex}`;
          if (reported.has(k)) continue;
          reported.add(k);
          const fit = inLoop[0].fits.find((f) => f.loops.includes(loop))!;
          ctx.reportNode(
            e.via[0] ?? e.node,
            `${e.what}${viaText(e.via)} scores ${inLoop[0].cls} fitted in the loop at line ${line(loop)} (at line ${line(fit.node)}) on the test part of ${where}, once per iteration: comparing settings or models on the test rows tunes the choice to them and the best score is optimistic (multi-test leakage); choose on a validation split or by cross-validation on the training part, and score the final model on the test part once`,
            {
              related: [
                { range: nodeRange(split.node), message: 'the split whose test part is scored on every iteration' },
                { range: nodeRange(fit.node), message: 'a model fitted on every iteration' },
              ],
            },
          );
          done = true;
          for (const x of evals) covered.add(x);
          break;
        }
        if (done) break;
      }
      if (done) continue;
      // Several model objects scored on the same test part.
      const first = new Map<EstimatorObject, (typeof evals)[number]>();
      for (const e of evals) for (const m of e.models) if (!first.has(m)) first.set(m, e);
      const models = [...first.entries()];
      if (models.length < 2) continue;
      const [[m1, e1], [m2, e2]] = models;
      const k = `${(e2.via[0] ?? e2.node).startIndex}`;
      if (reported.has(k)) continue;
      reported.add(k);
      for (const x of evals) covered.add(x);
      const more = models.length > 2 ? ` (and ${models.length - 2} more)` : '';
      ctx.reportNode(
        e2.via[0] ?? e2.node,
        `${e2.what}${viaText(e2.via)} scores ${m2.cls} on the test part of ${where}, which already scored ${m1.cls} at line ${line(e1.via[0] ?? e1.node)}${more}: comparing models on the test rows with no validation split tunes the choice to them and the best score is optimistic (multi-test leakage); compare on a validation split or by cross-validation on the training part, and score the chosen model on the test part once`,
        {
          related: [
            { range: nodeRange(e1.via[0] ?? e1.node), message: `${m1.cls} scored on the same test part` },
            { range: nodeRange(split.node), message: 'the split whose test part is reused' },
          ],
        },
      );
    }
  },
});
