import type { Node } from 'web-tree-sitter';
import type { RelatedLocation } from '../../../protocol/findings';
import { nodeRange } from '../../../server/src/engine/lint';
import { defineRule } from '../../../server/src/engine/rule';
import { findConfigLoads } from '../../../server/src/engine/config-files';
import { findHyperparameters, isTestFile, trainingEvidence, TRAINING_LIBRARIES } from '../../../server/src/engine/python/hyperparameters';
import type { CallSite, PythonModule } from '../../../server/src/engine/python/module';

/** Library calls that write a model or checkpoint. */
const MODEL_WRITERS =
  /^(?:torch\.(?:save|jit\.save|onnx\.export|onnx\.dynamo_export|export\.save)|joblib\.dump|skops\.io\.dump|safetensors\.(?:torch|numpy|flax|tensorflow)\.save_(?:file|model)|tensorflow\.saved_model\.save|(?:tensorflow\.keras|tf_keras|keras)\.(?:models\.|saving\.)?save_model|onnx\.(?:save|save_model)|mlflow\.\w+\.(?:save_model|log_model)|xgboost\.\w+\.save_model|lightgbm\.\w+\.save_model)$/;

/** Methods that write a model, on any object. */
const MODEL_WRITE_METHODS = new Set(['save_pretrained', 'save_model', 'save_weights', 'save_checkpoint', 'to_onnx', 'export_model']);

const MODEL_RECEIVER = /(?:^|_)(?:model|net|network|clf|classifier|regressor|estimator|pipeline|pipe|booster|learner|gbm|bst|xgb|lgbm|forest|svm|svc)s?\d*$/i;
const MODEL_FILE = /\.(?:h5|hdf5|keras|pt|pth|ckpt|bin|safetensors|onnx|joblib|pkl|pickle|model|ubj|cbm|skops)\b|model/i;

/** Library calls that save or log the parameters of a run. */
const CONFIG_WRITERS =
  /^(?:yaml\.(?:dump|safe_dump|dump_all|safe_dump_all)|json\.dumps?|omegaconf\.OmegaConf\.save|mlflow\.(?:log_param|log_params|log_dict|log_artifact|log_artifacts|log_text|autolog|\w+\.autolog|set_tags)|wandb\.(?:init|config\.update|log_artifact)|toml\.dump|tomli_w\.dump|comet_ml\.\w+|neptune\.\w+|clearml\.Task\.init|sacred\.Experiment|transformers\.(?:training_args\.)?(?:TrainingArguments|Seq2SeqTrainingArguments)|trl\.\w*Config|dvclive\.Live|aim\.Run|lightning\.\w*\.?loggers\.\w+|pytorch_lightning\.loggers\.\w+|lightning\.pytorch\.loggers\.\w+|hydra\.main|hydra\.compose|(?:torch\.utils\.tensorboard|tensorboardX)\.SummaryWriter\(\)\.add_hparams|shutil\.copy\w*)$/;

/** Methods that save or log parameters: `writer.add_hparams`, `self.save_hyperparameters()`, `experiment.log_parameters`. */
const CONFIG_WRITE_METHODS = new Set(['add_hparams', 'save_hyperparameters', 'log_parameters', 'log_params', 'log_hyperparams', 'log_param', 'save_config', 'to_yaml', 'to_json_file', 'dump_config']);

/** Names of helpers that write a config or the run's parameters. */
const CONFIG_HELPER = /^(?:(?:yaml|json|config|cfg|conf|hparams?|hyp|opt|args|params|hyperparameters|settings)_?(?:save|dump|write|log)|(?:save|dump|write|log)_?(?:yaml|json|config|cfg|conf|hparams?|hyp|opt|args|params|hyperparameters|settings|run_config))$/i;

/** Keys of a checkpoint dict that carry the run's configuration. */
const CONFIG_KEY = /^(?:config|cfg|conf|args|hparams|hyper_parameters|hyperparameters|params|opt|options|settings|train_config|training_args)$/i;

function methodOf(call: CallSite): { method: string; receiver: Node | null } | undefined {
  if (call.func.type !== 'attribute') return undefined;
  return { method: call.func.childForFieldName('attribute')?.text ?? '', receiver: call.func.childForFieldName('object') };
}

function receiverName(n: Node | null): string {
  if (!n) return '';
  if (n.type === 'attribute') return n.childForFieldName('attribute')?.text ?? '';
  return n.text;
}

