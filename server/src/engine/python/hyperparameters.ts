/**
 * Literal hyperparameters in training code (practice P2), shared by rule CFG001 and
 * the "Extract hyperparameters to config" quick fix.
 *
 * Policy (precision first; the rule's docs repeat it):
 * - Only in training code: a file that imports a training library and trains (`.fit(`,
 *   `.backward()`, an optimizer's `.step()`, a Hugging Face / Lightning `Trainer`,
 *   `xgb.train`, ...) in module-level code, or in functions of a file that runs as a
 *   program (`if __name__ == "__main__":`, or a module-level call of a function defined in
 *   it). A module that only defines functions is a library. Test files (`test_*.py`, `*_test.py`, `conftest.py`, files directly in
 *   a `tests/` folder) are not training code.
 * - Only numbers, and tuples/lists of numbers. Categorical choices (`kernel="rbf"`,
 *   `optimizer="adam"`, `activation="relu"`) are part of the model's definition like its
 *   class, and booleans are switches; neither is reported.
 * - Only arguments whose parameter is a hyperparameter of a known API (optimizers,
 *   schedulers, `DataLoader(batch_size)`, dropout, scikit-learn / XGBoost / LightGBM /
 *   CatBoost estimators, Keras optimizers, layers' size keywords and `fit(epochs,
 *   batch_size)`, optax, `TrainingArguments`, Lightning `Trainer`), or whose keyword is an
 *   unambiguous hyperparameter name (`lr`, `learning_rate`, `epochs`, `batch_size`,
 *   `hidden_size`, `num_layers`, `dropout`, ...) on a call to the project's own code or an
 *   ML library. Never: seeds (`random_state`, the RNG rules' business), resources
 *   (`n_jobs`, `num_workers`, `device`), logging (`verbose`), shapes tied to data
 *   (`nn.Linear(784, 10)` positionals, `steps_per_epoch`), or calls that only evaluate
 *   (`predict(batch_size=...)`, a `DataLoader` over test/validation data).
 * - Values that come from a config object, argparse, the environment or a file are not
 *   literals and never match. Literals inside config objects built in code (`dict(lr=...)`,
 *   `SimpleNamespace(...)`, `OmegaConf.create`, a `*Config`/`*Args` class) are the config.
 * - A name bound once to a literal (`EPOCHS = 50`, also inside a function) and passed as a
 *   hyperparameter is reported once, at its definition.
 * - `for epoch in range(50):` whose body steps an optimizer, calls `.backward()`,
 *   `partial_fit`, `train_on_batch`, a Keras `fit`, or a project function named `train*`:
 *   the outermost such loop's count is the epoch count.
 * - Function signature defaults (`def make(lr=0.01)`) are library defaults, never reported.
 */
import type { Node } from 'web-tree-sitter';
import type { CallSite, PythonModule, Scope } from './module';
import { offsetsOf } from './source-offsets';

export interface NumberLiteral {
  value: number;
  /** Written as a float in Python (`1.0`, `1e-3`): the YAML value must stay a float. */
  float: boolean;
}

export type HyperparameterValue =
  | { kind: 'number'; number: NumberLiteral }
  | { kind: 'sequence'; items: NumberLiteral[]; tuple: boolean };

export interface HyperparameterLiteral {
  /** The literal node to move to the config (a number, or a tuple/list of numbers). */
  readonly node: Node;
  readonly value: HyperparameterValue;
  /** Suggested config key (`lr`, `batch_size`, `epochs`), before de-duplication. */
  readonly key: string;
  /** The parameter the value is passed as (`lr`, `batch_size`, `epochs`). */
  readonly param: string;
  /** `argument`: passed directly; `constant`: a name bound once to it is passed; `loop`: a training loop's count. */
  readonly kind: 'argument' | 'constant' | 'loop';
  /** Display name of the call that receives it (`torch.optim.SGD`, `model.fit`, `range`). */
  readonly callee: string;
  /** The call that receives the value (for constants: the first use). */
  readonly call: CallSite | undefined;
  /** For constants: every argument that passes the name. */
  readonly uses: readonly Node[];
  /** The scope the literal sits in. */
  readonly scope: Scope;
  /** For `range(1, 51)`: the start, added back when the literal is replaced by a lookup. */
  readonly offset?: number;
}

/** Libraries whose import makes a file a candidate for training code. */
export const TRAINING_LIBRARIES = [
  'torch', 'tensorflow', 'keras', 'tf_keras', 'sklearn', 'xgboost', 'lightgbm', 'catboost', 'jax', 'optax', 'flax',
  'transformers', 'lightning', 'pytorch_lightning', 'trl', 'accelerate', 'skorch', 'sentence_transformers', 'peft',
  'deepspeed', 'timm',
] as const;

/** Whether the path is a test file (tests build tiny models with throwaway values). */
export function isTestFile(file: string): boolean {
  const parts = file.split(/[\\/]/);
  const base = parts[parts.length - 1] ?? '';
  if (/^test_.*\.pyw?$|_test\.pyw?$|^conftest\.py$/.test(base)) return true;
  const dir = parts[parts.length - 2];
  return dir === 'tests' || dir === 'test';
}

const TRAINING_METHODS = new Set([
  'fit', 'partial_fit', 'fit_transform', 'fit_predict', 'fit_resample', 'fit_generator', 'train_on_batch', 'backward',
  'apply_gradients',
]);

const OPTIMIZER_NAME = /(?:^|_)(?:opt|optim|optimizer|optimiser)(?:$|_|\d)/i;

const TRAINER_CALLEE =
  /^(?:transformers(?:\.trainer)?\.(?:Trainer|Seq2SeqTrainer)|trl\.\w*Trainer|(?:lightning|lightning\.pytorch|pytorch_lightning)(?:\.trainer(?:\.trainer)?)?\.Trainer|xgboost\.train|xgboost\.cv|lightgbm\.train|lightgbm\.cv|catboost\.train|optax\.apply_updates|tensorflow\.GradientTape|accelerate\.Accelerator\(\)\.backward|sentence_transformers\.SentenceTransformerTrainer)$/;

