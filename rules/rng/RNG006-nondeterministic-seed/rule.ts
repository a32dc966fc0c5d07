import type { Node } from 'web-tree-sitter';
import type { CallSite } from '../../../server/src/engine/python/module';
import { RNG_NAMES, entropySource, globalRngUses, isSeededFor, seederOf, seedingOf, type RngUse } from '../../../server/src/engine/python/seeding';
import { defineRule } from '../../../server/src/engine/rule';
import { short } from '../shared';

/** Calls that take a seed or key, beyond the global seeders, and where the seed goes (maps: looked up for every call of a file). */
const SINKS = new Map<string, [number, string]>(Object.entries({
  'numpy.random.default_rng': [0, 'seed'],
  'numpy.random.RandomState': [0, 'seed'],
  'numpy.random.PCG64': [0, 'seed'],
  'numpy.random.PCG64DXSM': [0, 'seed'],
  'numpy.random.MT19937': [0, 'seed'],
  'numpy.random.Philox': [0, 'seed'],
  'numpy.random.SFC64': [0, 'seed'],
  'numpy.random.SeedSequence': [0, 'entropy'],
  'random.Random': [0, 'x'],
  'torch.Generator().manual_seed': [0, 'seed'],
  'tensorflow.random.Generator.from_seed': [0, 'seed'],
  'tensorflow.random.experimental.Generator.from_seed': [0, 'seed'],
  'jax.random.PRNGKey': [0, 'seed'],
  'jax.random.key': [0, 'seed'],
}));

/** Calls that reseed a global generator from OS entropy. */
const RESEEDS = new Map<string, string>(Object.entries({
  'torch.seed': 'torch.seed() reseeds PyTorch from OS entropy',
  'torch.random.seed': 'torch.random.seed() reseeds PyTorch from OS entropy',
  'torch.cuda.seed': 'torch.cuda.seed() reseeds the CUDA generator from OS entropy',
  'torch.cuda.seed_all': 'torch.cuda.seed_all() reseeds every CUDA generator from OS entropy',
}));

