import type { Node } from 'web-tree-sitter';
import { nodeRange } from '../../../server/src/engine/lint';
import { specAllowsBelow } from '../../../server/src/engine/project';
import type { CallSite, ConstValue, PythonModule } from '../../../server/src/engine/python/module';
import { RNG_SHORT, calledName, seedingOf } from '../../../server/src/engine/python/seeding';
import { defineRule, type PythonContext } from '../../../server/src/engine/rule';
import { seedValueAt, setKeywordFix, short } from '../shared';

/**
 * When a scikit-learn estimator, splitter or function draws random numbers, checked
 * against the scikit-learn docs (1.2 to 1.7): a reason when it does, undefined when its
 * parameters make it deterministic or leave it to the data (then it is not reported).
 */
type Randomness = (a: Args) => string | undefined;

interface Args {
  /** The constant value of a keyword argument; `undefined` when absent, `'?'` when not a constant. */
  get(name: string): ConstValue | '?' | undefined;
  has(name: string): boolean;
  ctx: PythonContext;
}

const isTrue = (v: ConstValue | '?' | undefined) => v !== undefined && v !== '?' && v.kind === 'bool' && v.value;
const isFalse = (v: ConstValue | '?' | undefined) => v !== undefined && v !== '?' && v.kind === 'bool' && !v.value;
const str = (v: ConstValue | '?' | undefined) => (v !== undefined && v !== '?' && v.kind === 'string' ? v.value : undefined);
const num = (v: ConstValue | '?' | undefined) => (v !== undefined && v !== '?' && v.kind === 'number' ? v.value : undefined);

const always = (why: string): Randomness => () => why;
const whenShuffle = (why: string): Randomness => (a) => (isTrue(a.get('shuffle')) ? why : undefined);
const unlessNoShuffle = (why: string): Randomness => (a) => (a.get('shuffle') === undefined || isTrue(a.get('shuffle')) ? why : undefined);
const whenIn = (param: string, values: string[], why: string): Randomness => (a) => {
  const v = str(a.get(param));
  return v !== undefined && values.includes(v) ? `${why} (${param}='${v}')` : undefined;
};

const FOREST = 'bootstraps the rows and samples features at every split';
const TREE = 'permutes the features at every split and breaks ties at random';
const SGD = (a: Args) => (isFalse(a.get('shuffle')) && !isTrue(a.get('early_stopping')) ? undefined : 'shuffles the data every epoch');
const KMEANS = (a: Args) => {
  const init = a.get('init');
  if (init !== undefined && str(init) === undefined) return undefined; // explicit initial centers (or a callable)
  return `picks its initial centers at random (init='${str(init) ?? 'k-means++'}')`;
};

/** MinCovDet/EllipticEnvelope with support_fraction=1 take every row in every trial: nothing left to chance. */
const MCD = (a: Args) => (num(a.get('support_fraction')) === 1 ? undefined : 'starts from random subsets of the rows');