function methodName(call: CallSite): string | undefined {
  return call.func.type === 'attribute' ? call.func.childForFieldName('attribute')?.text : undefined;
}

function receiver(call: CallSite): Node | undefined {
  return call.func.type === 'attribute' ? call.func.childForFieldName('object') ?? undefined : undefined;
}

/** Whether the callee of a method call is an object of the program (not a module-level library function). */
function onObject(call: CallSite): boolean {
  return call.func.type === 'attribute' && (call.callee === undefined || call.callee.includes('()'));
}

/** A call that trains: fits a model, back-propagates, steps an optimizer, or runs a trainer. */
export function isTrainingCall(call: CallSite): boolean {
  const method = methodName(call);
  if (method && onObject(call)) {
    if (TRAINING_METHODS.has(method)) return true;
    if (method === 'step') {
      const obj = receiver(call);
      const name = obj?.type === 'attribute' ? obj.childForFieldName('attribute')?.text : obj?.text;
      if (name && OPTIMIZER_NAME.test(name)) return true;
    }
    if (method === 'train' && /trainer/i.test(receiver(call)?.text ?? '')) return true;
  }
  return call.callee !== undefined && TRAINER_CALLEE.test(call.callee);
}

const trainingCache = new WeakMap<PythonModule, Node | null>();

/** The method names by which `isTrainingCall` finds a method call training. */
const METHOD_WORDS = [...TRAINING_METHODS, 'step', 'train'];

/** Characters that may sit between a `.` and the name after it (a constant: a literal makes a new object each time it runs). */
const SPACE_OR_CONTINUATION = /[ \t\f\r\n\\]/;

/** Whether the character at `i` is one of `\w` (an ASCII letter, digit or `_`); false outside the text. */
function isWordCharAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * The calls whose method name may make them training calls (`x.fit(...)`, `opt.step()`),
 * found from the names' occurrences as whole words after a `.` in the source (each then
 * walked up to its call), instead of asking every call of the file for its function's node
 * type and attribute (several trips into the wasm heap per call). The occurrences are kept
 * from one version of the source to the next (`offsetsOf`). Undefined when the tree has
 * syntax errors: then every call is asked.
 */
function methodCallCandidates(module: PythonModule): Set<CallSite> | undefined {
  if (module.hasError) return undefined;
  const source = module.source;
  const out = new Set<CallSite>();
  for (const word of METHOD_WORDS) {
    for (const at of offsetsOf(source, word)) {
      if (isWordCharAt(source, at - 1) || isWordCharAt(source, at + word.length)) continue;
      // The attribute name of `obj.name`: a `.` before it (spaces and line breaks between; a
      // comment may sit between only across a line break, which counts as possibly one).
      let i = at - 1;
      let crossedLine = false;
      while (i >= 0 && SPACE_OR_CONTINUATION.test(source[i])) {
        if (source[i] === '\n') crossedLine = true;
        i--;
      }
      if (source[i] !== '.' && !crossedLine) continue;
      const id = module.descendantForIndex(at, at + word.length);
      if (id?.type !== 'identifier' || id.startIndex !== at) continue;
      const attribute = id.parent;
      if (attribute?.type !== 'attribute') continue;
      const call = attribute.parent;
      if (call?.type !== 'call') continue;
      const site = module.callSiteOf(call);
      if (site) out.add(site);
    }
  }
  return out;
}

/**
 * Whether code in a scope has a `def` or `lambda` around it (scopes span their nodes): asked
 * of the scope chain instead of the call's ancestors (`node.parent` walks down from the root).
 */
function inFunction(scope: Scope): boolean {
  for (let s: Scope | undefined = scope; s; s = s.parent) if (s.kind === 'function' || s.kind === 'lambda') return true;
  return false;
}

/**
 * Whether the module runs as a program: an `if __name__ == "__main__":` block, or a
 * module-level statement calling a function defined in the file (`main()`). A module that
 * only defines functions (a `utils.py` with a profiling helper that calls `.backward()`)
 * is a library, not a training script.
 */
