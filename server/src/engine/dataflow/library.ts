/**
 * What the dataflow walker knows about ML libraries, by fully qualified name: which
 * classes are estimators and of what kind, which functions split, cross-validate,
 * evaluate, load or combine data. Language-neutral (names only), so a JavaScript walker
 * could share the estimator table.
 */
import type { FitCategory } from './graph';

const CLASSES: Record<string, FitCategory> = {
  // preprocessing (LabelEncoder/LabelBinarizer only map class labels: not listed; Normalizer
  // and the Binarizer learn nothing)
  StandardScaler: 'scaler',
  MinMaxScaler: 'scaler',
  MaxAbsScaler: 'scaler',
  RobustScaler: 'scaler',
  QuantileTransformer: 'scaler',
  PowerTransformer: 'scaler',
  KBinsDiscretizer: 'scaler',
  SimpleImputer: 'imputer',
  IterativeImputer: 'imputer',
  KNNImputer: 'imputer',
  OneHotEncoder: 'encoder',
  OrdinalEncoder: 'encoder',
  TargetEncoder: 'encoder',
  PCA: 'decomposition',
  IncrementalPCA: 'decomposition',
  KernelPCA: 'decomposition',
  TruncatedSVD: 'decomposition',
  FastICA: 'decomposition',
  NMF: 'decomposition',
  FactorAnalysis: 'decomposition',
  SparsePCA: 'decomposition',
  LatentDirichletAllocation: 'decomposition',
  CountVectorizer: 'vectorizer',
  TfidfVectorizer: 'vectorizer',
  TfidfTransformer: 'vectorizer',
  SelectKBest: 'selector',
  SelectPercentile: 'selector',
  SelectFpr: 'selector',
  SelectFdr: 'selector',
  SelectFwe: 'selector',
  GenericUnivariateSelect: 'selector',
  RFE: 'selector',
  RFECV: 'selector',
  SelectFromModel: 'selector',
  SequentialFeatureSelector: 'selector',
  VarianceThreshold: 'selector',
  Pipeline: 'pipeline',
  ColumnTransformer: 'pipeline',
  FeatureUnion: 'pipeline',
  GridSearchCV: 'search',
  RandomizedSearchCV: 'search',
  HalvingGridSearchCV: 'search',
  HalvingRandomSearchCV: 'search',
};

const FACTORIES: Record<string, FitCategory> = {
  make_pipeline: 'pipeline',
  make_column_transformer: 'pipeline',
  make_union: 'pipeline',
};

/** imbalanced-learn over-samplers and combined samplers (under-sampling only drops rows). */
const SAMPLER_MODULES = ['imblearn.over_sampling.', 'imblearn.combine.'];
const SAMPLERS = new Set(['SMOTE', 'ADASYN', 'RandomOverSampler', 'BorderlineSMOTE', 'SVMSMOTE', 'KMeansSMOTE', 'SMOTENC', 'SMOTEN', 'SMOTEENN', 'SMOTETomek']);

const MODEL_LIBS = ['sklearn.', 'xgboost.', 'lightgbm.', 'catboost.', 'imblearn.'];

const last = (q: string) => q.slice(q.lastIndexOf('.') + 1);

/** The estimator class a constructor call makes, with its category; undefined when it is not one. */
export function estimatorClass(qualname: string | undefined): { cls: string; category: FitCategory } | undefined {
  if (!qualname) return undefined;
  const name = last(qualname);
  if (qualname.startsWith('category_encoders.') && /^[A-Z]/.test(name)) return { cls: name, category: 'encoder' };
  if (SAMPLERS.has(name) && (SAMPLER_MODULES.some((m) => qualname.startsWith(m)) || qualname.startsWith('imblearn.'))) return { cls: name, category: 'sampler' };
  if (!MODEL_LIBS.some((m) => qualname.startsWith(m))) return undefined;
  if (Object.hasOwn(FACTORIES, name)) return { cls: name, category: FACTORIES[name] };
  if (!/^[A-Z]/.test(name)) return undefined;
  if (Object.hasOwn(CLASSES, name)) return { cls: name, category: CLASSES[name] };
  if (qualname.startsWith('sklearn.model_selection.') || qualname.startsWith('sklearn.metrics.') || qualname.startsWith('sklearn.utils.')) return undefined;
  if (/^sklearn\.(preprocessing|feature_extraction|kernel_approximation|random_projection)\./.test(qualname)) return { cls: name, category: 'transformer' };
  return { cls: name, category: 'model' };
}

