import { defineRule } from '../../../server/src/engine/rule';
import { reportGroups } from '../shared';

export default defineRule({
  target: 'python',
  requires: ['random'],
  meta: {
    id: 'RNG001',
    name: 'unseeded-python-random',
    family: 'RNG',
    severity: 'warning',
    practice: 'P4',
    languages: ['python'],
    summary: "Python's random module is used before anything in the file seeds it.",
    provenance: ['dslinter randomness-control-* (for NumPy, PyTorch, TensorFlow)', 'Zhang et al., "Code Smells for Machine Learning Applications" (CAIN 2022): Randomness Uncontrolled'],
    fix: 'unsafe',
    docs: {
      what:
        "Finds the first call of the `random` module's functions (`random.random`, `randint`, `choice`, `shuffle`, `sample`, `uniform`, `gauss`, ...) that runs before any `random.seed(...)` in the file, in execution order: module-level code runs top to bottom, a function defined in the file runs where it is first called (so a seed at the start of `if __name__ == \"__main__\":` or of `main()` counts for everything called after it), and seeding helpers count, both the file's own (`def set_seed(s): random.seed(s); ...`) and library ones (`transformers.set_seed`, `lightning.seed_everything`, `keras.utils.set_random_seed`, ...). A helper imported from elsewhere whose name contains `seed` is trusted to seed everything. Code in functions the file never calls counts as seeded when the file seeds `random` anywhere, and is only reported in files that run code themselves (library modules are seeded by their caller). One finding per file, at the first unseeded use, listing the others. Not reported: `random.Random(seed)` instances, `random.SystemRandom` (meant to be unpredictable). When another library is seeded but `random` is not, RNG008 reports it instead.",
      why:
        "Without a seed, Python seeds `random` from OS entropy at start-up, so every run shuffles files, samples augmentations and splits data differently: a result cannot be repeated and a failure cannot be reproduced. A seed placed after the first draw leaves those first draws random. Seed every generator at the entry point, from the experiment's config, before anything draws from them.",
      example: 'import random\n\nfiles = ["a.csv", "b.csv", "c.csv"]\nrandom.shuffle(files)\n',
      useInstead:
        'import random\n\nSEED = 0  # from the experiment config\nrandom.seed(SEED)\n\nfiles = ["a.csv", "b.csv", "c.csv"]\nrandom.shuffle(files)\n\n# or a private generator:\nrng = random.Random(SEED)\nrng.shuffle(files)\n',
      references: ['https://docs.python.org/3/library/random.html#random.seed', 'https://pytorch.org/docs/stable/notes/randomness.html'],
    },
  },
  check(ctx) {
    reportGroups(ctx, ['python'], () => 'seed it at the entry point with random.seed(SEED), SEED from the config, or draw from a seeded random.Random(SEED)');
  },
});