function runsAsProgram(module: PythonModule): boolean {
  // Only a file that spells `__main__` can have the guard: the others ask no statement for its type.
  for (const stmt of offsetsOf(module.source, '__main__').length ? module.topLevel : []) {
    if (!stmt) continue;
    if (stmt.type === 'if_statement' && /^if\s+(?:__name__\s*==\s*["']__main__["']|["']__main__["']\s*==\s*__name__)/.test(stmt.text)) return true;
  }
  for (const call of module.calls) {
    if (call.callee !== undefined || call.calleeShape.type !== 'identifier' || inFunction(call.scope)) continue;
    // Decorators run at import time in libraries too.
    let decorator = false;
    for (let p = call.node.parent; p && p.type !== 'module'; p = p.parent) if (p.type === 'decorator') decorator = true;
    if (decorator) continue;
    const b = module.lookup(call.func.text, module.moduleScope);
    if (b?.some((x) => x.kind === 'def')) return true;
  }
  return false;
}

/**
 * The first call that makes the module training code, or undefined: the file imports a
 * training library and trains, either in module-level code (a script, a notebook, an
 * example) or in functions of a module that runs as a program. Cached per parsed module:
 * CFG001 and CFG004 share it.
 */
export function trainingEvidence(module: PythonModule): Node | undefined {
  const cached = trainingCache.get(module);
  if (cached !== undefined) return cached ?? undefined;
  let found: Node | null = null;
  if (TRAINING_LIBRARIES.some((lib) => module.importsModule(lib))) {
    let inFunctions: Node | undefined;
    const methodCalls = methodCallCandidates(module);
    for (const call of module.calls) {
      // Not a method call that can train: only its callee can make it a training call.
      if (methodCalls && !methodCalls.has(call)) {
        if (call.callee === undefined || !TRAINER_CALLEE.test(call.callee)) continue;
      } else if (!isTrainingCall(call)) continue;
      if (!inFunction(call.scope)) {
        found = call.node;
        break;
      }
      inFunctions ??= call.node;
    }
    if (!found && inFunctions && runsAsProgram(module)) found = inFunctions;
  }
  trainingCache.set(module, found);
  return found ?? undefined;
}

// ---------------------------------------------------------------------------------------
// Which parameters of which calls are hyperparameters.

interface ParamSpec {
  /** Positional index -> parameter name. */
  positional?: Record<number, string>;
  /** Keywords that are hyperparameters; `*` means every numeric keyword except `deny`. */
  keywords: ReadonlySet<string> | '*';
  deny?: ReadonlySet<string>;
  /** Config key for a parameter whose own name says little (`p` of nn.Dropout -> `dropout`). */
  rename?: Record<string, string>;
}

const set = (...names: string[]): ReadonlySet<string> => new Set(names);

/** Never hyperparameters, whatever the callee: seeds, resources, logging, data-tied sizes. */
const NEVER = set(
  'random_state', 'seed', 'random_seed', 'n_jobs', 'nthread', 'thread_count', 'num_workers', 'workers', 'verbose',
  'verbosity', 'silent', 'copy', 'copy_X', 'warm_start', 'cache_size', 'pre_dispatch', 'memory', 'dtype', 'device',
  'devices', 'gpus', 'num_nodes', 'last_epoch', 'steps_per_epoch', 'initial_epoch', 'foreach', 'maximize', 'capturable',
  'differentiable', 'fused', 'prefetch_factor', 'pin_memory', 'persistent_workers', 'logging_steps', 'save_steps',
  'eval_steps', 'save_total_limit', 'log_every_n_steps', 'dataloader_num_workers', 'num_proc', 'precision',
  'validation_steps', 'validation_freq', 'max_queue_size', 'use_multiprocessing', 'name', 'axis', 'dim',
  // Sentinels and values tied to the data's columns, not tuned settings.
  'unknown_value', 'encoded_missing_value', 'missing_values', 'monotonic_cst', 'interaction_cst', 'categorical_features',
);

/** Keyword names that are hyperparameters on any call into the project's own code or an ML library. */
const GENERIC = set(
  'lr', 'learning_rate', 'base_lr', 'max_lr', 'min_lr', 'epochs', 'num_epochs', 'n_epochs', 'max_epochs', 'nb_epoch',
  'batch_size', 'train_batch_size', 'per_device_train_batch_size', 'weight_decay', 'warmup_steps', 'warmup_ratio',
  'num_train_epochs', 'dropout', 'dropout_rate', 'drop_rate', 'attention_dropout', 'hidden_size', 'hidden_dim',
  'hidden_dims', 'hidden_units', 'hidden_layer_sizes', 'num_layers', 'n_layers', 'num_hidden_layers', 'd_model',
  'nhead', 'num_heads', 'n_heads', 'n_head', 'dim_feedforward', 'embed_dim', 'embedding_dim', 'n_embd',
  'intermediate_size', 'n_estimators', 'max_depth', 'num_boost_round', 'early_stopping_rounds',
  'gradient_accumulation_steps', 'label_smoothing', 'max_grad_norm', 'gradient_clip_val', 'accumulate_grad_batches',
  'num_warmup_steps', 'num_training_steps', 'max_steps', 'num_steps', 'n_steps', 'num_iterations', 'patience',
);

/** Model-size keywords of layer constructors (positional sizes are tied to the data and not reported). */
const LAYER_KEYWORDS = set(
  'hidden_size', 'num_layers', 'd_model', 'nhead', 'num_heads', 'dim_feedforward', 'dropout', 'recurrent_dropout',
  'embed_dim', 'embedding_dim', 'num_encoder_layers', 'num_decoder_layers', 'units', 'key_dim', 'rate', 'p',
);

const DROPOUT_CLASS = /^(?:Dropout|Dropout1d|Dropout2d|Dropout3d|AlphaDropout|FeatureAlphaDropout|SpatialDropout[123]D|GaussianDropout|AlphaDropout)$/;

const TORCH_SCHEDULER_POSITIONAL: Record<string, Record<number, string>> = {
  StepLR: { 1: 'step_size', 2: 'gamma' },
  MultiStepLR: { 1: 'milestones', 2: 'gamma' },
  ExponentialLR: { 1: 'gamma' },
  CosineAnnealingLR: { 1: 'T_max', 2: 'eta_min' },
  CosineAnnealingWarmRestarts: { 1: 'T_0', 2: 'T_mult', 3: 'eta_min' },
  OneCycleLR: { 1: 'max_lr', 2: 'total_steps', 3: 'epochs' },
  CyclicLR: { 1: 'base_lr', 2: 'max_lr', 3: 'step_size_up' },
  LinearLR: { 1: 'start_factor', 2: 'end_factor', 3: 'total_iters' },
  ConstantLR: { 1: 'factor', 2: 'total_iters' },
  PolynomialLR: { 1: 'total_iters', 2: 'power' },
  ReduceLROnPlateau: {},
};

const KERAS_SCHEDULE_POSITIONAL: Record<string, Record<number, string>> = {
  ExponentialDecay: { 0: 'initial_learning_rate', 1: 'decay_steps', 2: 'decay_rate' },
  InverseTimeDecay: { 0: 'initial_learning_rate', 1: 'decay_steps', 2: 'decay_rate' },
  CosineDecay: { 0: 'initial_learning_rate', 1: 'decay_steps', 2: 'alpha' },
  CosineDecayRestarts: { 0: 'initial_learning_rate', 1: 'first_decay_steps' },
  PolynomialDecay: { 0: 'initial_learning_rate', 1: 'decay_steps', 2: 'end_learning_rate', 3: 'power' },
  PiecewiseConstantDecay: { 0: 'boundaries', 1: 'values' },
};

const OPTAX_POSITIONAL: Record<string, Record<number, string>> = {
  exponential_decay: { 0: 'init_value', 1: 'transition_steps', 2: 'decay_rate' },
  cosine_decay_schedule: { 0: 'init_value', 1: 'decay_steps', 2: 'alpha' },
  warmup_cosine_decay_schedule: { 0: 'init_value', 1: 'peak_value', 2: 'warmup_steps', 3: 'decay_steps', 4: 'end_value' },
  warmup_exponential_decay_schedule: { 0: 'init_value', 1: 'peak_value', 2: 'warmup_steps', 3: 'transition_steps', 4: 'decay_rate' },
  linear_schedule: { 0: 'init_value', 1: 'end_value', 2: 'transition_steps' },
  polynomial_schedule: { 0: 'init_value', 1: 'end_value', 2: 'power', 3: 'transition_steps' },
  constant_schedule: { 0: 'value' },
  clip_by_global_norm: { 0: 'max_norm' },
  clip: { 0: 'max_delta' },
  sgd: { 0: 'learning_rate', 1: 'momentum' },
};

/** First positional parameters of common scikit-learn estimators (most others are keyword-only). */
const SKLEARN_POSITIONAL: Record<string, Record<number, string>> = {
  PCA: { 0: 'n_components' },
  KernelPCA: { 0: 'n_components' },
  TruncatedSVD: { 0: 'n_components' },
  NMF: { 0: 'n_components' },
  FastICA: { 0: 'n_components' },
  IncrementalPCA: { 0: 'n_components' },
  SparsePCA: { 0: 'n_components' },
  FactorAnalysis: { 0: 'n_components' },
  LatentDirichletAllocation: { 0: 'n_components' },
  GaussianMixture: { 0: 'n_components' },
  BayesianGaussianMixture: {},
  TSNE: { 0: 'n_components' },
  Isomap: {},
  KMeans: { 0: 'n_clusters' },
  MiniBatchKMeans: { 0: 'n_clusters' },
  BisectingKMeans: { 0: 'n_clusters' },
  SpectralClustering: { 0: 'n_clusters' },
  AgglomerativeClustering: { 0: 'n_clusters' },
  KNeighborsClassifier: { 0: 'n_neighbors' },
  KNeighborsRegressor: { 0: 'n_neighbors' },
  NearestNeighbors: { 0: 'n_neighbors' },
  RadiusNeighborsClassifier: { 0: 'radius' },
  RadiusNeighborsRegressor: { 0: 'radius' },
  PolynomialFeatures: { 0: 'degree' },
  Ridge: { 0: 'alpha' },
  Lasso: { 0: 'alpha' },
  ElasticNet: { 0: 'alpha', 1: 'l1_ratio' },
  KernelRidge: { 0: 'alpha' },
  SelectKBest: { 1: 'k' },
  SelectPercentile: { 1: 'percentile' },
  RFE: { 1: 'n_features_to_select' },
  CCA: { 0: 'n_components' },
  PLSRegression: { 0: 'n_components' },
  PLSCanonical: { 0: 'n_components' },
  PLSSVD: { 0: 'n_components' },
  LinearDiscriminantAnalysis: {},
};

const SKLEARN_ESTIMATOR_MODULES =
  /^sklearn\.(?:ensemble|linear_model|svm|tree|neighbors|neural_network|cluster|decomposition|naive_bayes|kernel_ridge|discriminant_analysis|manifold|mixture|semi_supervised|isotonic|cross_decomposition|feature_selection|kernel_approximation|random_projection|covariance|preprocessing|impute|feature_extraction(?:\.text|\.image)?|calibration|multiclass|multioutput|gaussian_process|experimental)\.([A-Z]\w*)$/;

const HF_TRAINING_ARGS = set(
  'learning_rate', 'num_train_epochs', 'per_device_train_batch_size', 'per_gpu_train_batch_size', 'weight_decay',
  'warmup_steps', 'warmup_ratio', 'gradient_accumulation_steps', 'max_steps', 'adam_beta1', 'adam_beta2',
  'adam_epsilon', 'max_grad_norm', 'label_smoothing_factor', 'lr_scheduler_kwargs', 'max_seq_length', 'beta',
  'generation_num_beams',
);

const LIGHTNING_TRAINER = set('max_epochs', 'min_epochs', 'max_steps', 'min_steps', 'gradient_clip_val', 'accumulate_grad_batches');

/** Calls whose literals are a config object built in code: its values are already in one place. */
const CONFIG_OBJECT_CALLEES = new Set([
  'builtins.dict', 'types.SimpleNamespace', 'argparse.Namespace', 'omegaconf.OmegaConf.create', 'ml_collections.ConfigDict',
  'ml_collections.config_dict.ConfigDict', 'wandb.init', 'wandb.config.update', 'easydict.EasyDict', 'addict.Dict',
  'collections.namedtuple', 'functools.partial',
]);

const CONFIG_CLASS_NAME = /(?:Config|Configuration|Args|Arguments|Params|Parameters|HParams|Hparams|Hyperparameters|Settings|Options|Spec)$/;

/** Methods that only evaluate or predict: a batch size there does not change the result. */
const INFERENCE_METHODS = set(
  'predict', 'predict_proba', 'predict_log_proba', 'predict_on_batch', 'evaluate', 'transform', 'score', 'generate',
  'encode', 'embed', 'inference', 'decision_function', 'test', 'validate', 'eval', 'infer', 'sample', 'test_step',
);

/** Names of the project's own functions that export, evaluate or predict rather than train. */
const INFERENCE_NAME = /export|predict|infer|eval|test|valid|generat|sampl|benchmark|score|plot|visuali[sz]|serve|embed/i;

const EVAL_DATA = /(?:^|[^a-z])(?:test|val|valid|validation|eval|dev|holdout)(?:[^a-z]|$)|^(?:test|val|valid|validation|eval|dev)/i;

const ML_ROOTS = new Set<string>([
  ...TRAINING_LIBRARIES, 'torchvision', 'torchaudio', 'torchtext', 'diffusers', 'keras_nlp', 'keras_cv', 'scikeras', 'imblearn',
  'statsmodels', 'gensim', 'spacy', 'haiku', 'equinox', 'bitsandbytes', 'torch_optimizer', 'apex', 'umap',
]);

const ML_LIBRARY = new RegExp(`^(?:${[...TRAINING_LIBRARIES, 'torchvision', 'torchaudio', 'torchtext', 'diffusers', 'keras_nlp', 'keras_cv', 'scikeras', 'imblearn', 'statsmodels', 'gensim', 'spacy', 'haiku', 'equinox'].join('|')})\\.`);

/** The hyperparameter specification of a call, or undefined when none of its arguments is one. */
function specFor(call: CallSite): { spec: ParamSpec; name: string } | undefined {
  const q = call.callee;
  const method = methodName(call);
  const display = displayCallee(call);
  if (q !== undefined) {
    // Most resolved calls are NumPy, matplotlib, the standard library: not one regex for them.
    if (!q.includes('()') && !ML_ROOTS.has(q.slice(0, q.indexOf('.') >>> 0))) return undefined;
    if (CONFIG_OBJECT_CALLEES.has(q)) return undefined;
    let m: RegExpExecArray | null;
    if ((m = /^torch\.optim\.lr_scheduler\.(\w+)$/.exec(q)))
      return { name: q, spec: { positional: TORCH_SCHEDULER_POSITIONAL[m[1]] ?? {}, keywords: '*', deny: NEVER } };
    if (/^torch\.optim\.swa_utils\.SWALR$/.test(q)) return { name: q, spec: { positional: { 1: 'swa_lr' }, keywords: '*', deny: NEVER } };
    if ((/^(?:torch\.optim|timm\.optim|bitsandbytes\.optim|torch_optimizer|apex\.optimizers)\.(?!lr_scheduler|swa_utils)([A-Z]\w*)$/.test(q) || /^transformers(?:\.optimization)?\.(?:AdamW|Adafactor)$/.test(q)) && !/Scheduler|Schedule$/.test(q))
      return { name: q, spec: { positional: { 1: 'lr' }, keywords: '*', deny: NEVER } };
    if (/^torch\.utils\.data(?:\.dataloader)?\.DataLoader$/.test(q)) return { name: q, spec: { positional: { 1: 'batch_size' }, keywords: set('batch_size') } };
    if ((m = /^torch\.nn\.(?:modules\.(?:\w+\.)?)?([A-Z]\w*)$/.exec(q))) {
      if (DROPOUT_CLASS.test(m[1])) return { name: q, spec: { positional: { 0: 'p' }, keywords: set('p'), rename: { p: 'dropout' } } };
      return { name: q, spec: { keywords: LAYER_KEYWORDS } };
    }
    if ((m = /^(?:tensorflow\.keras|tensorflow\.python\.keras|tf_keras|keras)\.optimizers\.(?:legacy\.|experimental\.)?([A-Z]\w*)$/.exec(q)))
      return { name: q, spec: { positional: { 0: 'learning_rate' }, keywords: '*', deny: NEVER } };
    if ((m = /^(?:tensorflow\.keras|tf_keras|keras)\.optimizers\.schedules\.([A-Z]\w*)$/.exec(q)))
      return { name: q, spec: { positional: KERAS_SCHEDULE_POSITIONAL[m[1]] ?? {}, keywords: '*', deny: NEVER } };
    if ((m = /^(?:tensorflow\.keras|tf_keras|keras)\.layers\.([A-Z]\w*)$/.exec(q))) {
      if (DROPOUT_CLASS.test(m[1])) return { name: q, spec: { positional: { 0: 'rate' }, keywords: set('rate'), rename: { rate: 'dropout' } } };
      return { name: q, spec: { keywords: LAYER_KEYWORDS } };
    }
    if (/^(?:tensorflow\.keras|tf_keras|keras)\.callbacks\.(?:EarlyStopping|ReduceLROnPlateau)$/.test(q))
      return { name: q, spec: { keywords: set('patience', 'factor', 'min_delta', 'min_lr', 'cooldown') } };
    if ((m = /^optax\.([a-z_]\w*)$/.exec(q))) return { name: q, spec: { positional: OPTAX_POSITIONAL[m[1]] ?? { 0: 'learning_rate' }, keywords: '*', deny: NEVER } };
    if ((m = SKLEARN_ESTIMATOR_MODULES.exec(q)))
      return { name: q, spec: { positional: SKLEARN_POSITIONAL[m[1]] ?? {}, keywords: '*', deny: NEVER } };
    if (/^(?:xgboost|lightgbm|catboost)\.(?:sklearn\.)?(?:XGB|LGBM|CatBoost)\w*(?:Classifier|Regressor|Ranker)$/.test(q))
      return { name: q, spec: { keywords: '*', deny: NEVER } };
    if (/^(?:xgboost|lightgbm)\.(?:train|cv)$/.test(q)) return { name: q, spec: { positional: { 2: 'num_boost_round' }, keywords: set('num_boost_round', 'early_stopping_rounds', 'nfold') } };
    if (/^transformers\.(?:training_args\.)?(?:TrainingArguments|Seq2SeqTrainingArguments|TFTrainingArguments)$|^trl\.\w*Config$/.test(q))
      return { name: q, spec: { keywords: HF_TRAINING_ARGS } };
    if (/^transformers\.(?:optimization\.)?get_\w*schedule\w*$/.test(q))
      return { name: q, spec: { positional: { 1: 'num_warmup_steps', 2: 'num_training_steps' }, keywords: set('num_warmup_steps', 'num_training_steps', 'num_cycles', 'power', 'lr_end') } };
    if (/^(?:lightning|lightning\.pytorch|pytorch_lightning)(?:\.trainer(?:\.trainer)?)?\.Trainer$/.test(q))
      return { name: q, spec: { keywords: LIGHTNING_TRAINER } };
    // A method of a library object (`Sequential(...).fit`) or another ML-library call (scikit-learn's
    // functions are plotting, data and model-selection helpers: their `max_depth` is not the model's).
    if (q.includes('()') || (ML_LIBRARY.test(q) && !q.startsWith('sklearn.'))) {
      if (/Config$|Arguments$/.test(q.split('.').pop() ?? '')) return undefined;
      return { name: display, spec: { keywords: method && INFERENCE_METHODS.has(method) ? withoutBatch(GENERIC) : GENERIC } };
    }
    return undefined;
  }
  // The project's own functions and classes, and methods of local objects.
  const last = method ?? (call.func.type === 'identifier' ? call.func.text : undefined);
  if (!last) return undefined;
  if (CONFIG_CLASS_NAME.test(last)) return undefined;
  if (method === 'fit') return { name: display, spec: { keywords: set('epochs', 'batch_size', 'nb_epoch') } };
  if (method && INFERENCE_METHODS.has(method)) return { name: display, spec: { keywords: withoutBatch(GENERIC) } };
  // `export_onnx(model, batch_size=1)`, `evaluate_model(..., batch_size=256)`: the batch size of an export or an evaluation.
  if (INFERENCE_NAME.test(last)) return { name: display, spec: { keywords: withoutBatch(GENERIC) } };
  return { name: display, spec: { keywords: GENERIC } };
}

/** `torch.optim.SGD`, `model.fit`, `train`: how a message names the callee. */
export function displayCallee(call: CallSite): string {
  if (call.callee !== undefined && !call.callee.includes('()')) return call.callee;
  if (call.func.type === 'attribute') {
    const obj = call.func.childForFieldName('object');
    const method = call.func.childForFieldName('attribute')?.text ?? '';
    const text = obj?.text.replace(/\s+/g, '') ?? '';
    return `${text.length <= 30 && /^[\w.]+$/.test(text) ? text : '(...)'}.${method}`;
  }
  const text = call.func.text.replace(/\s+/g, '');
  return text.length <= 40 ? text : text.slice(0, 37) + '...';
}

function withoutBatch(names: ReadonlySet<string>): ReadonlySet<string> {
  return new Set([...names].filter((n) => !/batch_size/.test(n)));
}

// ---------------------------------------------------------------------------------------
// Literal values.

function numberLiteral(node: Node): NumberLiteral | undefined {
  if (node.type === 'integer' || node.type === 'float') {
    const text = node.text.replace(/_/g, '');
    if (/[jJ]$/.test(text)) return undefined;
    const value = Number(text);
    return Number.isFinite(value) ? { value, float: node.type === 'float' } : undefined;
  }
  if (node.type === 'unary_operator') {
    const operand = node.childForFieldName('argument');
    const op = node.childForFieldName('operator')?.text ?? node.text.trimStart()[0];
    const inner = operand ? numberLiteral(operand) : undefined;
    if (!inner) return undefined;
    if (op === '-') return { value: -inner.value, float: inner.float };
    if (op === '+') return inner;
    return undefined;
  }
  return undefined;
}

/** A number, or a non-empty tuple/list of numbers. */
export function literalValue(node: Node): HyperparameterValue | undefined {
  const n = numberLiteral(node);
  if (n) return { kind: 'number', number: n };
  if (node.type === 'tuple' || node.type === 'list') {
    const items: NumberLiteral[] = [];
    for (const c of node.namedChildren) {
      if (!c || c.type === 'comment') continue;
      const v = numberLiteral(c);
      if (!v) return undefined;
      items.push(v);
    }
    return items.length ? { kind: 'sequence', items, tuple: node.type === 'tuple' } : undefined;
  }
  if (node.type === 'parenthesized_expression') {
    const inner = node.namedChildren.filter((c) => c && c.type !== 'comment');
    return inner.length === 1 && inner[0] ? literalValue(inner[0]) : undefined;
  }
  return undefined;
}

export function formatValue(v: HyperparameterValue): string {
  const one = (n: NumberLiteral) => (n.float && Number.isInteger(n.value) && Math.abs(n.value) < 1e16 ? `${n.value}.0` : String(n.value));
  if (v.kind === 'number') return one(v.number);
  const inner = v.items.map(one).join(', ');
  return v.tuple ? `(${inner}${v.items.length === 1 ? ',' : ''})` : `[${inner}]`;
}

/** `EPOCHS` -> `epochs`, `numEpochs` -> `num_epochs`. */
export function keyFromName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/^_+|_+$/g, '') || 'value';
}

// ---------------------------------------------------------------------------------------
// The analysis.

interface Candidate {
  param: string;
  arg: Node;
  call: CallSite;
  callee: string;
}

function candidatesOf(call: CallSite): Candidate[] {
  const found = specFor(call);
  if (!found) return [];
  const { spec, name } = found;
  // A DataLoader (or any call) over test/validation data, or assigned to such a name, only evaluates.
  if (isEvaluationCall(call)) {
    return collect(call, { ...spec, keywords: spec.keywords === '*' ? '*' : withoutBatch(spec.keywords), positional: dropBatch(spec.positional) }, name);
  }
  return collect(call, spec, name);
}

function dropBatch(p: Record<number, string> | undefined): Record<number, string> | undefined {
  if (!p) return p;
  const out: Record<number, string> = {};
  for (const [k, v] of Object.entries(p)) if (!/batch_size/.test(v)) out[Number(k)] = v;
  return out;
}

/** A cheap look at the argument text before the arguments are walked (most calls pass no hyperparameter). */
function mayPassAny(call: CallSite, spec: ParamSpec): boolean {
  if (spec.keywords === '*' || spec.positional) return true;
  const text = call.argumentList?.text ?? '';
  if (!text.includes('=')) return false;
  for (const name of spec.keywords) if (text.includes(name)) return true;
  return false;
}

function collect(call: CallSite, spec: ParamSpec, callee: string): Candidate[] {
  if (!mayPassAny(call, spec)) return [];
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const [index, param] of Object.entries(spec.positional ?? {})) {
    const arg = call.positional[Number(index)];
    // A `*args` before this position shifts it: the name is unknown.
    if (!arg || argumentListHasSplatBefore(call, arg)) continue;
    if (NEVER.has(param)) continue;
    out.push({ param, arg, call, callee });
    seen.add(param);
  }
  for (const kw of call.keywordNames) {
    if (seen.has(kw)) continue;
    const allowed = spec.keywords === '*' ? !(spec.deny ?? NEVER).has(kw) && !NEVER.has(kw) : spec.keywords.has(kw);
    if (!allowed) continue;
    const arg = call.keyword(kw);
    if (arg) out.push({ param: kw, arg, call, callee });
  }
  return out.map((c) => ({ ...c, param: spec.rename?.[c.param] ?? c.param }));
}

