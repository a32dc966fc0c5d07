import type { FitCategory } from '../../../server/src/engine/dataflow/graph';
import { defineRule } from '../../../server/src/engine/rule';
import { LEAK_REQUIRES, reportFitsBeforeSplit, resampleAfterSplitFix } from '../shared';

const CATEGORIES: ReadonlySet<FitCategory> = new Set(['sampler']);

export default defineRule({
  target: 'python',
  requires: LEAK_REQUIRES,
  meta: {
    id: 'LEAK002',
    name: 'oversampling-before-split',
    family: 'LEAK',
    severity: 'warning',
    practice: 'P5',
    languages: ['python'],
    summary: 'Rows are oversampled (SMOTE, RandomOverSampler, resample with replacement) before the data is split into train and test',
    provenance: ['Yang et al., "Data Leakage in Notebooks: Static Detection and Better Processes" (ASE 2022): overlap leakage'],
    fix: 'unsafe',
    docs: {
      what:
        "Finds imbalanced-learn over-samplers and combined samplers (`SMOTE`, `ADASYN`, `RandomOverSampler`, `BorderlineSMOTE`, `SVMSMOTE`, `KMeansSMOTE`, `SMOTENC`, `SMOTEN`, `SMOTEENN`, `SMOTETomek`) and `sklearn.utils.resample` with replacement whose output is split into train and test afterwards (followed by the dataflow analysis, through helpers and notebook cells).",
      why:
        'Oversampling copies rows or interpolates new rows between neighbours. Done before the split, copies of a row (or synthetic rows made from it) land on both sides: the model is tested on rows it has already seen, and the score is optimistic. Split first and resample the training part only, or use `imblearn.pipeline.Pipeline` so that cross-validation resamples each training fold.',
      example:
        'from imblearn.over_sampling import SMOTE\nfrom sklearn.ensemble import RandomForestClassifier\nfrom sklearn.model_selection import train_test_split\n\nX_res, y_res = SMOTE(random_state=0).fit_resample(X, y)\nX_train, X_test, y_train, y_test = train_test_split(X_res, y_res, random_state=0)\nclf = RandomForestClassifier(random_state=0).fit(X_train, y_train)\nprint(clf.score(X_test, y_test))\n',
      useInstead:
        'from imblearn.over_sampling import SMOTE\nfrom sklearn.ensemble import RandomForestClassifier\nfrom sklearn.model_selection import train_test_split\n\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\nX_train, y_train = SMOTE(random_state=0).fit_resample(X_train, y_train)\nclf = RandomForestClassifier(random_state=0).fit(X_train, y_train)\nprint(clf.score(X_test, y_test))\n',
      references: ['https://imbalanced-learn.org/stable/common_pitfalls.html#data-leakage', 'https://doi.org/10.1145/3551349.3556918'],
    },
  },
  check(ctx) {
    reportFitsBeforeSplit(
      ctx,
      CATEGORIES,
      () => 'copies of rows (or synthetic rows made from them) land in both the training and the test part, so the test score is optimistic',
      'split first and resample the training part only',
      resampleAfterSplitFix,
    );
  },
});
