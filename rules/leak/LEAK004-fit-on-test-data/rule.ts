import type { FitEvent, SplitEvent } from '../../../server/src/engine/dataflow/graph';
import { nodeRange } from '../../../server/src/engine/lint';
import { defineRule } from '../../../server/src/engine/rule';
import { LEAK_REQUIRES, dataflowOf, line, mergeStatistics, short, splitText, viaText } from '../shared';

function effect(f: FitEvent): string {
  switch (f.category) {
    case 'model':
    case 'pipeline':
    case 'unknown':
      return 'the model learns the rows it is scored on, so the test score is optimistic; fit on the training part only';
    case 'search':
      return 'the hyperparameters are chosen on the test rows, so the test score of the chosen model is optimistic; search on the training part and score the chosen model once on the test part';
    case 'sampler':
      return 'the test set then holds resampled rows instead of the real distribution; resample the training part only';
    case 'selector':
      return 'the test rows and labels take part in the choice of features; select on the training part and only transform the test part';
    default:
      return 'the test rows shape the preprocessing (and the test part is transformed differently from the training part); fit on the training part and only transform the test part';
  }
}

export default defineRule({
  target: 'python',
  requires: LEAK_REQUIRES,
  meta: {
    id: 'LEAK004',
    name: 'fit-on-test-data',
    family: 'LEAK',
    severity: 'error',
    practice: 'P5',
    languages: ['python'],
    summary: 'A model, preprocessing step, sampler or hyperparameter search is fitted on data derived from the test part of a split',
    provenance: ['Yang et al., "Data Leakage in Notebooks: Static Detection and Better Processes" (ASE 2022)'],
    fix: 'none',
    docs: {
      what:
        "Finds `fit`, `fit_transform`, `fit_resample`, `fit_predict` and `partial_fit` calls (of models, preprocessing, samplers, feature selectors and `GridSearchCV`/`RandomizedSearchCV`, or of any object whose `fit` is called) and hand-written statistics whose data holds the test part of a train/test split (from `train_test_split` or a splitter's `split`), followed by the dataflow analysis (`X_test`, `X_test[cols]`, `pd.concat([X_train, X_test])`, through helpers and notebook cells). The split must be used as one: something is also fitted on its training part. Data that holds both parts is reported only when the fitted object is then applied to or scored on the test part.",
      why:
        'The test part stands for data the model has never seen. Fitting anything on it (the model, a scaler, a sampler, a hyperparameter search) lets the test rows shape what is being tested, so the test score is optimistic; `scaler.fit_transform(X_test)` also scales the test part differently from the training part.',
      example:
        'from sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import StandardScaler\n\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\nscaler = StandardScaler()\nX_train = scaler.fit_transform(X_train)\nX_test = scaler.fit_transform(X_test)\nmodel = LogisticRegression().fit(X_train, y_train)\nprint(model.score(X_test, y_test))\n',
      useInstead:
        'from sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import StandardScaler\n\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\nscaler = StandardScaler()\nX_train = scaler.fit_transform(X_train)\nX_test = scaler.transform(X_test)\nmodel = LogisticRegression().fit(X_train, y_train)\nprint(model.score(X_test, y_test))\n',
      references: ['https://scikit-learn.org/stable/common_pitfalls.html#data-leakage', 'https://doi.org/10.1145/3551349.3556918'],
    },
  },
  check(ctx) {
    const g = dataflowOf(ctx.module);
    const trainFitted = (s: SplitEvent, except: FitEvent | undefined) =>
      g.fits.some((f) => f !== except && f.inputs.length && f.inputs[0].splitParts().some((p) => p.event === s && p.side === 'train') && !f.inputs[0].testParts().some((p) => p.event === s));
    // A split's second part is a test part when something is scored on it or its name says so
    // (`X_train_a, X_train_b = train_test_split(X_train)` makes two training sets).
    const TEST_NAME = /test|_te$|^te_|_te_|val|hold|eval/i;
    const isTestPart = (s: SplitEvent) =>
      s.parts.some((p) => p.split?.side === 'test' && p.boundName && TEST_NAME.test(p.boundName)) ||
      g.evals.some((e) => e.inputs.some((i) => i.testParts().some((p) => p.event === s)));
    const seen = new Set<string>();
    for (const f of mergeStatistics([...g.fits])) {
      const k = `${f.node.startIndex}:${f.node.endIndex}`;
      if (seen.has(k)) continue;
      for (const input of f.inputs) {
        const test = input.testParts().find((p) => trainFitted(p.event, f) && isTestPart(p.event));
        if (!test) continue;
        const s = test.event;
        const both = input.splitParts().some((p) => p.event === s && p.side === 'train');
        if (both) {
          // Train and test together (a final refit, or a scaler fitted on everything): a leak only when the fitted object is then used on the test part.
          const est = f.estimator;
          const usedOnTest =
            !!est &&
            (g.applies.some((a) => a.estimator === est && a.order > f.order && a.input.testParts().some((p) => p.event === s)) ||
              g.evals.some((e) => e.order > f.order && e.models.includes(est) && e.inputs.some((i) => i.testParts().some((p) => p.event === s))));
          if (!usedOnTest) continue;
        }
        seen.add(k);
        const where = splitText(s, Math.max(0, s.inputs.indexOf(test.value.parents[0] ?? test.value)));
        const holds = both ? 'which holds both parts' : 'which holds the test part';
        const verb = f.category === 'statistic' ? 'computed over' : f.category === 'search' ? 'tunes hyperparameters on' : f.category === 'sampler' ? 'oversampling' : 'fitted on';
        ctx.reportNode(
          f.node,
          `${f.category === 'statistic' ? `the ${f.what}` : f.what} ${verb} ${f.inputLabel || 'data'}${viaText(f.via)}, ${holds} of ${where}: ${effect(f)}`,
          { related: [{ range: nodeRange(s.node), message: `the split whose test part reaches the ${f.what} at line ${line(f.node)}` }] },
        );
        break;
      }
      // Early stopping or best-iteration choice watching the test part.
      const mon = f.monitored;
      // A validation split (a split of a training part) is what early stopping should watch.
      const isValidationSplit = (s: SplitEvent) => s.inputs.some((i) => i.splitParts().some((p) => p.side === 'train'));
      const watched = mon?.value.testParts().find((p) => !isValidationSplit(p.event) && trainFitted(p.event, undefined) && isTestPart(p.event));
      if (mon && watched && !seen.has(k)) {
        seen.add(k);
        const s = watched.event;
        ctx.reportNode(
          mon.node,
          `${f.what} watches ${short(mon.node.text, 40)}${viaText(f.via)} while fitting, the test part of ${splitText(s)}: early stopping or the best iteration is chosen on the test rows, so the test score is optimistic; watch a validation split cut from the training part`,
          { related: [{ range: nodeRange(s.node), message: 'the split whose test part is watched during fitting' }, { range: nodeRange(f.node), message: `the ${f.what} fit` }] },
        );
      }
    }
  },
});