function argumentListHasSplatBefore(call: CallSite, arg: Node): boolean {
  for (const c of call.argumentList?.namedChildren ?? []) {
    if (!c) continue;
    if (c.startIndex >= arg.startIndex) return false;
    if (c.type === 'list_splat') return true;
  }
  return false;
}

function isEvaluationCall(call: CallSite): boolean {
  const first = call.positional[0] ?? call.keyword('dataset');
  if (first && EVAL_DATA.test(first.text)) return true;
  // `test_loader = DataLoader(...)`
  const parent = call.node.parent;
  if (parent?.type === 'assignment') {
    const left = parent.childForFieldName('left');
    if (left && EVAL_DATA.test(left.text)) return true;
  }
  return false;
}

/** The literal a hyperparameter argument is, directly or through a name bound once to it. */
function resolveLiteral(
  module: PythonModule,
  arg: Node,
  scope: Scope,
): { node: Node; value: HyperparameterValue; constant?: { name: string; scope: Scope } } | undefined {
  const direct = literalValue(arg);
  if (direct) return { node: arg, value: direct };
  if (arg.type !== 'identifier') return undefined;
  const bindings = module.lookup(arg.text, scope);
  if (bindings?.length !== 1) return undefined;
  const b = bindings[0];
  if (b.kind !== 'assign' || !b.value) return undefined;
  // `a = b = 3` and annotated assignments keep `value`; class attributes are a config object's fields.
  if (b.scope.kind === 'class') return undefined;
  const value = literalValue(b.value);
  return value ? { node: b.value, value, constant: { name: b.name, scope: b.scope } } : undefined;
}

