import { defineRule } from '../../../server/src/engine/rule';

export default defineRule({
  target: 'python',
  // `sklearn.externals.joblib` resolves to `joblib`, and its text contains "joblib".
  requires: ['joblib'],
  meta: {
    id: 'SER003',
    name: 'joblib-persistence',
    family: 'SER',
    // Writing is a warning (the file is dangerous later); loading runs the file's code
    // now, so each `joblib.load` finding is raised to error, as SER001 is.
    severity: 'warning',
    practice: 'P1',
    languages: ['python'],
    summary: 'joblib.dump/joblib.load persist models as pickles; loading one runs code from the file.',
    fix: 'none',
    docs: {
      what:
        'Finds `joblib.dump` and `joblib.load`, imported directly, through aliases, or through the old `sklearn.externals.joblib`. `joblib.dump` is reported as a warning: it writes a pickle that will run code when loaded. `joblib.load` is reported as an error: it unpickles the file now, like `pickle.load` (SER001). (Per-finding severities win over a configured SER003 severity; set SER003 to "off" to silence both.)',
      why:
        'joblib is pickle with efficient NumPy array storage: a `.joblib` file names Python globals that are imported and called on load, so a model file from elsewhere can run any code, and it only loads with the same scikit-learn and Python versions that wrote it. scikit-learn models can be converted to ONNX with skl2onnx and served by onnxruntime from any language; where a scikit-learn object must round-trip, skops.io stores it without pickle and asks which types to trust on load.',
      example: 'import joblib\n\njoblib.dump(clf, "model.joblib")\nclf = joblib.load("model.joblib")\n',
      useInstead:
        'import onnxruntime as ort\nfrom skl2onnx import to_onnx\n\nonx = to_onnx(clf, X_train[:1].astype("float32"))\nwith open("model.onnx", "wb") as f:\n    f.write(onx.SerializeToString())\n\nsession = ort.InferenceSession("model.onnx")\n\n# Or, to keep a scikit-learn object without pickle:\nimport skops.io as sio\n\nsio.dump(clf, "model.skops")\nclf = sio.load("model.skops", trusted=sio.get_untrusted_types(file="model.skops"))\n',
      references: [
        'https://joblib.readthedocs.io/en/stable/persistence.html',
        'https://scikit-learn.org/stable/model_persistence.html',
        'https://onnx.ai/sklearn-onnx/',
        'https://skops.readthedocs.io/en/stable/persistence.html',
      ],
    },
  },
  check(ctx) {
    for (const call of ctx.module.callsTo('joblib.dump', 'joblib.load')) {
      if (call.callee === 'joblib.dump') {
        ctx.reportNode(
          call.node,
          'joblib.dump writes the model as a pickle, which runs code from the file when it is loaded and only loads with the same library versions; convert scikit-learn models to ONNX with skl2onnx (or use skops.io for a pickle-free scikit-learn file)',
        );
      } else {
        ctx.reportNode(
          call.node,
          'joblib.load unpickles the file, running any code it names; load an ONNX export with onnxruntime instead (or a skops.io file with an explicit list of trusted types)',
          { severity: 'error' },
        );
      }
    }
  },
});