const ESTIMATORS: Record<string, Randomness> = {
  // model_selection
  train_test_split: unlessNoShuffle('shuffles the rows before splitting'),
  KFold: whenShuffle('shuffles the rows before splitting (shuffle=True)'),
  StratifiedKFold: whenShuffle('shuffles each class before splitting (shuffle=True)'),
  StratifiedGroupKFold: whenShuffle('shuffles the groups before splitting (shuffle=True)'),
  GroupKFold: whenShuffle('shuffles the groups before splitting (shuffle=True)'),
  RepeatedKFold: always('shuffles the rows differently for each repetition'),
  RepeatedStratifiedKFold: always('shuffles the rows differently for each repetition'),
  ShuffleSplit: always('draws random train/test splits'),
  StratifiedShuffleSplit: always('draws random train/test splits'),
  GroupShuffleSplit: always('draws random train/test splits'),
  RandomizedSearchCV: always('samples the candidate parameters at random'),
  HalvingRandomSearchCV: always('samples the candidate parameters at random'),
  permutation_importance: always('permutes each feature at random'),
  learning_curve: whenShuffle('shuffles the training data (shuffle=True)'),
  // ensemble
  RandomForestClassifier: always(FOREST),
  RandomForestRegressor: always(FOREST),
  ExtraTreesClassifier: always('draws random split thresholds and samples features at every split'),
  ExtraTreesRegressor: always('draws random split thresholds and samples features at every split'),
  RandomTreesEmbedding: always('grows totally random trees'),
  IsolationForest: always('draws random samples, features and split values'),
  BaggingClassifier: always('draws bootstrap samples'),
  BaggingRegressor: always('draws bootstrap samples'),
  AdaBoostClassifier: always('seeds each boosted estimator from it (decision stumps permute features)'),
  AdaBoostRegressor: always('resamples the training rows by weight at every boosting step'),
  GradientBoostingClassifier: always('permutes the features at every split of every tree (and subsamples rows when subsample < 1)'),
  GradientBoostingRegressor: always('permutes the features at every split of every tree (and subsamples rows when subsample < 1)'),
  HistGradientBoostingClassifier: (a) =>
    isTrue(a.get('early_stopping')) ? 'splits off a random validation set (early_stopping=True)' : (num(a.get('max_features')) ?? 1) < 1 ? 'samples features at every split (max_features < 1)' : undefined,
  HistGradientBoostingRegressor: (a) =>
    isTrue(a.get('early_stopping')) ? 'splits off a random validation set (early_stopping=True)' : (num(a.get('max_features')) ?? 1) < 1 ? 'samples features at every split (max_features < 1)' : undefined,
  // tree
  DecisionTreeClassifier: always(TREE),
  DecisionTreeRegressor: always(TREE),
  ExtraTreeClassifier: always('draws random split thresholds'),
  ExtraTreeRegressor: always('draws random split thresholds'),
  // linear_model
  SGDClassifier: SGD,
  SGDRegressor: SGD,
  SGDOneClassSVM: SGD,
  Perceptron: SGD,
  PassiveAggressiveClassifier: SGD,
  PassiveAggressiveRegressor: SGD,
  LogisticRegression: whenIn('solver', ['sag', 'saga', 'liblinear'], 'shuffles the data in its solver'),
  LogisticRegressionCV: whenIn('solver', ['sag', 'saga', 'liblinear'], 'shuffles the data in its solver'),
  Ridge: whenIn('solver', ['sag', 'saga'], 'shuffles the data in its solver'),
  RidgeClassifier: whenIn('solver', ['sag', 'saga'], 'shuffles the data in its solver'),
  Lasso: whenIn('selection', ['random'], 'updates coefficients in random order'),
  ElasticNet: whenIn('selection', ['random'], 'updates coefficients in random order'),
  LassoCV: whenIn('selection', ['random'], 'updates coefficients in random order'),
  ElasticNetCV: whenIn('selection', ['random'], 'updates coefficients in random order'),
  MultiTaskLasso: whenIn('selection', ['random'], 'updates coefficients in random order'),
  MultiTaskElasticNet: whenIn('selection', ['random'], 'updates coefficients in random order'),
  RANSACRegressor: always('fits on random subsets of the rows'),
  // svm
  SVC: (a) => (isTrue(a.get('probability')) ? 'shuffles the data for its probability calibration (probability=True)' : undefined),
  NuSVC: (a) => (isTrue(a.get('probability')) ? 'shuffles the data for its probability calibration (probability=True)' : undefined),
  LinearSVC: linearSvm,
  LinearSVR: linearSvm,
  // neural_network
  MLPClassifier: always('initializes its weights at random (and shuffles batches)'),
  MLPRegressor: always('initializes its weights at random (and shuffles batches)'),
  BernoulliRBM: always('initializes its weights at random'),
  // cluster
  KMeans: KMEANS,
  MiniBatchKMeans: (a) => KMEANS(a) ?? 'draws random mini-batches',
  BisectingKMeans: KMEANS,
  SpectralClustering: always('initializes its eigensolver and k-means at random'),
  SpectralBiclustering: always('runs k-means with random initial centers'),
  SpectralCoclustering: always('runs k-means with random initial centers'),
  AffinityPropagation: always('adds random noise to the similarities'),
  // mixture
  GaussianMixture: (a) => (a.has('means_init') ? undefined : 'initializes the components at random (k-means or random responsibilities)'),
  BayesianGaussianMixture: (a) => (a.has('mean_prior') && a.has('weight_concentration_prior') ? undefined : 'initializes the components at random (k-means or random responsibilities)'),
  // manifold
  TSNE: always('starts the embedding from a random (or randomized-PCA) initialization'),
  MDS: always('starts from random configurations'),
  SpectralEmbedding: always('initializes its eigensolver at random'),
  Isomap: whenIn('eigen_solver', ['arpack'], 'initializes its eigensolver at random'),
  LocallyLinearEmbedding: whenIn('eigen_solver', ['arpack'], 'initializes its eigensolver at random'),
  // decomposition
  PCA: whenIn('svd_solver', ['randomized', 'arpack'], 'uses a randomized solver'),
  TruncatedSVD: (a) => (str(a.get('algorithm')) === 'arpack' ? 'initializes ARPACK at random' : 'uses randomized SVD'),
  KernelPCA: whenIn('eigen_solver', ['arpack', 'randomized'], 'uses a randomized eigensolver'),
  FastICA: (a) => (a.has('w_init') ? undefined : 'starts from a random unmixing matrix'),
  NMF: (a) => whenIn('init', ['random', 'nndsvdar'], 'initializes the factors at random')(a) ?? (isTrue(a.get('shuffle')) ? 'updates coordinates in random order (shuffle=True)' : undefined),
  LatentDirichletAllocation: always('initializes the topics at random'),
  DictionaryLearning: (a) => (a.has('dict_init') && a.has('code_init') ? undefined : 'initializes the dictionary with a randomized SVD'),
  MiniBatchDictionaryLearning: always('draws random mini-batches'),
  SparsePCA: always('initializes with random values'),
  MiniBatchSparsePCA: always('draws random mini-batches'),
  FactorAnalysis: (a) => (str(a.get('svd_method')) === 'lapack' ? undefined : 'uses a randomized SVD'),
  // random_projection, kernel_approximation
  GaussianRandomProjection: always('draws a random projection matrix'),
  SparseRandomProjection: always('draws a random projection matrix'),
  RBFSampler: always('draws random Fourier features'),
  SkewedChi2Sampler: always('draws random features'),
  PolynomialCountSketch: always('draws random hash functions'),
  Nystroem: always('picks a random subset of the training rows'),
  // covariance, impute, feature_selection, dummy, gaussian_process, preprocessing
  MinCovDet: MCD,
  EllipticEnvelope: MCD,
  IterativeImputer: (a) =>
    isTrue(a.get('sample_posterior')) ? 'samples imputations from the posterior (sample_posterior=True)' : str(a.get('imputation_order')) === 'random' ? "imputes features in random order (imputation_order='random')" : a.has('n_nearest_features') ? 'picks the features to use at random (n_nearest_features)' : undefined,
  mutual_info_classif: (a) => (isTrue(a.get('discrete_features')) ? undefined : 'adds random noise to continuous features'),
  mutual_info_regression: (a) => (isTrue(a.get('discrete_features')) ? undefined : 'adds random noise to continuous features'),
  DummyClassifier: whenIn('strategy', ['stratified', 'uniform'], 'predicts at random'),
  GaussianProcessRegressor: (a) => ((num(a.get('n_restarts_optimizer')) ?? 0) > 0 ? 'restarts the optimizer from random points (n_restarts_optimizer > 0)' : undefined),
  GaussianProcessClassifier: (a) => ((num(a.get('n_restarts_optimizer')) ?? 0) > 0 ? 'restarts the optimizer from random points (n_restarts_optimizer > 0)' : undefined),
  TargetEncoder: unlessNoShuffle('shuffles the rows for its internal cross fitting'),
  ClassifierChain: whenIn('order', ['random'], 'orders the chain at random'),
  RegressorChain: whenIn('order', ['random'], 'orders the chain at random'),
  // datasets
  make_classification: always('generates random data'),
  make_regression: always('generates random data'),
  make_blobs: always('generates random data'),
  make_multilabel_classification: always('generates random data'),
  make_gaussian_quantiles: always('generates random data'),
  make_hastie_10_2: always('generates random data'),
  make_friedman1: always('generates random data'),
  make_friedman2: always('generates random data'),
  make_friedman3: always('generates random data'),
  make_s_curve: always('generates random data'),
  make_swiss_roll: always('generates random data'),
  make_low_rank_matrix: always('generates random data'),
  make_sparse_coded_signal: always('generates random data'),
  make_sparse_spd_matrix: always('generates random data'),
  make_spd_matrix: always('generates random data'),
  make_sparse_uncorrelated: always('generates random data'),
  make_biclusters: always('generates random data'),
  make_checkerboard: always('generates random data'),
  make_moons: (a) => (isFalse(a.get('shuffle')) && (a.get('noise') === undefined || (a.get('noise') as ConstValue).kind === 'none') ? undefined : 'shuffles the samples and adds noise'),
  make_circles: (a) => (isFalse(a.get('shuffle')) && (a.get('noise') === undefined || (a.get('noise') as ConstValue).kind === 'none') ? undefined : 'shuffles the samples and adds noise'),
  // utils
  shuffle: always('shuffles at random'),
  resample: always('draws a random sample'),
};