const PLOTTING = ['matplotlib', 'plotly', 'seaborn', 'bokeh', 'altair'];

/** Estimators that project data to a few dimensions, as done to draw it. */
const PROJECTION =
  /^(?:sklearn\.(?:manifold\.\w+|decomposition\.(?:PCA|IncrementalPCA|KernelPCA|TruncatedSVD|SparsePCA|MiniBatchSparsePCA|FactorAnalysis|FastICA)|discriminant_analysis\.LinearDiscriminantAnalysis|neighbors\.NeighborhoodComponentsAnalysis|random_projection\.\w+|cross_decomposition\.(?:CCA|PLSCanonical|PLSSVD))|umap\.UMAP|umap\.umap_\.UMAP)$/;

/**
 * `n_components=2` (or 3) of a projection in a file that plots: the size of the picture,
 * not a tuned setting. Not when a model follows it in a pipeline (`make_pipeline(PCA(2),
 * LinearRegression())`: there it is the model's hyperparameter).
 */
function isPlottedProjection(module: PythonModule, call: CallSite, param: string, value: HyperparameterValue): boolean {
  if (param !== 'n_components' || value.kind !== 'number' || ![2, 3].includes(value.number.value)) return false;
  if (!call.callee || !PROJECTION.test(call.callee)) return false;
  let node: Node = call.node;
  // `("pca", PCA(2))` inside `Pipeline([...])`: look at the step, not the tuple.
  if (node.parent?.type === 'tuple') node = node.parent;
  const container = node.parent?.type === 'list' ? node.parent : node.parent;
  const args = container?.type === 'argument_list' || container?.type === 'list' ? container : undefined;
  const owner = args?.type === 'list' ? args.parent?.parent : args?.parent;
  const site = owner?.type === 'call' ? module.callSiteOf(owner) : undefined;
  if (site?.callee && /^sklearn\.pipeline\.(?:make_pipeline|Pipeline|make_union|FeatureUnion)$/.test(site.callee)) {
    const steps = args!.namedChildren.filter((c) => c && c.type !== 'comment' && c.type !== 'keyword_argument');
    return steps[steps.length - 1]?.startIndex === node.startIndex;
  }
  return true;
}

