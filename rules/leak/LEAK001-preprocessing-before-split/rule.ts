import type { FitCategory } from '../../../server/src/engine/dataflow/graph';
import { defineRule } from '../../../server/src/engine/rule';
import { LEAK_REQUIRES, LEARNS, moveFitAfterSplitFix, reportFitsBeforeSplit } from '../shared';

const CATEGORIES: ReadonlySet<FitCategory> = new Set(['scaler', 'imputer', 'encoder', 'decomposition', 'vectorizer', 'statistic']);

export default defineRule({
  target: 'python',
  requires: LEAK_REQUIRES,
  meta: {
    id: 'LEAK001',
    name: 'preprocessing-before-split',
    family: 'LEAK',
    severity: 'warning',
    practice: 'P5',
    languages: ['python'],
    summary: 'A scaler, imputer, encoder, decomposition, vectorizer or hand-written statistic is fitted on data that is split into train and test afterwards',
    provenance: ['Yang et al., "Data Leakage in Notebooks: Static Detection and Better Processes" (ASE 2022): preprocessing leakage', 'leakage-analysis (malusamayo/leakage-analysis)'],
    fix: 'unsafe',
    docs: {
      what:
        "Finds preprocessing that learns from the rows (`StandardScaler`, `MinMaxScaler`, `RobustScaler`, `QuantileTransformer`, `PowerTransformer`, `KBinsDiscretizer`, `SimpleImputer`, `IterativeImputer`, `KNNImputer`, `OneHotEncoder`, `OrdinalEncoder`, `TargetEncoder`, `category_encoders`, `PCA` and the other decompositions, `CountVectorizer`, `TfidfVectorizer`, `TfidfTransformer`, `sklearn.preprocessing.scale` and its siblings, and hand-written statistics such as `(X - X.mean()) / X.std()` or `df.fillna(df.mean())`) fitted on data that is split into train and test afterwards, when the fitted state reaches the split: the split data was produced by the fit, or the fitted estimator is applied to the split's parts. The flow is followed by the engine's dataflow analysis through assignments, tuple unpacking, attributes, subscripts, method chains, pandas/NumPy operations (`drop`, column selection, `concat`, `.values`, arithmetic, `fillna`), this file's functions and a notebook's cells in order. `LabelEncoder` on the target is not reported (it only names the classes). A split counts when a model is fitted on its train part or something is evaluated on its test part.",
      why:
        "The statistics the preprocessing learns (means, variances, categories, vocabulary, components, imputed values) are computed with the test rows, so information from the test set reaches training: the test score is optimistic and no longer measures performance on unseen data. Split first, fit the preprocessing on the training part only and transform the other parts with it (or put it in a `Pipeline` with the model).",
      example:
        'from sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import StandardScaler\n\nscaler = StandardScaler()\nX_scaled = scaler.fit_transform(X)\nX_train, X_test, y_train, y_test = train_test_split(X_scaled, y, random_state=0)\nmodel = LogisticRegression().fit(X_train, y_train)\nprint(model.score(X_test, y_test))\n',
      useInstead:
        'from sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import StandardScaler\n\nscaler = StandardScaler()\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\nX_train = scaler.fit_transform(X_train)\nX_test = scaler.transform(X_test)\nmodel = LogisticRegression().fit(X_train, y_train)\nprint(model.score(X_test, y_test))\n',
      references: ['https://scikit-learn.org/stable/common_pitfalls.html#data-leakage', 'https://doi.org/10.1145/3551349.3556918'],
    },
  },
  check(ctx) {
    reportFitsBeforeSplit(
      ctx,
      CATEGORIES,
      (hit) => `the test rows shape the ${LEARNS[hit.fit.category]}, so the test score is optimistic`,
      'split first, fit on the training part and transform the others',
      moveFitAfterSplitFix,
    );
  },
});