/**
 * LinearSVC/LinearSVR: random only with liblinear's dual coordinate descent. `dual=True`
 * before 1.3 by default, `"auto"` from 1.5 (primal, not random, when n_samples > n_features).
 */
function linearSvm(a: Args): string | undefined {
  const dual = a.get('dual');
  if (isTrue(dual)) return 'shuffles the data in its dual coordinate descent (dual=True)';
  if (dual !== undefined) return undefined;
  const declared = a.ctx.project.declared('scikit-learn');
  if (declared && specAllowsBelow(declared.spec, '1.3', declared.locked) === true) return 'shuffles the data in its dual coordinate descent (dual=True is the default before scikit-learn 1.3)';
  return undefined;
}

/** Estimator checks that set random_state themselves. */
const CHECKERS = new Set(['sklearn.utils.estimator_checks.parametrize_with_checks', 'sklearn.utils.estimator_checks.check_estimator']);

/** Meta-estimators that overwrite the random_state of the estimator they are given. */
const RESEEDING_WRAPPERS = new Set(['BaggingClassifier', 'BaggingRegressor', 'AdaBoostClassifier', 'AdaBoostRegressor']);

function sklearnName(callee: string | undefined): string | undefined {
  if (!callee?.startsWith('sklearn.')) return undefined;
  const name = callee.slice(callee.lastIndexOf('.') + 1);
  return Object.hasOwn(ESTIMATORS, name) ? name : undefined;
}