/** Loop variables of epoch/step loops; a loop over `max_iter` or `alpha` is a sweep, not training length. */
const LOOP_VARIABLE = /^(?:_\w*|i|j|t|n|e|ep|it|iter|iters|iteration\w*|\w*epoch\w*|\w*step\w*|rounds?|\w*_round|r|k|episode\w*|\w*_iter|update\w*)$/i;

const LOOP_TRAINING_LOCAL = /^(?:train|fit)(?:_|$)|_train$|^run_epoch$|^train\w*epoch/i;

/** Whether the loop body trains (steps an optimizer, back-propagates, fits incrementally, calls a train* helper). */
function loopTrains(module: PythonModule, body: Node, kerasFile: boolean): Node | undefined {
  for (const call of module.calls) {
    if (call.node.startIndex < body.startIndex || call.end > body.endIndex) continue;
    const method = methodName(call);
    if (method && onObject(call)) {
      if (['backward', 'partial_fit', 'train_on_batch', 'apply_gradients'].includes(method)) return call.node;
      if (method === 'fit' && kerasFile) return call.node;
      if (method === 'step') {
        const obj = receiver(call);
        const name = obj?.type === 'attribute' ? obj.childForFieldName('attribute')?.text : obj?.text;
        if (name && OPTIMIZER_NAME.test(name)) return call.node;
      }
    }
    if (call.callee === 'optax.apply_updates') return call.node;
    if (call.callee === undefined && call.func.type === 'identifier' && LOOP_TRAINING_LOCAL.test(call.func.text)) return call.node;
  }
  return undefined;
}