/** A call that writes a model, and how to name it. */
function modelSave(m: PythonModule, call: CallSite): string | undefined {
  const q = call.callee;
  if (q && !q.includes('()') && MODEL_WRITERS.test(q)) return q;
  if (q === 'pickle.dump' || q === 'cloudpickle.dump' || q === 'dill.dump') {
    const obj = call.positional[0];
    if (obj && MODEL_RECEIVER.test(receiverName(obj))) return q;
    return undefined;
  }
  const mo = methodOf(call);
  if (!mo || (q !== undefined && !q.includes('()'))) return undefined;
  const name = receiverName(mo.receiver);
  if (MODEL_WRITE_METHODS.has(mo.method)) {
    // `tokenizer.save_pretrained` alone is not a model; `trainer.save_model()` is.
    if (/tokenizer|processor|feature_extractor/i.test(name)) return undefined;
    return `${name || '(...)'}.${mo.method}`;
  }
  if (mo.method === 'save') {
    const arg = call.positional[0];
    const argText = arg ? m.constantValue(arg)?.kind === 'string' ? (m.constantValue(arg) as { value: string }).value : arg.text : '';
    if (MODEL_RECEIVER.test(name) || MODEL_FILE.test(argText)) return `${name || '(...)'}.save`;
  }
  return undefined;
}

/** Whether the checkpoint a `torch.save` writes carries a config entry: `{"model": ..., "config": cfg}`. */
function checkpointCarriesConfig(m: PythonModule, call: CallSite): boolean {
  let obj = call.argument(0, 'obj');
  if (obj?.type === 'identifier') {
    const b = m.reachingBinding(obj, call.scope);
    obj = b?.kind === 'assign' ? b.value : obj;
  }
  if (obj?.type === 'call' && m.callSiteOf(obj)?.callee === 'builtins.dict') return m.callSiteOf(obj)!.keywordNames.some((k) => CONFIG_KEY.test(k));
  if (obj?.type !== 'dictionary') return false;
  return obj.namedChildren.some((p) => {
    if (p?.type !== 'pair') return false;
    const key = m.constantValue(p.childForFieldName('key') ?? undefined);
    return key?.kind === 'string' && CONFIG_KEY.test(key.value);
  });
}

/** The first call that saves the run's parameters, if any. */
function configSave(m: PythonModule): Node | undefined {
  for (const call of m.calls) {
    const q = call.callee;
    if (q && CONFIG_WRITERS.test(q)) {
      // `wandb.init()` without `config=` saves no parameters.
      if (q === 'wandb.init' && !call.keyword('config')) continue;
      if (q.startsWith('shutil.copy') && !/config|cfg|conf|ya?ml|json|hparams|params|args/i.test(call.argumentList?.text ?? '')) continue;
      return call.node;
    }
    const mo = methodOf(call);
    if (mo && CONFIG_WRITE_METHODS.has(mo.method) && (q === undefined || q.includes('()'))) return call.node;
    // The project's own helpers: `yaml_save(save_dir / "opt.yaml", vars(opt))`, `save_config(cfg, out)`.
    const name = call.func.type === 'identifier' ? call.func.text : mo?.method;
    if (name && (q === undefined || !q.startsWith('builtins.')) && CONFIG_HELPER.test(name)) return call.node;
    if ((q === 'torch.save' || q === 'torch.serialization.save') && checkpointCarriesConfig(m, call)) return call.node;
  }
  // `wandb.config.lr = ...` or `wandb.config["lr"] = ...`
  if (m.importsModule('wandb') && /\bwandb\.config\b/.test(m.source)) return m.topLevel[0];
  return undefined;
}

/** What parameters the run has, in words, or undefined when it sets none. */
function parametersOf(m: PythonModule, file: string, root: string | undefined): { words: string; node?: Node } | undefined {
  const parts: string[] = [];
  let node: Node | undefined;
  const literals = findHyperparameters(m, file);
  if (literals.length) {
    const names = [...new Set(literals.map((l) => l.param))];
    const shown = names.length > 4 ? `${names.slice(0, 4).join(', ')}, ...` : names.join(', ');
    const n = literals.length;
    parts.push(`its ${n === 1 ? 'literal hyperparameter' : `${n} literal hyperparameters`} (${shown}) ${n === 1 ? 'exists' : 'exist'} only in this script`);
    node = literals[0].node;
  }
  const loads = findConfigLoads(m, file, root);
  if (loads.length) {
    parts.push('the config it loads is not copied next to the model, so a later edit of that file loses what this model was trained with');
    node ??= loads[0].node;
  }
  const cli = m.callsTo('argparse.ArgumentParser')[0] ?? m.calls.find((c) => c.callee && /^(?:click\.option|typer\.Typer|fire\.Fire|absl\.flags\.DEFINE_\w+)$/.test(c.callee));
  if (cli) {
    parts.push(`its command-line ${cli.callee === 'argparse.ArgumentParser' ? 'arguments (argparse)' : 'options'} are recorded nowhere`);
    node ??= cli.node;
  }
  return parts.length ? { words: parts.join(', and '), node } : undefined;
}

