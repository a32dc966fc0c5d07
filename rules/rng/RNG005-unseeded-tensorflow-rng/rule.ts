import { defineRule } from '../../../server/src/engine/rule';
import { reportGroups } from '../shared';

export default defineRule({
  target: 'python',
  requires: ['tensorflow', 'keras', 'tf_keras'],
  meta: {
    id: 'RNG005',
    name: 'unseeded-tensorflow-rng',
    family: 'RNG',
    severity: 'warning',
    practice: 'P4',
    languages: ['python'],
    summary: 'TensorFlow/Keras random ops and initializers without seed= run before the global seed is set.',
    provenance: ['dslinter randomness-control-tensorflow', 'Zhang et al., "Code Smells for Machine Learning Applications" (CAIN 2022): Randomness Uncontrolled'],
    fix: 'unsafe',
    docs: {
      what:
        "Finds the first TensorFlow random op without an op seed (`tf.random.uniform`, `normal`, `truncated_normal`, `shuffle`, `categorical`, `gamma`, `poisson`, the candidate samplers, TF1's `tf.random_uniform`/`random_normal`/`random_shuffle`, `tf.image.random_*`, `tf.nn.dropout`, `Dataset...shuffle(buffer)`) and the first Keras random initializer without `seed=` (`GlorotUniform()`, `HeNormal()`, `RandomNormal()`, `VarianceScaling()`, `Orthogonal()`, ... from `tf.keras.initializers` or `keras.initializers`) that runs before the global seed is set (`tf.random.set_seed`, TF1 `set_random_seed`, `keras.utils.set_random_seed`, `transformers.set_seed`), in execution order. An op with `seed=` is repeatable on its own (TensorFlow then uses a default global seed) and is not reported; stateless ops (`tf.random.stateless_*`) and `tf.random.Generator.from_seed` take explicit seeds. Keras initializers also count as seeded when Python's `random` is (Keras 3 draws unseeded initializer seeds from it). One finding per file, at the first unseeded use.",
      why:
        'With neither a global seed nor an op seed, TensorFlow picks a random seed for each op: initial weights, dropout and shuffling differ on every run, so results cannot be repeated. `tf.random.set_seed(SEED)` at the entry point (or `keras.utils.set_random_seed(SEED)`, which also seeds Python and NumPy) makes the whole program repeatable.',
      example: 'import tensorflow as tf\n\nnoise = tf.random.normal([32, 10])\ninit = tf.keras.initializers.GlorotUniform()\n',
      useInstead:
        'import tensorflow as tf\n\nSEED = 0  # from the experiment config\ntf.keras.utils.set_random_seed(SEED)  # Python, NumPy and TensorFlow\n\nnoise = tf.random.normal([32, 10])\ninit = tf.keras.initializers.GlorotUniform()\n',
      references: ['https://www.tensorflow.org/api_docs/python/tf/random/set_seed', 'https://keras.io/api/utils/python_utils/#setrandomseed-function'],
    },
  },
  check(ctx) {
    reportGroups(ctx, ['tensorflow'], () => 'set the global seed at the entry point with tf.random.set_seed(SEED) (or keras.utils.set_random_seed(SEED)), SEED from the config, or pass seed=');
  },
});
