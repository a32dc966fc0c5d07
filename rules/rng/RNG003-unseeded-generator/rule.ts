import type { CallSite, PythonModule } from '../../../server/src/engine/python/module';
import { defineRule } from '../../../server/src/engine/rule';
import { seedArgumentFix, short } from '../shared';

/** Generator constructors that seed themselves from OS entropy without a seed, and where the seed goes. */
const CONSTRUCTORS: Record<string, { what: string; seed: [number, string] }> = {
  'numpy.random.default_rng': { what: 'np.random.default_rng()', seed: [0, 'seed'] },
  'numpy.random.RandomState': { what: 'np.random.RandomState()', seed: [0, 'seed'] },
  'numpy.random.mtrand.RandomState': { what: 'np.random.RandomState()', seed: [0, 'seed'] },
  'numpy.random.PCG64': { what: 'np.random.PCG64()', seed: [0, 'seed'] },
  'numpy.random.PCG64DXSM': { what: 'np.random.PCG64DXSM()', seed: [0, 'seed'] },
  'numpy.random.MT19937': { what: 'np.random.MT19937()', seed: [0, 'seed'] },
  'numpy.random.Philox': { what: 'np.random.Philox()', seed: [0, 'seed'] },
  'numpy.random.SFC64': { what: 'np.random.SFC64()', seed: [0, 'seed'] },
  'numpy.random.SeedSequence': { what: 'np.random.SeedSequence()', seed: [0, 'entropy'] },
  'random.Random': { what: 'random.Random()', seed: [0, 'x'] },
};

/** Generator constructors that take no seed at all. */
const NON_DETERMINISTIC_STATE = ['tensorflow.random.Generator.from_non_deterministic_state', 'tensorflow.random.experimental.Generator.from_non_deterministic_state'];

/**
 * A placeholder: the generator is stored in a name or attribute (`self.rng = random.Random()`)
 * that the file also sets to a seeded generator (`self.rng = random.Random(seed + epoch)`)
 * or reseeds (`self.rng.seed(seed)`), so the unseeded one is replaced before the draws that
 * matter (timm's webdataset shard sampler reseeds per epoch when `deterministic=True`).
 */
function reseededElsewhere(m: PythonModule, call: CallSite): boolean {
  const asg = call.node.parent;
  const left = asg?.type === 'assignment' && asg.childForFieldName('right')?.startIndex === call.node.startIndex ? asg.childForFieldName('left') : undefined;
  if (left?.type !== 'identifier' && left?.type !== 'attribute') return false;
  const target = left.text;
  const seeded = (c: CallSite | undefined): boolean => {
    const spec = c?.callee ? CONSTRUCTORS[c.callee] : undefined;
    if (!c || !spec) return false;
    const seed = c.argument(spec.seed[0], spec.seed[1]);
    return !!seed && m.constantValue(seed, c.scope)?.kind !== 'none';
  };
  for (const other of m.calls) {
    if (other === call) continue;
    const parent = other.node.parent;
    if (parent?.type === 'assignment' && parent.childForFieldName('left')?.text === target && seeded(other)) return true;
    if (other.func.type === 'attribute' && other.func.childForFieldName('object')?.text === target && other.func.childForFieldName('attribute')?.text === 'seed') {
      const arg = other.argument(0, 'a') ?? other.argument(0, 'seed');
      if (arg && m.constantValue(arg, other.scope)?.kind !== 'none') return true;
    }
  }
  return false;
}

export default defineRule({
  target: 'python',
  requires: ['numpy', 'random', 'tensorflow'],
  meta: {
    id: 'RNG003',
    name: 'unseeded-generator',
    family: 'RNG',
    severity: 'warning',
    practice: 'P4',
    languages: ['python'],
    summary: 'A random generator is created without a seed (np.random.default_rng(), RandomState(), random.Random(), ...), so it starts from OS entropy.',
    provenance: ['NumPy "Random Generator" docs: seeding and entropy', 'dslinter randomness-control-numpy'],
    fix: 'safe',
    docs: {
      what:
        "Finds generator objects created without a seed, or with `None`: `np.random.default_rng()`, `np.random.RandomState()`, the bit generators `PCG64()`, `PCG64DXSM()`, `MT19937()`, `Philox()`, `SFC64()` (also inside `np.random.Generator(...)`), `np.random.SeedSequence()` (unless the file reads its `.entropy` to log it), `random.Random()`, and `tf.random.Generator.from_non_deterministic_state()`. A seed passed through (`default_rng(seed)`, `RandomState(cfg.seed)`, `def make(seed=None): return np.random.default_rng(seed)`) is the caller's choice and is not reported, nor is a placeholder stored in a name or attribute that the file also sets to a seeded generator or reseeds (`self.rng = random.Random()` in `__init__`, `self.rng = random.Random(seed + epoch)` before drawing). Seeding the global generators does not help here: these objects never read `np.random.seed` or `random.seed`, so the finding does not depend on the file's other seeds. The fix passes a seed: a `seed` parameter in scope, the module's seed constant, else 0.",
      why:
        "A generator created without a seed takes fresh OS entropy every run, whatever else the program seeds: `np.random.seed(0); rng = np.random.default_rng()` is still different on every run. Results computed from it cannot be repeated, and because the object looks like the recommended modern API the problem is easy to miss.",
      example: 'import numpy as np\n\nrng = np.random.default_rng()\nX = rng.normal(size=(100, 3))\n',
      useInstead: 'import numpy as np\n\nSEED = 0  # from the experiment config\nrng = np.random.default_rng(SEED)\nX = rng.normal(size=(100, 3))\n',
      references: ['https://numpy.org/doc/stable/reference/random/generator.html#numpy.random.default_rng', 'https://numpy.org/doc/stable/reference/random/bit_generators/index.html#seeding-and-entropy'],
    },
  },
  check(ctx) {
    const m = ctx.module;
    // Asked only of `SeedSequence()` calls: a scan of the whole source.
    let readsEntropy: boolean | undefined;
    const report = (call: CallSite, what: string, seedNode: Parameters<typeof seedArgumentFix>[2], why: string) => {
      const fix = seedArgumentFix(m, call, seedNode);
      ctx.reportNode(call.node, `${what} ${why} and draws different numbers on every run, whatever else the file seeds; pass a seed from the config`, { fixes: fix ? [fix] : [] });
    };
    // The calls of the callees this rule knows, from the module's index (not a test of every call).
    for (const call of m.callsTo(...NON_DETERMINISTIC_STATE, ...Object.keys(CONSTRUCTORS))) {
      const callee = call.callee!;
      if (NON_DETERMINISTIC_STATE.includes(callee)) {
        ctx.reportNode(call.node, `${call.func.text}() seeds the generator from OS entropy, so it draws different numbers on every run; use tf.random.Generator.from_seed(SEED) with the seed from the config`);
        continue;
      }
      const spec = CONSTRUCTORS[callee];
      if (!spec || call.hasSplat) continue;
      if (callee === 'numpy.random.SeedSequence' && (readsEntropy ??= /\.entropy\b/.test(ctx.source))) continue;
      const seed = call.argument(spec.seed[0], spec.seed[1]);
      if (seed && m.constantValue(seed, call.scope)?.kind !== 'none') continue;
      if (reseededElsewhere(m, call)) continue;
      report(call, short(call.node.text, 50), seed, seed ? 'has a None seed, so it takes its state from OS entropy' : 'has no seed, so it takes its state from OS entropy');
    }
  },
});
