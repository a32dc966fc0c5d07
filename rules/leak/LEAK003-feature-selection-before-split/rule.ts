import type { FitCategory } from '../../../server/src/engine/dataflow/graph';
import { defineRule } from '../../../server/src/engine/rule';
import { LEAK_REQUIRES, moveFitAfterSplitFix, reportFitsBeforeSplit } from '../shared';

const CATEGORIES: ReadonlySet<FitCategory> = new Set(['selector']);

export default defineRule({
  target: 'python',
  requires: LEAK_REQUIRES,
  meta: {
    id: 'LEAK003',
    name: 'feature-selection-before-split',
    family: 'LEAK',
    severity: 'warning',
    practice: 'P5',
    languages: ['python'],
    summary: 'Features are selected (SelectKBest, RFE, SelectFromModel, ...) on data that is split into train and test afterwards',
    provenance: ['Yang et al., "Data Leakage in Notebooks: Static Detection and Better Processes" (ASE 2022): preprocessing leakage', 'Hastie, Tibshirani, Friedman, The Elements of Statistical Learning, 7.10.2 "The Wrong and Right Way to Do Cross-validation"'],
    fix: 'unsafe',
    docs: {
      what:
        'Finds feature selectors (`SelectKBest`, `SelectPercentile`, `SelectFpr`, `SelectFdr`, `SelectFwe`, `GenericUnivariateSelect`, `RFE`, `RFECV`, `SelectFromModel`, `SequentialFeatureSelector`, `VarianceThreshold`) fitted on data that is split into train and test afterwards, when the selection reaches the split data (followed by the dataflow analysis).',
      why:
        'A supervised selector picks the features that go with the labels of every row, the test rows included: on the test part the chosen features look better than they are, and with many features and few rows a model can score well on pure noise. Split first and select on the training part only (or put the selector in a `Pipeline`).',
      example:
        'from sklearn.feature_selection import SelectKBest, f_classif\nfrom sklearn.model_selection import train_test_split\nfrom sklearn.svm import SVC\n\nselector = SelectKBest(f_classif, k=10)\nX_sel = selector.fit_transform(X, y)\nX_train, X_test, y_train, y_test = train_test_split(X_sel, y, random_state=0)\nprint(SVC().fit(X_train, y_train).score(X_test, y_test))\n',
      useInstead:
        'from sklearn.feature_selection import SelectKBest, f_classif\nfrom sklearn.model_selection import train_test_split\nfrom sklearn.svm import SVC\n\nselector = SelectKBest(f_classif, k=10)\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\nX_train = selector.fit_transform(X_train, y_train)\nX_test = selector.transform(X_test)\nprint(SVC().fit(X_train, y_train).score(X_test, y_test))\n',
      references: ['https://scikit-learn.org/stable/common_pitfalls.html#data-leakage', 'https://doi.org/10.1145/3551349.3556918'],
    },
  },
  check(ctx) {
    reportFitsBeforeSplit(
      ctx,
      CATEGORIES,
      (hit) => `the test rows${hit.fit.inputs.length > 1 ? ' and their labels' : ''} took part in the choice of features, so the test score is optimistic`,
      'split first, select on the training part and transform the others',
      moveFitAfterSplitFix,
    );
  },
});
