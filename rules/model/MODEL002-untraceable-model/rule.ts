import { defineRule } from '../../../server/src/engine/rule';

/** Metadata keys that identify the code revision that exported the model. */
const CODE_KEYS = /(commit|git|revision|\bsha\b|source|repo|code_version|vcs)/i;
/** Metadata keys that identify the configuration / run that trained it. */
const CONFIG_KEYS = /(config|hparam|hyperparam|params|experiment|run_id|\brun\b|mlflow|wandb|training)/i;

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL002',
    name: 'untraceable-model',
    family: 'MODEL',
    severity: 'warning',
    practice: 'P9',
    languages: ['onnx'],
    summary: 'The model metadata does not trace it back to the code revision and the config/run that made it.',
    provenance: ['Model cards (Mitchell et al., 2019)', 'MLflow model signatures and tags'],
    fix: 'none',
    docs: {
      what: 'Looks at the model-level `metadata_props` for a key naming the code revision (`git_commit`, `source_revision`, `repo`...) and one naming the configuration or run (`config`, `hparams`, `experiment`, `run_id`...), and reports each that is missing.',
      why: 'A model file outlives the notebook that made it. Without the commit and the config (or the run id that stores them) in the file, nobody can say which code, data and parameters produced the model now serving traffic, or rebuild it.',
      example: 'torch.onnx.export(model, x, "model.onnx")  # no metadata\n',
      useInstead: 'import onnx\nm = onnx.load("model.onnx")\nonnx.helper.set_model_props(m, {\n    "git_commit": subprocess.check_output(["git", "rev-parse", "HEAD"], text=True).strip(),\n    "training_config": "configs/train.yaml",\n    "run_id": run.info.run_id,\n})\nonnx.save(m, "model.onnx")\n',
      references: ['https://onnx.ai/onnx/api/helper.html#onnx.helper.set_model_props', 'https://arxiv.org/abs/1810.03993'],
    },
  },
  check(ctx) {
    const keys = ctx.model.proto.metadataProps.filter((e) => e.value.trim() !== '').map((e) => e.key);
    const listed = keys.length ? ` (metadata_props has: ${keys.join(', ')})` : ' (metadata_props is empty)';
    if (!keys.some((k) => CODE_KEYS.test(k))) {
      ctx.reportModel(`no metadata entry names the code revision that exported the model, e.g. 'git_commit'${listed}`);
    }
    if (!keys.some((k) => CONFIG_KEYS.test(k))) {
      ctx.reportModel(`no metadata entry names the config or training run that produced the model, e.g. 'training_config' or 'run_id'${listed}`);
    }
  },
});