export default defineRule({
  target: 'python',
  requires: ['random', 'numpy', 'torch', 'tensorflow', 'keras', 'jax', 'sklearn', 'transformers', 'lightning', 'pytorch_lightning', 'accelerate'],
  meta: {
    id: 'RNG006',
    name: 'nondeterministic-seed',
    family: 'RNG',
    severity: 'warning',
    practice: 'P4',
    languages: ['python'],
    summary: 'A seed or JAX key is made from the clock, the process id, OS entropy or an unseeded RNG, or a generator is reseeded from entropy.',
    provenance: ['Semgrep python.lang.security.insecure-random (the reverse concern)', 'JAX "Pseudorandom numbers" guide: explicit keys'],
    fix: 'none',
    docs: {
      what:
        "Finds seeds whose value changes from run to run: the seed of `random.seed`, `np.random.seed`, `torch.manual_seed`, `tf.random.set_seed`, the library seeding helpers (`seed_everything`, `transformers.set_seed`, `keras.utils.set_random_seed`), the file's own or imported seeding helpers, generator constructors (`np.random.default_rng`, `RandomState`, `random.Random`, `torch.Generator().manual_seed`, `tf.random.Generator.from_seed`), scikit-learn's `random_state=`, and JAX keys (`jax.random.PRNGKey`, `jax.random.key`), when the value comes from `time.time()` and the other clocks, `datetime.now()`, `os.getpid()`, `os.urandom`, `secrets`, `uuid4()`, `random.SystemRandom`, also through a variable assigned once; or from a draw of Python's `random` or NumPy's global RNG that is itself unseeded where the seed is made (`jax.random.PRNGKey(random.randint(0, 2**31))`). Also finds calls that reseed from OS entropy: `random.seed()`, `np.random.seed()`/`np.random.seed(None)`, `torch.seed()`, `torch.cuda.seed_all()`.",
      why:
        "A seed taken from the clock or the OS looks like seeding but makes every run different, and unless it is logged the run can never be repeated. JAX has no global generator: every random draw follows from the key, so a key made from the time makes the whole program non-reproducible. Take the seed from the experiment's config (and log it) instead.",
      example: 'import time\n\nimport jax\nimport numpy as np\n\nkey = jax.random.PRNGKey(int(time.time()))\nnp.random.seed(int(time.time()))\n',
      useInstead: 'import jax\nimport numpy as np\n\nSEED = 0  # from the experiment config\nkey = jax.random.PRNGKey(SEED)\nnp.random.seed(SEED)\n',
      references: ['https://jax.readthedocs.io/en/latest/random-numbers.html', 'https://numpy.org/doc/stable/reference/random/bit_generators/index.html#seeding-and-entropy'],
    },
  },
  check(ctx) {
    const m = ctx.module;
    const a = seedingOf(m);
    let draws: Map<number, RngUse> | undefined;
    const drawAt = (n: Node) => {
      draws ??= new Map(globalRngUses(m).filter((u) => u.lib === 'python' || u.lib === 'numpy').map((u) => [u.call.node.startIndex * 1e7 + u.call.end, u]));
      return draws.get(n.startIndex * 1e7 + n.endIndex);
    };
    /** A draw from an unseeded global generator inside the seed expression. */
    const unseededDraw = (seed: Node): RngUse | undefined => {
      for (const n of seed.type === 'call' ? [seed, ...seed.descendantsOfType('call')] : seed.descendantsOfType('call')) {
        const use = n ? drawAt(n) : undefined;
        if (use && !isSeededFor(use, a.at(use.call).seeded)) return use;
      }
      return undefined;
    };
    /** `seed = random.randint(...)` earlier, for a seed passed by name (`opt.manualSeed`). */
    const drawnInto = (seed: Node): RngUse | undefined => {
      if (seed.type !== 'identifier' && seed.type !== 'attribute') return undefined;
      // An assignment starts where its left side does: only those starting with the seed's
      // text are taken apart.
      const text = seed.text;
      for (const asg of m.assignments) {
        if (!m.source.startsWith(text, asg.startIndex) || asg.childForFieldName('left')?.text !== text) continue;
        const right = asg.childForFieldName('right');
        const use = right ? unseededDraw(right) : undefined;
        if (use) return use;
      }
      return undefined;
    };
    /** Whether the source logs a name (print, logging, an experiment tracker), so a random seed can be recovered. */
    const logged = (text: string) => {
      const esc = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return new RegExp(`(print|log\\w*|info|debug|warning|write|log_params?|set_description|update)\\([^\\n]*\\b${esc}\\b`).test(ctx.source);
    };
    const check = (call: CallSite, seed: Node | undefined, what: string) => {
      if (!seed) return;
      const picked = drawnInto(seed);
      if (picked && !logged(seed.text)) {
        ctx.reportNode(call.node, `${what} takes its seed from ${seed.text}, drawn by ${short(picked.call.node.text, 40)} from ${RNG_NAMES[picked.lib]}, which is not seeded there, and the seed is never logged, so a run cannot be repeated; take the seed from the config, or log the one drawn`);
        return;
      }
      const src = entropySource(m, seed, call.scope);
      if (src) {
        ctx.reportNode(call.node, `${what} takes its seed from ${src.what} (${short(src.node.text, 40)}), so every run gets a different seed and cannot be repeated; take the seed from the config and log it`);
        return;
      }
      const draw = unseededDraw(seed);
      if (draw)
        ctx.reportNode(call.node, `${what} takes its seed from ${short(draw.call.node.text, 40)}, a draw from ${RNG_NAMES[draw.lib]}, which is not seeded here, so every run gets a different seed; take the seed from the config`);
    };
    for (const call of m.calls) {
      const callee = call.callee;
      const reseeds = callee ? RESEEDS.get(callee) : undefined;
      if (reseeds) {
        ctx.reportNode(call.node, `${reseeds}, undoing any earlier seed; remove it, or seed with a value from the config`);
        continue;
      }
      const seeder = seederOf(callee);
      if (seeder?.seedArg) {
        const seed = call.argument(seeder.seedArg[0], seeder.seedArg[1]);
        const isNone = seed && m.constantValue(seed, call.scope)?.kind === 'none';
        if ((callee === 'random.seed' || callee === 'numpy.random.seed' || callee === 'numpy.random.mtrand.seed') && !call.hasSplat && (!seed || isNone)) {
          ctx.reportNode(call.node, `${call.func.text}(${seed ? seed.text : ''}) reseeds ${callee === 'random.seed' ? "Python's random module" : "NumPy's global RNG"} from OS entropy, undoing any earlier seed; pass a seed from the config`);
          continue;
        }
        check(call, seed, `${call.func.text}(...)`);
        continue;
      }
      const sink = callee ? SINKS.get(callee) : undefined;
      if (sink) {
        check(call, call.argument(sink[0], sink[1]), callee!.startsWith('jax.') ? `the JAX key ${call.func.text}(...)` : `${call.func.text}(...)`);
        continue;
      }
      if (callee?.startsWith('sklearn.') && call.keyword('random_state')) {
        check(call, call.keyword('random_state'), `${call.func.text}(random_state=...)`);
        continue;
      }
      // Seeding helpers: the file's own (whose body seeds) and ones it cannot see into.
      if (a.isOpaqueHelper(call) || (a.seedCalls.length > 0 && a.localTargets(call).some((fn) => a.seedCalls.some((e) => fn.contains(e.call.node.startIndex))))) {
        check(call, call.positional[0] ?? call.keyword('seed'), `${call.func.text}(...)`);
      }
    }
  },
});