/**
 * Whether the estimator is given to Bagging/AdaBoost (which reseed it) or to the
 * estimator checks (which set random_state themselves), directly or in a list.
 */
function insideReseedingWrapper(m: PythonModule, call: CallSite): boolean {
  let n: Node | null = call.node.parent;
  while (n && (n.type === 'list' || n.type === 'tuple' || n.type === 'keyword_argument')) n = n.parent;
  if (n?.type !== 'argument_list') return false;
  const outer = n.parent ? m.callSiteOf(n.parent) : undefined;
  if (outer?.callee && CHECKERS.has(outer.callee)) return true;
  const name = outer?.callee?.startsWith('sklearn.') ? outer.callee.slice(outer.callee.lastIndexOf('.') + 1) : undefined;
  return !!name && RESEEDING_WRAPPERS.has(name);
}

/**
 * Whether the file sets random_state on estimators it receives or iterates over
 * (`def fit_and_score(est, ...): est.set_params(random_state=0)`,
 * `for est in models: est.random_state = 0`): estimators built in the file may be seeded
 * there, which the analysis cannot follow through lists and dicts.
 */
function seedsEstimatorsCentrally(m: PythonModule): boolean {
  const indirect = (obj: Node | null | undefined) => {
    if (obj?.type !== 'identifier') return false;
    const b = m.lookup(obj.text, m.scopeAt(obj.startIndex));
    return !!b?.some((x) => x.kind === 'param' || x.kind === 'for');
  };
  for (const c of m.calls) {
    if (c.func.type !== 'attribute' || c.func.childForFieldName('attribute')?.text !== 'set_params') continue;
    if (c.keywordNames.some((k) => k.endsWith('random_state')) && indirect(c.func.childForFieldName('object'))) return true;
  }
  if (!m.source.includes('random_state')) return false;
  for (const a of m.assignments) {
    const left = a.childForFieldName('left');
    if (left?.type === 'attribute' && left.childForFieldName('attribute')?.text === 'random_state' && indirect(left.childForFieldName('object'))) return true;
  }
  return false;
}

