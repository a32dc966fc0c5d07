import { defineRule } from '../../../server/src/engine/rule';

/** Loaders that unpickle whatever the file says, importing and calling any global. */
const LOADERS: Record<string, string> = {
  'pickle.load': 'pickle.load',
  'pickle.loads': 'pickle.loads',
  'pickle.Unpickler': 'pickle.Unpickler',
  'cloudpickle.load': 'cloudpickle.load',
  'cloudpickle.loads': 'cloudpickle.loads',
  'dill.load': 'dill.load',
  'dill.loads': 'dill.loads',
  'dill.Unpickler': 'dill.Unpickler',
  'shelve.open': 'shelve.open (a shelf stores pickles)',
  'pickle5.load': 'pickle5.load',
  'pickle5.loads': 'pickle5.loads',
  'dill.load_session': 'dill.load_session',
  'dill.load_module': 'dill.load_module',
  'jsonpickle.decode': 'jsonpickle.decode (it rebuilds arbitrary objects)',
  'torch.package.PackageImporter': 'torch.package.PackageImporter (packages hold pickles)',
  'mlflow.sklearn.load_model': 'mlflow.sklearn.load_model (the model is a pickle)',
  'mlflow.pytorch.load_model': 'mlflow.pytorch.load_model (the model is a pickled module)',
  'mlflow.pyfunc.load_model': 'mlflow.pyfunc.load_model (python models are cloudpickles)',
};

export default defineRule({
  target: 'python',
  requires: ['pickle', 'cPickle', 'cloudpickle', 'dill', 'shelve', 'pickle5', 'jsonpickle', 'torch', 'mlflow'],
  meta: {
    id: 'SER001',
    name: 'pickle-deserialization',
    family: 'SER',
    severity: 'error',
    practice: 'P1',
    languages: ['python'],
    summary: 'Loading a pickle (pickle, cloudpickle, dill, shelve) runs code from the file.',
    provenance: ['bandit B301', 'Semgrep python.lang.security.deserialization.avoid-pickle'],
    fix: 'none',
    docs: {
      what: 'Finds calls that unpickle data: `pickle.load`/`loads`/`Unpickler` (also through `cPickle`, `_pickle`, aliases and `from pickle import load`), the same in `cloudpickle` and `dill` (`load_session` too), `shelve.open`, `jsonpickle.decode`, `torch.package.PackageImporter`, and MLflow\'s `sklearn`/`pytorch`/`pyfunc` `load_model`, whose model files are pickles. `torch.load` and `joblib.load` have rules of their own (SER005, SER003).',
      why: 'Unpickling imports and calls whatever globals the file names: a model file downloaded or shared by someone else can run any code on the machine that loads it (`os.system` is one opcode away). Pickles also tie the model to one Python, library and class layout, so they break when the code moves on. Production models belong in a format that holds data only.',
      example: 'import pickle\n\nwith open("model.pkl", "rb") as f:\n    model = pickle.load(f)\n',
      useInstead: 'import onnxruntime as ort\n\n# Export once (torch.onnx.export, skl2onnx, tf2onnx), then load the graph:\nsession = ort.InferenceSession("model.onnx")\n\n# Raw tensors: safetensors holds data only.\nfrom safetensors.numpy import load_file\nweights = load_file("weights.safetensors")\n',
      references: ['https://docs.python.org/3/library/pickle.html', 'https://huggingface.co/docs/safetensors', 'https://onnx.ai'],
    },
  },
  check(ctx) {
    for (const call of ctx.module.callsTo(...Object.keys(LOADERS))) {
      const what = LOADERS[call.callee!];
      ctx.reportNode(
        call.node,
        `${what} runs code from the file while loading it; store models as ONNX (or tensors as safetensors) and load them with a data-only reader`,
      );
    }
  },
});
