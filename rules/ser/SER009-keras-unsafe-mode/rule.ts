import type { Fix } from '../../../protocol/findings';
import { nodeRange } from '../../../server/src/engine/lint';
import { defineRule } from '../../../server/src/engine/rule';

/** Loaders with a `safe_mode` parameter, and its position. (`tf.keras` is Keras under TensorFlow; `tf_keras` is Keras 2 packaged apart.) */
const LOADERS: Record<string, number> = {};
for (const root of ['keras', 'tensorflow.keras', 'tf_keras']) {
  LOADERS[`${root}.models.load_model`] = 3;
  LOADERS[`${root}.saving.load_model`] = 3;
  LOADERS[`${root}.saving.deserialize_keras_object`] = 2;
}

const UNSAFE_SWITCHES = ['keras.config.enable_unsafe_deserialization', 'tensorflow.keras.config.enable_unsafe_deserialization'];

export default defineRule({
  target: 'python',
  requires: ['keras', 'tensorflow', 'tf_keras'],
  meta: {
    id: 'SER009',
    name: 'keras-unsafe-mode',
    family: 'SER',
    severity: 'error',
    practice: 'P1',
    languages: ['python'],
    summary: 'Keras load_model(safe_mode=False) or enable_unsafe_deserialization() lets a model file run Python code.',
    provenance: ['Semgrep trailofbits.python.pickles-in-keras.pickles-in-keras'],
    fix: 'unsafe',
    docs: {
      what:
        'Finds Keras loads with `safe_mode=False` (literal, constant, or a parameter default passed along; by keyword or position): `keras.models.load_model`, `keras.saving.load_model` and `keras.saving.deserialize_keras_object`, the same under `tf.keras` and `tf_keras`; and calls to `keras.config.enable_unsafe_deserialization()`, which turns safe mode off for the whole process. Legacy `.h5` loading is not covered.',
      why:
        'Safe mode is what stops a `.keras` file from deserializing `Lambda` layers, whose bytecode runs when the model is loaded: with it off, a model file is a program. A model that needs a `Lambda` to load should be rewritten with a registered custom layer (`@keras.saving.register_keras_serializable`) or exported (ONNX, SavedModel for serving) so the serving side never executes code from the file.',
      example: 'import keras\n\nmodel = keras.models.load_model("model.keras", safe_mode=False)\n',
      useInstead:
        'import keras\n\n# Custom layers are registered in code, not shipped as bytecode in the file.\nmodel = keras.models.load_model("model.keras", custom_objects={"Scale": Scale})\n',
      references: [
        'https://keras.io/api/models/model_saving_apis/model_saving_and_loading/',
        'https://keras.io/api/models/model_saving_apis/serialization_utils/',
      ],
    },
  },
  check(ctx) {
    const m = ctx.module;
    for (const call of m.callsTo(...Object.keys(LOADERS))) {
      const given = call.argument(LOADERS[call.callee!], 'safe_mode');
      const r = m.constantOrDefault(given, call.scope);
      if (!given || r?.value.kind !== 'bool' || r.value.value) continue;
      const how = r.fromDefault
        ? `safe_mode=${given.text} (a parameter whose default is False, line ${r.fromDefault.node.startPosition.row + 1})`
        : given.type === 'false'
          ? 'safe_mode=False'
          : `safe_mode=${given.text} (which is False)`;
      const fixes: Fix[] =
        given.type === 'false'
          ? [{ title: 'Use safe_mode=True (models with Lambda layers then fail to load)', safety: 'unsafe', edits: [{ range: nodeRange(given), newText: 'True' }] }]
          : [];
      ctx.reportNode(
        call.node,
        `${call.callee} with ${how} deserializes Lambda layers, running Python bytecode stored in the model; keep safe_mode=True and register custom layers in code (or export the model to ONNX)`,
        { fixes },
      );
    }
    for (const call of m.callsTo(...UNSAFE_SWITCHES)) {
      ctx.reportNode(
        call.node,
        `${call.callee}() turns Keras safe mode off for every later load in the process, so any model file can run Python bytecode through Lambda layers; remove it and register custom layers in code`,
      );
    }
  },
});