export default defineRule({
  target: 'python',
  requires: TRAINING_LIBRARIES,
  meta: {
    id: 'CFG004',
    name: 'model-saved-without-config',
    family: 'CFG',
    severity: 'warning',
    practice: 'P2',
    languages: ['python'],
    summary: 'A training script saves a model but never saves the parameters it was trained with.',
    provenance: ['MLflow / Weights & Biases / Lightning practice: log hyperparameters with every run (`log_params`, `wandb.config`, `save_hyperparameters`)'],
    fix: 'none',
    docs: {
      what:
        'In training code that sets parameters (literal hyperparameters, a loaded config file, argparse or another command-line parser), finds a model being saved (`torch.save`, `torch.onnx.export`, `joblib.dump`, `save_pretrained`, Keras `model.save`, `save_model`, `save_weights`, `mlflow.*.log_model`, ...) when nothing in the file saves the parameters: no YAML/JSON dump, no `OmegaConf.save`, no `mlflow.log_params`/`autolog`, no `wandb.init(config=...)` or `wandb.config`, no TensorBoard `add_hparams`, no Lightning `save_hyperparameters()` or logger, no Hugging Face `TrainingArguments` (the `Trainer` saves them), no Hydra (it saves the composed config), no checkpoint dict with a `config`/`args`/`hparams` entry, and no copy of the config file. Reported once per file, at the first save.',
      why:
        'A model file without the parameters that produced it cannot be reproduced, compared or trusted: "what learning rate, how many epochs, which preprocessing?" has no answer on disk once the script or the config file changes. Saving the parameters next to the model (or logging them with the run) makes every model traceable to its settings.',
      example:
        'import torch\n\nmodel = torch.nn.Linear(10, 1)\noptimizer = torch.optim.SGD(model.parameters(), lr=0.01)\nfor x, y in loader:\n    optimizer.zero_grad()\n    torch.nn.functional.mse_loss(model(x), y).backward()\n    optimizer.step()\ntorch.save(model.state_dict(), "model.pt")\n',
      useInstead:
        'import torch\nimport yaml\n\nconfig = {"lr": 0.01}\nmodel = torch.nn.Linear(10, 1)\noptimizer = torch.optim.SGD(model.parameters(), lr=config["lr"])\nfor x, y in loader:\n    optimizer.zero_grad()\n    torch.nn.functional.mse_loss(model(x), y).backward()\n    optimizer.step()\ntorch.save(model.state_dict(), "model.pt")\nwith open("model.config.yaml", "w") as f:\n    yaml.safe_dump(config, f)\n',
      references: ['https://mlflow.org/docs/latest/tracking.html', 'https://docs.wandb.ai/guides/track/config', 'https://lightning.ai/docs/pytorch/stable/common/checkpointing_basic.html#save-hyperparameters'],
    },
  },
  check(ctx) {
    const m = ctx.module;
    if (isTestFile(ctx.path) || !trainingEvidence(m)) return;
    const saves: Array<{ call: CallSite; what: string }> = [];
    for (const call of m.calls) {
      const what = modelSave(m, call);
      if (what) saves.push({ call, what });
    }
    if (!saves.length || configSave(m)) return;
    const params = parametersOf(m, ctx.path, ctx.project.root);
    if (!params) return;
    const [first, ...rest] = saves;
    const related: RelatedLocation[] = rest.slice(0, 3).map((s) => ({ range: nodeRange(s.call.func), message: `the model is also saved here (${s.what})` }));
    if (params.node) related.push({ range: nodeRange(params.node), message: 'a parameter of this run' });
    ctx.reportNode(
      first.call.func,
      `the model is saved (${first.what}) but the parameters it was trained with are not: ${params.words}; save them next to the model (yaml.safe_dump of the config, mlflow.log_params, wandb.init(config=...), or a "config" entry in the checkpoint)`,
      { related },
    );
  },
});