const FIT_METHOD = /^(?:partial_)?fit(?:_\w+)?$/;
/** scikit-learn functions that build or configure without fitting anything. */
const NON_FITTING = /^(?:make_pipeline|make_union|make_column_transformer|make_column_selector|set_config|get_config|config_context|estimator_html_repr)$/;

/**
 * Whether nothing in the file can fit an estimator: no `.fit*`/`partial_fit` call, no
 * scikit-learn function that takes an estimator (`cross_val_score`, `learning_curve`, ...),
 * and no call into the file's own or another project's functions (`train(model)`) that
 * might fit it. An estimator built only to be shown (the gallery's pipeline-display
 * example builds pipelines and never fits them) draws nothing.
 */
function fitsNothing(m: PythonModule): boolean {
  for (const c of m.calls) {
    const name = calledName(c.func);
    if (name && FIT_METHOD.test(name)) return false;
    const callee = c.callee;
    if (callee?.startsWith('sklearn.')) {
      const last = callee.slice(callee.lastIndexOf('.') + 1);
      if (/^[a-z_]/.test(last) && !NON_FITTING.test(last) && !/^(?:load|fetch)_/.test(last)) return false;
      continue;
    }
    if (c.func.type === 'attribute' && callee === undefined) continue; // a method of an object (fits only by name, above)
    if (callee === undefined) {
      // A function of this file, or a builtin.
      if (c.func.type !== 'identifier') return false;
      const bindings = m.lookup(c.func.text, c.scope);
      if (bindings?.length) return false;
      continue;
    }
    const root = callee.replace(/^\./, '').split('.')[0];
    if (callee.startsWith('.') || !FITLESS_ROOTS.has(root)) return false;
  }
  return true;
}

/** Libraries whose calls never fit a scikit-learn estimator. */
const FITLESS_ROOTS = new Set(['numpy', 'pandas', 'matplotlib', 'seaborn', 'scipy', 'builtins', 'os', 'sys', 'time', 'math', 'pathlib', 'json', 'IPython']);

