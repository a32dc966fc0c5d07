import type { CallSite, PythonModule } from '../../../server/src/engine/python/module';
import { entropySource, executionScope, seedingOf, type SeedingAnalysis } from '../../../server/src/engine/python/seeding';
import { defineRule } from '../../../server/src/engine/rule';

/**
 * A "seed everything" block: the same function (or module-level code) also seeds Python's
 * random, PyTorch or TensorFlow (`random.seed(s); np.random.seed(s); torch.manual_seed(s)`).
 * Such a block exists for the draws of libraries that read the global generators
 * (augmentations, DataLoader workers, scikit-learn's `random_state=None`); a private
 * Generator would not reach them, so the hint's advice does not apply.
 */
function seedsEveryGlobal(m: PythonModule, a: SeedingAnalysis, c: CallSite): boolean {
  const scope = executionScope(c.scope);
  return a.seedCalls.some((e) => e.lib !== 'numpy' && !e.opaque && executionScope(e.call.scope) === scope);
}

/** Inside a DataLoader `worker_init_fn` (by name, or a function passed as `worker_init_fn=`): it must reseed the worker's global NumPy RNG. */
function inWorkerInit(m: PythonModule, c: CallSite): boolean {
  const fn = executionScope(c.scope);
  const name = fn.kind === 'function' ? fn.node?.childForFieldName('name')?.text : undefined;
  if (!name) return false;
  if (/worker_init|seed_worker|init_worker/i.test(name)) return true;
  return m.calls.some((k) => k.keyword('worker_init_fn')?.text === name);
}

export default defineRule({
  target: 'python',
  requires: ['numpy'],
  meta: {
    id: 'RNG010',
    name: 'legacy-numpy-seed',
    family: 'RNG',
    severity: 'hint',
    practice: 'P4',
    languages: ['python'],
    summary: 'np.random.seed seeds the legacy global RandomState; a seeded np.random.default_rng(seed) passed around is preferred.',
    provenance: ['NumPy NEP 19 (random number generator policy)', 'Ruff NPY002 numpy-legacy-random'],
    fix: 'none',
    docs: {
      what:
        "Hints at `np.random.seed(value)`: it works, and RNG002 and RNG007 count it as seeding, but it seeds NumPy's legacy global `RandomState`. Not reported when the seed is missing or from entropy (RNG006 reports those), in a \"seed everything\" block (the same function or module-level code also seeds Python's `random`, PyTorch or TensorFlow: it exists for the libraries that draw from the global generators, which a private Generator would not reach), or in a DataLoader worker init function (`worker_init_fn`, `seed_worker`), which must reseed the worker's global RNG.",
      why:
        "NumPy's policy (NEP 19) freezes the legacy global RNG: new code should create a `Generator` with `np.random.default_rng(seed)` and pass it to the code that needs randomness. A global seed is shared by every library and every call in the process, so adding a draw anywhere (or importing a library that draws) shifts every later number; a generator passed explicitly keeps streams independent. scikit-learn does not take a `Generator`: pass it the seed itself as `random_state=seed`.",
      example: 'import numpy as np\n\nnp.random.seed(42)\nnoise = np.random.normal(size=10)\n',
      useInstead: 'import numpy as np\n\nrng = np.random.default_rng(42)\nnoise = rng.normal(size=10)\n',
      references: ['https://numpy.org/neps/nep-0019-rng-policy.html', 'https://numpy.org/doc/stable/reference/random/index.html#quick-start'],
    },
  },
  check(ctx) {
    const m = ctx.module;
    const a = seedingOf(m);
    for (const c of m.callsTo('numpy.random.seed', 'numpy.random.mtrand.seed')) {
      const seed = c.argument(0, 'seed');
      if (!seed || m.constantValue(seed, c.scope)?.kind === 'none' || entropySource(m, seed, c.scope)) continue;
      if (seedsEveryGlobal(m, a, c) || inWorkerInit(m, c)) continue;
      ctx.reportNode(c.node, `np.random.seed seeds NumPy's legacy global RandomState, shared by every caller in the process; prefer rng = np.random.default_rng(${seed.text}) passed to the code that draws (and random_state=${seed.text} for scikit-learn, which does not take a Generator)`);
    }
  },
});