/** Functions that fit and apply a statistic in one call (`sklearn.preprocessing.scale(X)`). */
const FIT_FUNCTIONS: Record<string, FitCategory> = {
  'sklearn.preprocessing.scale': 'scaler',
  'sklearn.preprocessing.minmax_scale': 'scaler',
  'sklearn.preprocessing.maxabs_scale': 'scaler',
  'sklearn.preprocessing.robust_scale': 'scaler',
  'sklearn.preprocessing.quantile_transform': 'scaler',
  'sklearn.preprocessing.power_transform': 'scaler',
};

export function fitFunction(qualname: string | undefined): FitCategory | undefined {
  return qualname && Object.hasOwn(FIT_FUNCTIONS, qualname) ? FIT_FUNCTIONS[qualname] : undefined;
}

export const TRAIN_TEST_SPLIT = 'sklearn.model_selection.train_test_split';

/** Splitter classes (their `.split(X)` yields train and test indices). */
export const SPLITTERS: Record<string, { shuffled: 'always' | 'keyword' | 'never'; grouped: boolean }> = {
  KFold: { shuffled: 'keyword', grouped: false },
  StratifiedKFold: { shuffled: 'keyword', grouped: false },
  RepeatedKFold: { shuffled: 'always', grouped: false },
  RepeatedStratifiedKFold: { shuffled: 'always', grouped: false },
  ShuffleSplit: { shuffled: 'always', grouped: false },
  StratifiedShuffleSplit: { shuffled: 'always', grouped: false },
  LeaveOneOut: { shuffled: 'never', grouped: false },
  TimeSeriesSplit: { shuffled: 'never', grouped: false },
  GroupKFold: { shuffled: 'keyword', grouped: true },
  GroupShuffleSplit: { shuffled: 'always', grouped: true },
  StratifiedGroupKFold: { shuffled: 'keyword', grouped: true },
  LeaveOneGroupOut: { shuffled: 'never', grouped: true },
  LeavePGroupsOut: { shuffled: 'never', grouped: true },
  PredefinedSplit: { shuffled: 'never', grouped: false },
};

export function splitterClass(qualname: string | undefined): string | undefined {
  if (!qualname?.startsWith('sklearn.model_selection.')) return undefined;
  const name = last(qualname);
  return Object.hasOwn(SPLITTERS, name) ? name : undefined;
}

/** Cross-validation functions: the estimator is argument 0, X argument 1, y argument 2. */
export const CROSS_VAL_FUNCTIONS = new Set([
  'cross_val_score',
  'cross_validate',
  'cross_val_predict',
  'learning_curve',
  'validation_curve',
  'permutation_test_score',
]);

export function crossValFunction(qualname: string | undefined): string | undefined {
  if (!qualname?.startsWith('sklearn.model_selection.')) return undefined;
  const name = last(qualname);
  return CROSS_VAL_FUNCTIONS.has(name) ? name : undefined;
}

/** Metric functions (an evaluation of predictions against labels). */
export function metricFunction(qualname: string | undefined): string | undefined {
  if (!qualname?.startsWith('sklearn.metrics.')) return undefined;
  const name = last(qualname);
  if (/^(make_scorer|get_scorer|get_scorer_names|check_scoring|pairwise.*|euclidean_distances|.*_kernel|.*_distances?)$/.test(name)) return undefined;
  if (/^[A-Z]/.test(name)) return undefined;
  return name;
}

/** `RocCurveDisplay.from_estimator(model, X_test, y_test)`: an evaluation of a model. */
export function displayFromEstimator(qualname: string | undefined): string | undefined {
  if (!qualname?.startsWith('sklearn.metrics.') || !qualname.endsWith('.from_estimator')) return undefined;
  return qualname.split('.').slice(-2).join('.');
}

/** Statistics whose result depends on every row (`X.mean()`). */
export const REDUCTIONS = new Set(['mean', 'std', 'var', 'median', 'min', 'max', 'quantile', 'mode', 'nanmean', 'nanstd', 'nanmedian', 'nanmin', 'nanmax', 'ptp']);

/** NumPy/pandas functions that combine their data arguments into one dataset. */
export const COMBINERS = /^(pandas\.(concat|merge|DataFrame|Series)|numpy\.(concatenate|hstack|vstack|column_stack|row_stack|stack|array|asarray|c_|r_|append|where|log1p|log|exp|sqrt|abs|clip))$/;

/** Time-ordering operations on data: `df.shift(1)`, `df.rolling(7)`. */
export const LAG_METHODS = new Set(['shift', 'rolling', 'diff', 'pct_change', 'ewm', 'expanding']);
