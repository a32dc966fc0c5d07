import { defineRule } from '../../../server/src/engine/rule';
import { reportGroups } from '../shared';

export default defineRule({
  target: 'python',
  requires: ['numpy', 'scipy'],
  meta: {
    id: 'RNG002',
    name: 'unseeded-numpy-global-rng',
    family: 'RNG',
    severity: 'warning',
    practice: 'P4',
    languages: ['python'],
    summary: "NumPy's legacy global RNG (np.random.rand, shuffle, choice, ...) is used before anything in the file seeds it.",
    provenance: ['dslinter randomness-control-numpy', 'Zhang et al., "Code Smells for Machine Learning Applications" (CAIN 2022): Randomness Uncontrolled'],
    fix: 'unsafe',
    docs: {
      what:
        "Finds the first call that draws from NumPy's legacy global `RandomState` (`np.random.rand`, `randn`, `randint`, `random`, `choice`, `shuffle`, `permutation`, `normal`, `uniform` and the other module-level distribution functions, and `scipy.stats` `.rvs()` without `random_state`, which draws from the same global) that runs before any `np.random.seed(...)`, in execution order: module-level code top to bottom, functions where the file first calls them, seeding helpers of the file or of a library (`set_seed`, `lightning.seed_everything`, `transformers.set_seed`, `keras.utils.set_random_seed`) included. Code in functions the file never calls counts as seeded when the file seeds NumPy anywhere, and is only reported in files that run code themselves. One finding per file, at the first unseeded use, listing the others. Not reported: seeded generators (`np.random.default_rng(seed)`, `np.random.RandomState(seed)`; unseeded ones are RNG003). When another library is seeded but NumPy is not, RNG008 reports it instead.",
      why:
        'Unseeded, the global RandomState starts from OS entropy: every run draws different noise, shuffles and samples, so a result cannot be repeated. scikit-learn estimators with `random_state=None` also draw from this global, so leaving it unseeded makes their results vary too. A seed after the first draw leaves those draws random.',
      example: 'import numpy as np\n\nX = np.random.rand(100, 3)\nidx = np.random.permutation(len(X))\n',
      useInstead:
        'import numpy as np\n\nSEED = 0  # from the experiment config\nrng = np.random.default_rng(SEED)\nX = rng.random((100, 3))\nidx = rng.permutation(len(X))\n\n# or, for code that must use the global functions:\nnp.random.seed(SEED)\nnoise = np.random.randn(100)\n',
      references: ['https://numpy.org/doc/stable/reference/random/legacy.html', 'https://numpy.org/doc/stable/reference/random/generator.html', 'https://scikit-learn.org/stable/common_pitfalls.html#controlling-randomness'],
    },
  },
  check(ctx) {
    reportGroups(ctx, ['numpy'], () => 'seed it at the entry point with np.random.seed(SEED), SEED from the config, or draw from a seeded rng = np.random.default_rng(SEED)');
  },
});
