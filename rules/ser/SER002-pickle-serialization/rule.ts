import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { defineRule } from '../../../server/src/engine/rule';
import { specAllowsBelow } from '../../../server/src/engine/project';
import type { CallSite, PythonModule } from '../../../server/src/engine/python/module';

/** Writers whose output is a pickle (`cPickle`/`_pickle` resolve to `pickle`). */
const WRITERS: Record<string, string> = {
  'pickle.dump': 'pickle.dump',
  'pickle.dumps': 'pickle.dumps',
  'pickle.Pickler': 'pickle.Pickler',
  'pickle5.dump': 'pickle5.dump',
  'pickle5.dumps': 'pickle5.dumps',
  'pickle5.Pickler': 'pickle5.Pickler',
  'cloudpickle.dump': 'cloudpickle.dump',
  'cloudpickle.dumps': 'cloudpickle.dumps',
  'cloudpickle.Pickler': 'cloudpickle.Pickler',
  'cloudpickle.CloudPickler': 'cloudpickle.CloudPickler',
  'dill.dump': 'dill.dump',
  'dill.dumps': 'dill.dumps',
  'dill.Pickler': 'dill.Pickler',
  'dill.dump_session': 'dill.dump_session (pickles the whole interpreter session)',
  'dill.dump_module': 'dill.dump_module (pickles a whole module)',
};

/**
 * MLflow flavors that store the model as a pickle. scikit-learn: `serialization_format`
 * is "cloudpickle" (the default through MLflow 2.x) or "pickle"; newer MLflow also offers
 * "skops", which is not a pickle. PyTorch: `torch.save` of the whole module, with
 * `pickle_module` (cloudpickle by default).
 */
const MLFLOW: Record<string, 'sklearn' | 'pytorch'> = {
  'mlflow.sklearn.save_model': 'sklearn',
  'mlflow.sklearn.log_model': 'sklearn',
  'mlflow.pytorch.save_model': 'pytorch',
  'mlflow.pytorch.log_model': 'pytorch',
};

/** The MLflow release line whose defaults we are sure of: pickled models in every 2.x flavor. */
const MLFLOW_KNOWN_BELOW = '3.0';

export default defineRule({
  target: 'python',
  requires: ['pickle', 'cPickle', 'cloudpickle', 'dill', 'pickle5', 'mlflow'],
  meta: {
    id: 'SER002',
    name: 'pickle-serialization',
    family: 'SER',
    severity: 'warning',
    practice: 'P1',
    languages: ['python'],
    summary: 'Writing a pickle (pickle, cloudpickle, dill, MLflow pickle flavors) creates a file that runs code when loaded.',
    provenance: [
      'Semgrep python.lang.security.deserialization.pickle.avoid-pickle',
      'Semgrep python.lang.security.deserialization.pickle.avoid-cPickle',
      'Semgrep python.lang.security.deserialization.pickle.avoid-dill',
    ],
    fix: 'none',
    docs: {
      what:
        'Finds calls that write pickles: `pickle.dump`/`dumps`/`Pickler` (also through `cPickle`, `_pickle`, `pickle5` and aliases), the same in `cloudpickle` and `dill` (plus `dill.dump_session`/`dump_module`), and MLflow flavors that pickle the model: `mlflow.sklearn.save_model`/`log_model` with `serialization_format` "pickle" or "cloudpickle", and `mlflow.pytorch.save_model`/`log_model`. Where the format is MLflow\'s default, the call is reported only when the project declares an MLflow version below 3.0 (whose defaults are known to pickle); `serialization_format="skops"` is never reported. Loading pickles is SER001; joblib is SER003; `torch.save` is SER004; pandas is SER007.',
      why:
        'A pickle is a program: whoever loads the file runs the imports and calls it names, so a model file that travels (a registry, a shared drive, a download) becomes a way to run code on the machine that loads it. The file is also tied to the Python version, the library versions and the exact class layout that wrote it, so it breaks when the code moves on and cannot be served from another language. Production models are exported to a format that holds data only.',
      example: 'import pickle\n\nwith open("model.pkl", "wb") as f:\n    pickle.dump(model, f)\n',
      useInstead:
        'import torch\nfrom safetensors.torch import save_file\n\n# A graph any runtime can serve, with no code inside:\ntorch.onnx.export(model, example_input, "model.onnx")\n\n# Raw tensors: safetensors holds data only.\nsave_file(model.state_dict(), "model.safetensors")\n',
      references: [
        'https://docs.python.org/3/library/pickle.html',
        'https://onnx.ai',
        'https://huggingface.co/docs/safetensors',
        'https://mlflow.org/docs/latest/python_api/mlflow.sklearn.html',
      ],
    },
  },
  check(ctx) {
    const m = ctx.module;
    for (const call of m.callsTo(...Object.keys(WRITERS))) {
      const what = WRITERS[call.callee!];
      ctx.reportNode(
        call.node,
        `${what} writes a pickle, which runs code from the file when it is loaded and ties the model to this Python and library version; export models to ONNX (or tensors to safetensors) instead`,
      );
    }
    for (const call of m.callsTo(...Object.keys(MLFLOW))) {
      const flavor = MLFLOW[call.callee!];
      const reason = mlflowPickles(ctx.module, call, flavor, ctx.project.declared('mlflow'), ctx.path);
      if (!reason) continue;
      const instead =
        flavor === 'sklearn'
          ? 'convert with skl2onnx and log it with mlflow.onnx.log_model (or pass serialization_format="skops" where your MLflow supports it)'
          : 'export with torch.onnx.export and log it with mlflow.onnx.log_model (or log the state_dict as safetensors)';
      ctx.reportNode(call.node, `${call.callee} stores the model as a pickle (${reason}), which runs code when the model is loaded; ${instead}`);
    }
  },
});

/** Why an MLflow save pickles the model, or undefined when it does not or we cannot tell. */
function mlflowPickles(
  m: PythonModule,
  call: CallSite,
  flavor: 'sklearn' | 'pytorch',
  declared: { spec: string; locked: boolean; source: string } | undefined,
  file: string,
): string | undefined {
  if (flavor === 'sklearn') {
    const fmt = call.keyword('serialization_format');
    if (fmt) {
      const format = serializationFormat(m, fmt, call);
      if (format === 'pickle' || format === 'cloudpickle') return `serialization_format="${format}"`;
      return undefined; // skops, or a value we cannot read
    }
  }
  if (call.hasKeywordSplat) return undefined; // the format may come from **kwargs
  if (!declared || specAllowsBelow(declared.spec, MLFLOW_KNOWN_BELOW, declared.locked) !== true) return undefined;
  const format = flavor === 'sklearn' ? "MLflow 2.x's default serialization_format is cloudpickle" : 'MLflow pickles the whole module with torch.save';
  const where = path.relative(path.dirname(file), declared.source).split(path.sep).join('/');
  return `${format}, and ${where} declares mlflow${declared.locked ? ' ' : ''}${declared.spec}`;
}

/** The serialization format named by a literal, a constant or `mlflow.sklearn.SERIALIZATION_FORMAT_*`. */
function serializationFormat(m: PythonModule, node: Node, call: CallSite): string | undefined {
  const constant = m.constantValue(node, call.scope);
  if (constant?.kind === 'string') return constant.value;
  const qualified = m.resolveExpression(node, call.scope);
  const match = /^mlflow\.sklearn\.SERIALIZATION_FORMAT_([A-Z]+)$/.exec(qualified ?? '');
  return match ? match[1].toLowerCase() : undefined;
}