function loopKey(variable: Node | null): string {
  const name = variable?.type === 'identifier' ? variable.text : '';
  if (/epoch|^ep$|^e$/i.test(name)) return 'epochs';
  if (/step/i.test(name)) return 'steps';
  return /iter|^it$/i.test(name) ? 'iterations' : 'epochs';
}

const analysisCache = new WeakMap<PythonModule, HyperparameterLiteral[]>();

/**
 * The literal hyperparameters of a training file, in document order, each reported once
 * (a constant passed several times is one entry with several uses). Empty for files that
 * are not training code.
 */
export function findHyperparameters(module: PythonModule, file: string): HyperparameterLiteral[] {
  const cached = analysisCache.get(module);
  if (cached) return cached;
  const out: HyperparameterLiteral[] = [];
  analysisCache.set(module, out);
  if (isTestFile(file) || !trainingEvidence(module)) return out;
  const byNode = new Map<number, HyperparameterLiteral & { uses: Node[] }>();
  const add = (h: HyperparameterLiteral & { uses: Node[] }) => {
    const existing = byNode.get(h.node.startIndex);
    if (existing) {
      for (const u of h.uses) if (!existing.uses.some((e) => e.startIndex === u.startIndex)) existing.uses.push(u);
      return;
    }
    byNode.set(h.node.startIndex, h);
  };
  const plots = PLOTTING.some((lib) => module.importsModule(lib));
  for (const call of module.calls) {
    // Defaults in signatures are not calls; a call inside a default (`def f(opt=SGD(lr=0.1))`) is unusual: skip it.
    if (inParameterDefault(call)) continue;
    for (const c of candidatesOf(call)) {
      const lit = resolveLiteral(module, c.arg, call.scope);
      if (!lit) continue;
      if (plots && isPlottedProjection(module, call, c.param, lit.value)) continue;
      const constant = lit.constant;
      add({
        node: lit.node,
        value: lit.value,
        key: constant ? keyFromName(constant.name) : c.param,
        param: c.param,
        kind: constant ? 'constant' : 'argument',
        callee: c.callee,
        call,
        uses: constant ? [c.arg] : [],
        scope: constant ? constant.scope : call.scope,
      });
    }
  }
  const kerasFile = module.importsModule('keras') || module.importsModule('tensorflow') || module.importsModule('tf_keras');
  const loops = module.source.includes('range(') ? module.nodesOfType('for_statement') : [];
  const trainingLoops: Node[] = [];
  for (const loop of loops) {
    if (!loop) continue;
    const right = loop.childForFieldName('right');
    const body = loop.childForFieldName('body');
    if (right?.type !== 'call' || !body) continue;
    const site = module.callSiteOf(right);
    if (site?.callee !== 'builtins.range' || site.keywordNames.length || site.hasSplat) continue;
    if (trainingLoops.some((outer) => outer.startIndex <= loop.startIndex && loop.endIndex <= outer.endIndex)) continue;
    const variable = loop.childForFieldName('left');
    if (variable?.type !== 'identifier' || !LOOP_VARIABLE.test(variable.text) || /^(?:max_iter|n_iter)$/.test(variable.text)) continue;
    if (!loopTrains(module, body, kerasFile)) continue;
    const args = site.positional;
    let stopArg: Node | undefined;
    let offset = 0;
    if (args.length === 1) stopArg = args[0];
    else if (args.length === 2) {
      const start = numberLiteral(args[0]);
      if (!start || start.float || (start.value !== 0 && start.value !== 1)) continue;
      offset = start.value;
      stopArg = args[1];
    } else continue;
    trainingLoops.push(loop);
    const lit = resolveLiteral(module, stopArg, site.scope);
    if (!lit || lit.value.kind !== 'number' || lit.value.number.float) continue;
    const count = lit.value.number.value - offset;
    if (count <= 0) continue;
    const key = lit.constant ? keyFromName(lit.constant.name) : loopKey(loop.childForFieldName('left'));
    add({
      node: lit.node,
      // The config holds the count; `range(1, 51)` becomes `range(1, config["epochs"] + 1)`.
      value: lit.constant || !offset ? lit.value : { kind: 'number', number: { value: count, float: false } },
      key,
      param: loopKey(loop.childForFieldName('left')),
      kind: lit.constant ? 'constant' : 'loop',
      callee: 'range',
      call: site,
      uses: lit.constant ? [stopArg] : [],
      scope: lit.constant ? lit.constant.scope : site.scope,
      offset: lit.constant || !offset ? undefined : offset,
    });
  }
  out.push(...[...byNode.values()].sort((a, b) => a.node.startIndex - b.node.startIndex));
  return out;
}

/**
 * Where a function's body starts, counted from the function's start: scopes move on to
 * later versions of an edited module, shifted with the text before them, and this stays.
 */
const bodyOffsets = new WeakMap<Scope, number>();

/** A call in a parameter default (`def f(opt=SGD(lr=0.1))`): in the function's scope, before its body. */
function inParameterDefault(call: CallSite): boolean {
  const scope = call.scope;
  if (scope.kind !== 'function' && scope.kind !== 'lambda') return false;
  let body = bodyOffsets.get(scope);
  if (body === undefined) {
    body = (scope.node?.childForFieldName('body')?.startIndex ?? scope.start) - scope.start;
    bodyOffsets.set(scope, body);
  }
  return call.node.startIndex < scope.start + body;
}

/** The innermost function definition around a node, or undefined at module level. */
export function enclosingFunction(node: Node): Node | undefined {
  for (let p = node.parent; p; p = p.parent) if (p.type === 'function_definition') return p;
  return undefined;
}