/** `est = RandomForestClassifier(); est.set_params(random_state=0)` or `est.random_state = 0`. */
function seededLater(m: PythonModule, call: CallSite): boolean {
  const assign = call.node.parent;
  const left = assign?.type === 'assignment' ? assign.childForFieldName('left') : undefined;
  if (left?.type !== 'identifier') return false;
  const esc = left.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\b${esc}\\.(set_params\\([^)]*random_state|random_state\\s*=)`).test(m.source);
}

export default defineRule({
  target: 'python',
  requires: ['sklearn'],
  meta: {
    id: 'RNG007',
    name: 'missing-random-state',
    family: 'RNG',
    severity: 'warning',
    practice: 'P4',
    languages: ['python'],
    summary: 'A scikit-learn estimator, splitter or generator that really draws random numbers has no random_state, and NumPy is not seeded.',
    provenance: ['dslinter randomness-control-scikitlearn', 'scikit-learn "Common pitfalls: Controlling randomness"'],
    fix: 'safe',
    docs: {
      what:
        "Finds scikit-learn calls without `random_state` (or with `random_state=None`) that draw random numbers with the parameters given, at a point where NumPy's global RNG is not seeded (`random_state=None` draws from it, so a legacy `np.random.seed(...)` earlier in the execution order makes them repeatable and they are not reported). Covered, always random: `train_test_split` (unless `shuffle=False`), `RepeatedKFold`, `RepeatedStratifiedKFold`, `ShuffleSplit`, `StratifiedShuffleSplit`, `GroupShuffleSplit`, `RandomizedSearchCV`, `HalvingRandomSearchCV`, `permutation_importance`; `RandomForest*`, `ExtraTrees*`, `RandomTreesEmbedding`, `IsolationForest`, `Bagging*`, `AdaBoost*`, `GradientBoosting*`; `DecisionTree*` and `ExtraTree*` (features are permuted at every split even with `splitter='best'`); `MLP*`, `BernoulliRBM`; `KMeans`, `MiniBatchKMeans`, `BisectingKMeans` (unless `init` is an array), `SpectralClustering`, `Spectral(Bi|Co)clustering`, `AffinityPropagation`; `GaussianMixture`, `BayesianGaussianMixture`; `TSNE`, `MDS`, `SpectralEmbedding`; `TruncatedSVD`, `FastICA` (without `w_init`), `LatentDirichletAllocation`, `DictionaryLearning`, `MiniBatchDictionaryLearning`, `SparsePCA`, `MiniBatchSparsePCA`, `FactorAnalysis` (unless `svd_method='lapack'`); random projections and kernel approximations (`RBFSampler`, `Nystroem`, ...); `MinCovDet`, `EllipticEnvelope`, `RANSACRegressor`; `mutual_info_*` (unless `discrete_features=True`); the `make_*` dataset generators (`make_moons`/`make_circles` unless `shuffle=False` without noise); `sklearn.utils.shuffle`/`resample`. Random only with some parameters, reported only then: `KFold`/`StratifiedKFold`/`GroupKFold`/`StratifiedGroupKFold` with `shuffle=True`; `learning_curve` with `shuffle=True`; `SGD*`, `Perceptron`, `PassiveAggressive*` unless `shuffle=False` (without early stopping); `LogisticRegression(CV)` with `solver` `sag`, `saga` or `liblinear` (the default `lbfgs` is deterministic); `Ridge`/`RidgeClassifier` with `sag`/`saga`; `Lasso`/`ElasticNet` (and CV, multi-task) with `selection='random'`; `SVC`/`NuSVC` with `probability=True`; `LinearSVC`/`LinearSVR` with `dual=True` (or a declared scikit-learn before 1.3, whose default was `dual=True`; from 1.5 `dual='auto'` picks the deterministic primal solver when there are more samples than features); `PCA` with `svd_solver` `randomized`/`arpack` and `KernelPCA`/`Isomap`/`LocallyLinearEmbedding` with an `arpack`/`randomized` eigensolver (the `auto` defaults depend on the data's shape); `HistGradientBoosting*` with `early_stopping=True` or `max_features < 1` (the default early stopping turns on only above 10,000 samples); `NMF` with `init='random'`/`'nndsvdar'` or `shuffle=True`; `IterativeImputer` with `sample_posterior=True`, random order or `n_nearest_features`; `DummyClassifier` with `stratified`/`uniform`; Gaussian processes with `n_restarts_optimizer > 0`; `TargetEncoder` (shuffles unless `shuffle=False`); `ClassifierChain`/`RegressorChain` with `order='random'`. Not reported: deterministic estimators (`LogisticRegression()`, `LinearRegression`, `KNeighbors*`, `StandardScaler`, `GridSearchCV`, `cross_val_score` with an integer `cv`, `KFold(n_splits=5)`), any `random_state` value (`0`, `rng`, `args.seed`, `cfg.seed`), `**params` that may carry it, estimators given to `Bagging*`/`AdaBoost*` (which reseed them), estimators whose `random_state` is set later with `set_params`, and estimators in a file that fits nothing (no `.fit*` call, no scikit-learn function that takes an estimator, no call into the file's own or the project's functions: a pipeline built only to be displayed draws nothing). Code in functions the file never calls is judged by whether the file seeds NumPy anywhere, and only in files that run code themselves.",
      why:
        'With `random_state=None` each fit, split or search draws from NumPy\'s global generator: the train/test split, the trees of a forest, the initial centers of k-means and the folds of a shuffled cross-validation differ on every run, so scores move for no reason and a result cannot be reproduced. Passing an int (from the config) makes each call repeatable on its own, independent of call order.',
      example: 'from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.model_selection import train_test_split\n\nX_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)\nclf = RandomForestClassifier(n_estimators=100).fit(X_train, y_train)\n',
      useInstead:
        'from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.model_selection import train_test_split\n\nSEED = 0  # from the experiment config\nX_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=SEED)\nclf = RandomForestClassifier(n_estimators=100, random_state=SEED).fit(X_train, y_train)\n',
      references: ['https://scikit-learn.org/stable/common_pitfalls.html#controlling-randomness', 'https://scikit-learn.org/stable/glossary.html#term-random_state'],
    },
  },
  check(ctx) {
    const m = ctx.module;
    const a = seedingOf(m);
    const found: Array<{ call: CallSite; name: string; why: string }> = [];
    for (const call of m.calls) {
      const name = sklearnName(call.callee);
      if (!name || call.hasKeywordSplat) continue;
      const rs = call.keyword('random_state');
      if (rs && m.constantValue(rs, call.scope)?.kind !== 'none') continue;
      const args: Args = {
        get: (k) => {
          const n = call.keyword(k);
          return n ? (m.constantValue(n, call.scope) ?? '?') : undefined;
        },
        has: (k) => !!call.keyword(k),
        ctx,
      };
      const why = ESTIMATORS[name](args);
      if (!why || insideReseedingWrapper(m, call) || seededLater(m, call)) continue;
      found.push({ call, name, why });
    }
    if (!found.length) return;
    const executedUse = found.some((f) => a.at(f.call).executed);
    const central = seedsEstimatorsCentrally(m);
    let fitless: boolean | undefined;
    for (const { call, name, why } of found) {
      const state = a.at(call);
      // Estimators and splitters draw when fitted or split, not when built: a seed anywhere
      // in the file may run before that. Functions draw where they are called.
      const lazy = /^[A-Z]/.test(name);
      if (lazy ? a.anywhere.has('numpy') || central : state.seeded.has('numpy')) continue;
      if (lazy && (fitless ??= fitsNothing(m))) continue;
      if (!state.executed && !a.runsCode(executedUse)) continue;
      const value = seedValueAt(m, call);
      const fix = setKeywordFix(ctx.source, call, 'random_state', value, `Add random_state=${value}`);
      const head = `${short(call.func.text, 40)} ${call.keyword('random_state') ? 'with random_state=None' : 'without random_state'}`;
      const later = lazy ? undefined : a.seedCalls.find((e) => e.lib === 'numpy');
      const numpyNote =
        state.executed && later
          ? `which is seeded only after this call (${short((later.via ?? later.call).node.text, 40)} at line ${later.call.node.startPosition.row + 1})`
          : 'which this file never seeds';
      const seeded = [...state.seeded.keys()].filter((l) => l !== 'cuda' && l !== 'numpy').map((l) => RNG_SHORT[l]);
      const partial = seeded.length ? ` (it seeds only ${seeded.join(' and ')})` : '';
      ctx.reportNode(
        call.node,
        `${head} ${why} using NumPy's global RNG, ${numpyNote}${partial}, so its results can change from run to run; pass random_state=${value === '0' ? 'SEED' : value}${value === '0' ? ', with SEED from the config' : ''}`,
        {
          fixes: fix ? [fix] : [],
          related: state.executed && later ? [{ range: nodeRange(later.call.node), message: 'seeds NumPy only after the call' }] : [],
        },
      );
    }
  },
});
