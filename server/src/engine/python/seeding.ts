/**
 * Seeding analysis: which global random number generators are seeded when each call of a
 * module runs. The libraries tracked are the ones a call can draw from without being
 * handed a generator: Python's `random` module, NumPy's legacy global RandomState (which
 * scikit-learn's `random_state=None` also draws from), PyTorch's CPU and CUDA default
 * generators, and TensorFlow's global seed. JAX has no global RNG: its keys are checked
 * where they are made.
 *
 * The answer comes from an abstract walk of the module in execution order, not from
 * grepping for a seed anywhere:
 *
 * - Module-level statements run in document order; a call runs after its arguments
 *   (calls are visited in the order their source ends, which is Python's evaluation order
 *   for nested calls). Class bodies run where they stand; function and lambda bodies do not.
 * - A call of a function defined in this file (`train()`, `Net()` -> `Net.__init__`,
 *   `self.fit()`, `model.fit()` where `model = Net()`) runs the function's body at that
 *   point, once: the first call is the one that matters, because seeding only accumulates.
 *   So a seed inside `if __name__ == "__main__":` or `main()` counts for everything it
 *   runs before, and a seeding helper (`def set_seed(s): random.seed(s); ...`) seeds what
 *   its body seeds at the line that calls it.
 * - Both branches of an `if`, every `try`/`except` arm and loop bodies are taken: a seed
 *   that may run counts (`if args.seed is not None: set_seed(args.seed)`). A seed after
 *   the first use does not.
 * - Seeding helpers this file cannot see into (`from utils import set_seed`,
 *   `self.seed_everything()`: a call whose name contains `seed` and that does not resolve to
 *   a known library function) are taken to seed every library. Library helpers are known
 *   exactly (`lightning.seed_everything`, `transformers.set_seed`,
 *   `keras.utils.set_random_seed`, ...). A seed from the clock, the pid or OS entropy,
 *   `random.seed()` and `np.random.seed(None)` do not count.
 * - Calls the walk never reaches (functions never called in this file, methods called
 *   only from elsewhere, callbacks, lambdas) are "deferred": the file does not say when they
 *   run. They count as seeded when the library is seeded anywhere in the file, and rules
 *   report them only in files that run code of their own (a `__main__` guard, a call of
 *   one of its functions or a random draw at module level): library modules are seeded by
 *   whoever imports them.
 *
 * `torch.manual_seed` seeds the CPU and every CUDA device ("Sets the seed for generating
 * random numbers on all devices", torch docs since 1.0); `torch.cuda.manual_seed(_all)`
 * seeds CUDA only; `torch.default_generator.manual_seed` the CPU only.
 */
import type { Node } from 'web-tree-sitter';
import type { Binding, CallSite, PythonModule, Scope } from './module';
import { firstAtOrAfter, offsetsOf } from './source-offsets';

export type RngLib = 'python' | 'numpy' | 'torch' | 'cuda' | 'tensorflow';
export const RNG_LIBS: readonly RngLib[] = ['python', 'numpy', 'torch', 'cuda', 'tensorflow'];

/** How messages name each generator. */
export const RNG_NAMES: Record<RngLib, string> = {
  python: "Python's random module",
  numpy: "NumPy's global RNG",
  torch: "PyTorch's global RNG",
  cuda: "PyTorch's CUDA RNG",
  tensorflow: "TensorFlow's global RNG",
};

/** Short names for lists ("NumPy and PyTorch are seeded"). */
export const RNG_SHORT: Record<RngLib, string> = {
  python: 'Python random',
  numpy: 'NumPy',
  torch: 'PyTorch',
  cuda: 'PyTorch CUDA',
  tensorflow: 'TensorFlow',
};

const ALL: RngLib[] = ['python', 'numpy', 'torch', 'cuda', 'tensorflow'];
const PY_NP_TORCH: RngLib[] = ['python', 'numpy', 'torch', 'cuda'];

export interface Seeder {
  libs: RngLib[];
  /** Where the seed value is: a positional index and a keyword; absent for state restores. */
  seedArg?: [number, string];
  /** The seed may be omitted and is then fixed (Lightning's `seed_everything()` uses 0). */
  defaultIsFixed?: boolean;
}

const seed = (libs: RngLib[], keyword = 'seed', defaultIsFixed = false): Seeder => ({ libs, seedArg: [0, keyword], defaultIsFixed });

/** Library calls that seed global generators, by qualified name (a map: looked up for every call of a file). */
const SEEDERS = new Map<string, Seeder>(Object.entries({
  'random.seed': seed(['python'], 'a'),
  'random.setstate': { libs: ['python'] },
  'numpy.random.seed': seed(['numpy']),
  'numpy.random.set_state': { libs: ['numpy'] },
  'numpy.random.mtrand.seed': seed(['numpy']),
  'torch.manual_seed': seed(['torch', 'cuda']),
  'torch.random.manual_seed': seed(['torch', 'cuda']),
  'torch.default_generator.manual_seed': seed(['torch']),
  'torch.set_rng_state': { libs: ['torch'] },
  'torch.random.set_rng_state': { libs: ['torch'] },
  'torch.cuda.manual_seed': seed(['cuda']),
  'torch.cuda.manual_seed_all': seed(['cuda']),
  'torch.cuda.random.manual_seed': seed(['cuda']),
  'torch.cuda.random.manual_seed_all': seed(['cuda']),
  'torch.cuda.set_rng_state': { libs: ['cuda'] },
  'torch.cuda.set_rng_state_all': { libs: ['cuda'] },
  'tensorflow.random.set_seed': seed(['tensorflow']),
  'tensorflow.set_random_seed': seed(['tensorflow']),
  'tensorflow.random.set_random_seed': seed(['tensorflow']),
  'tensorflow.compat.v1.set_random_seed': seed(['tensorflow']),
  'tensorflow.compat.v1.random.set_random_seed': seed(['tensorflow']),
  // Keras: Python, NumPy and the backend's seed (TensorFlow; Keras 3 also draws its
  // unseeded initializer seeds from Python's random).
  'tensorflow.keras.utils.set_random_seed': seed(['python', 'numpy', 'tensorflow']),
  'keras.utils.set_random_seed': seed(['python', 'numpy', 'tensorflow']),
  'tf_keras.utils.set_random_seed': seed(['python', 'numpy', 'tensorflow']),
  // Hugging Face: random, NumPy, torch (all devices) and TensorFlow when installed.
  'transformers.set_seed': seed(ALL),
  'transformers.trainer_utils.set_seed': seed(ALL),
  'transformers.enable_full_determinism': seed(ALL),
  'transformers.trainer_utils.enable_full_determinism': seed(ALL),
  'accelerate.utils.set_seed': seed(PY_NP_TORCH),
  'accelerate.utils.random.set_seed': seed(PY_NP_TORCH),
  'mmengine.runner.set_random_seed': seed(PY_NP_TORCH),
  'mmcv.runner.set_random_seed': seed(PY_NP_TORCH),
  'mmdet.apis.set_random_seed': seed(PY_NP_TORCH),
  'detectron2.utils.env.seed_all_rng': seed(PY_NP_TORCH),
  'fastai.torch_core.set_seed': seed(PY_NP_TORCH, 's'),
  'ignite.utils.manual_seed': seed(PY_NP_TORCH),
}));

/** Lightning (`lightning`, `pytorch_lightning`, `lightning_fabric`, their utilities) and PyG: `seed_everything()` defaults to 0. */
export function seederOf(callee: string | undefined): Seeder | undefined {
  if (!callee) return undefined;
  const known = SEEDERS.get(callee);
  if (known) return known;
  if (callee.endsWith('.seed_everything')) return seed(PY_NP_TORCH, 'seed', true);
  return undefined;
}

/** Roots of libraries this analysis knows; calls into them are never opaque seeding helpers. */
const KNOWN_ROOTS = new Set(['random', 'numpy', 'torch', 'tensorflow', 'keras', 'jax', 'sklearn', 'scipy', 'builtins', 'os', 'time', 'secrets', 'uuid', 'datetime', 'pandas']);

/** Method names of generator objects (`g.manual_seed(0)`, `rs.seed(1)`) and seed queries: not global seeding. */
const NOT_HELPER_NAMES = new Set(['seed', 'manual_seed', 'initial_seed', 'get_seed', 'reseed', 'seed_worker', 'worker_init_fn']);

/** Calls whose value differs from run to run: a seed made from them seeds nothing repeatable. */
const ENTROPY_SOURCES: Record<string, string> = {
  'time.time': 'the clock',
  'time.time_ns': 'the clock',
  'time.perf_counter': 'the clock',
  'time.perf_counter_ns': 'the clock',
  'time.monotonic': 'the clock',
  'time.monotonic_ns': 'the clock',
  'time.process_time': 'the clock',
  'time.process_time_ns': 'the clock',
  'datetime.datetime.now': 'the clock',
  'datetime.datetime.utcnow': 'the clock',
  'datetime.datetime.today': 'the clock',
  'datetime.date.today': 'the date',
  'os.getpid': 'the process id',
  'os.urandom': 'OS entropy',
  'os.getrandom': 'OS entropy',
  'secrets.randbits': 'OS entropy',
  'secrets.randbelow': 'OS entropy',
  'secrets.token_bytes': 'OS entropy',
  'secrets.token_hex': 'OS entropy',
  'uuid.uuid1': 'a UUID',
  'uuid.uuid4': 'a UUID',
  'torch.seed': 'OS entropy (torch.seed() reseeds non-deterministically)',
  'torch.random.seed': 'OS entropy',
  'numpy.random.SeedSequence().entropy': 'OS entropy',
};

/** The entropy source an expression is made from (`int(time.time())`, `os.getpid() % 100`), following names bound once. */
export function entropySource(module: PythonModule, node: Node | undefined, scope: Scope, depth = 0): { node: Node; what: string } | undefined {
  if (!node || depth > 4) return undefined;
  const stack: Node[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'call' || n.type === 'attribute') {
      const target = n.type === 'call' ? n.childForFieldName('function') : n;
      const name = target ? module.resolveExpression(target, scope) : undefined;
      if (name && ENTROPY_SOURCES[name]) return { node: n, what: ENTROPY_SOURCES[name] };
      if (name?.startsWith('random.SystemRandom()')) return { node: n, what: 'OS entropy (random.SystemRandom)' };
      if (name?.startsWith('secrets.')) return { node: n, what: 'OS entropy' };
    }
    const parent = n.parent;
    const isAttributeName = parent?.type === 'attribute' && parent.childForFieldName('attribute')?.equals(n);
    const isKeywordName = parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.equals(n);
    if (n.type === 'identifier' && !isAttributeName && !isKeywordName) {
      const bindings = module.lookup(n.text, scope);
      if (bindings?.length === 1 && bindings[0].kind === 'assign' && bindings[0].value) {
        const found = entropySource(module, bindings[0].value, bindings[0].scope, depth + 1);
        if (found) return found;
      }
    }
    for (const c of n.namedChildren) if (c) stack.push(c);
  }
  return undefined;
}

/** A seeding call that ran (or could run), with what it seeded. */
export interface SeedEvent {
  lib: RngLib;
  /** The call that seeds: `np.random.seed(0)`, or a helper this file cannot see into. */
  call: CallSite;
  /** The module-level call through which the seed ran (`set_seed(42)` for a seed in a local helper); absent when it is `call` itself. */
  via?: CallSite;
  /** Position in the walk; -1 for seeds the walk does not reach. */
  seq: number;
  /** True for a helper this file cannot see into, assumed to seed every library. */
  opaque?: boolean;
}

export interface CallState {
  /** Whether the walk from module level reaches the call. */
  executed: boolean;
  /** Position in the walk (first visit); Infinity when not executed. */
  seq: number;
  /** Seeded libraries (first seed of each): before the call when executed; anywhere in the file when deferred. */
  seeded: ReadonlyMap<RngLib, SeedEvent>;
  /** The module-level call whose execution reaches this one; absent when deferred. */
  entry?: CallSite;
}

type SeedMap = Map<RngLib, SeedEvent>;

/** What a call seeds that is neither a seeding function nor a helper (shared: do not modify). */
const SEEDS_NOTHING: { libs: RngLib[]; opaque?: boolean } = { libs: [] };

export class SeedingAnalysis {
  private readonly visits = new Map<CallSite, CallState>();
  /** Function and class scopes by kind and start offset (built on first ask). */
  private scopeByNode?: Map<string, Scope>;
  private readonly walked = new Set<Scope>();
  /** First walk position inside each walked function. */
  private readonly walkStart = new Map<Scope, number>();
  private seq = 0;
  private state: SeedMap = new Map();
  /** Every seeding event the walk reached, in walk order. */
  readonly events: SeedEvent[] = [];
  /** First seed of each library anywhere in the file, reached or not. */
  readonly anywhere: ReadonlyMap<RngLib, SeedEvent>;
  /** Every seeding call in the file, in document order. */
  readonly seedCalls: SeedEvent[] = [];
  /** The module-level `if __name__ == "__main__":` statement. */
  readonly mainGuard: Node | undefined;
  /**
   * Whether module-level code runs a function defined in this file as a statement of its
   * own (`main()`, `train(args)`, `sys.exit(main())`). Helpers called to build module
   * constants (`default_cfgs = {"a": _cfg(url=...)}` in a model library) do not make the
   * file a program.
   */
  private callsOwnFunction = false;
  private stack: CallSite[] = [];
  /** Per-call answers, asked again and again by the walk and the rules (each recomputation crosses into the wasm heap). */
  private readonly seedsCache = new Map<CallSite, { libs: RngLib[]; opaque?: boolean }>();
  private readonly opaqueCache = new Map<CallSite, boolean>();
  private readonly targetsCache = new Map<CallSite, Scope[]>();
  private readonly defScopeCache = { function: new Map<Binding, Scope | undefined>(), class: new Map<Binding, Scope | undefined>() };

  constructor(readonly module: PythonModule) {
    this.mainGuard = findMainGuard(module);
    const anywhere: SeedMap = new Map();
    for (const c of module.calls) {
      const seeded = this.seedsOf(c);
      for (const lib of seeded.libs) {
        const e: SeedEvent = { lib, call: c, seq: -1, opaque: seeded.opaque };
        this.seedCalls.push(e);
        if (!anywhere.has(lib)) anywhere.set(lib, e);
      }
    }
    this.anywhere = anywhere;
    this.walk(module.moduleScope);
  }

  /** The state where a call runs. */
  at(call: CallSite): CallState {
    return this.visits.get(call) ?? { executed: false, seq: Infinity, seeded: this.anywhere };
  }

  /** Whether the module runs code of its own when executed (rather than only defining things). */
  runsCode(executedRandomUse = false): boolean {
    return this.mainGuard !== undefined || this.callsOwnFunction || executedRandomUse;
  }

  /** The first walk position inside a function, when the walk reaches it. */
  startOf(fn: Scope): number | undefined {
    return this.walkStart.get(fn);
  }

  /** The libraries a call seeds by itself (a library seeding function or an opaque helper). */
  seedsOf(c: CallSite): { libs: RngLib[]; opaque?: boolean } {
    // Most calls are neither: settled without a cache entry (one per call of the file otherwise).
    if (!seederOf(c.callee) && !this.mayNameSeed(c.func)) return SEEDS_NOTHING;
    let known = this.seedsCache.get(c);
    if (!known) {
      known = this.computeSeedsOf(c);
      this.seedsCache.set(c, known);
    }
    return known;
  }

  private computeSeedsOf(c: CallSite): { libs: RngLib[]; opaque?: boolean } {
    const seeder = seederOf(c.callee);
    if (seeder) {
      if (!seeder.seedArg) return { libs: seeder.libs };
      const arg = c.argument(seeder.seedArg[0], seeder.seedArg[1]);
      if (!arg) return { libs: c.hasSplat || seeder.defaultIsFixed ? seeder.libs : [] };
      if (this.module.constantValue(arg, c.scope)?.kind === 'none') return { libs: [] };
      if (entropySource(this.module, arg, c.scope)) return { libs: [] };
      return { libs: seeder.libs };
    }
    if (this.isOpaqueHelper(c)) {
      const arg = c.positional[0] ?? c.keyword('seed');
      if (arg && (this.module.constantValue(arg, c.scope)?.kind === 'none' || entropySource(this.module, arg, c.scope))) return { libs: [] };
      return { libs: ALL, opaque: true };
    }
    return { libs: [] };
  }

  /** A call named like a seeding helper whose body this file cannot see. */
  isOpaqueHelper(c: CallSite): boolean {
    // The name must contain `seed`: a callee whose source text has no `seed` in it is no
    // helper, and that is known without asking the node for its name.
    if (!this.mayNameSeed(c.func)) return false;
    let known = this.opaqueCache.get(c);
    if (known === undefined) {
      known = this.computeIsOpaqueHelper(c);
      this.opaqueCache.set(c, known);
    }
    return known;
  }

  private computeIsOpaqueHelper(c: CallSite): boolean {
    const name = calledName(c.func);
    if (!name || !/seed/i.test(name) || NOT_HELPER_NAMES.has(name) || /^_?get_|^initial_seed/i.test(name) || /^seed_?sequence$/i.test(name)) return false;
    if (c.callee !== undefined) {
      const root = c.callee.replace(/^\./, '').split('.')[0];
      if (KNOWN_ROOTS.has(root) || seederOf(c.callee)) return false;
      return true;
    }
    // A function of this file is walked, not guessed.
    if (c.func.type === 'identifier') {
      const bindings = this.module.lookup(c.func.text, c.scope);
      if (bindings?.some((b) => b.kind === 'def' || b.kind === 'class' || b.kind === 'param')) return false;
    }
    if (this.localTargets(c).length) return false;
    // A method of a generator object (`self.rng.manual_seed`) was excluded by name above.
    return true;
  }

  /**
   * Where `seed` occurs in the source, in any case (asked for every call: found once). A
   * copy: the shared array moves on to the next source anything asks about.
   */
  private seedOffsets?: number[];

  private mayNameSeed(node: Node): boolean {
    this.seedOffsets ??= [...offsetsOf(this.module.source, 'seed', true)];
    return occursWithin(this.seedOffsets, 'seed'.length, node);
  }

  /**
   * Whether a node's source text contains a word (ASCII letters and `_`, any case), from
   * the word's offsets in the source: cheaper than the node's text, which crosses into the
   * wasm heap and copies it out.
   */
  mentions(node: Node, word: string): boolean {
    return occursWithin(offsetsOf(this.module.source, word, true), word.length, node);
  }

  /**
   * The calls a scope's body runs (those of its comprehensions and class bodies included),
   * in the order they finish: inner calls first. Gathered as each scope is walked (once):
   * the scopes the walk never reaches need neither their calls nor their calls' ends (read
   * from the wasm heap for a call of a chunk the edit parsed again).
   */
  private callsRunBy(scope: Scope): CallSite[] {
    const calls = this.module.calls;
    const out: CallSite[] = [];
    if (scope.kind === 'module') {
      for (const c of calls) if (executionScope(c.scope) === scope) out.push(c);
    } else {
      // The module's calls are in document order: those of a function lie in its span.
      let lo = 0;
      let hi = calls.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (calls[mid].node.startIndex < scope.start) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < calls.length && calls[i].node.startIndex < scope.end; i++) if (executionScope(calls[i].scope) === scope) out.push(calls[i]);
    }
    return out.sort((a, b) => a.end - b.end || b.node.startIndex - a.node.startIndex);
  }

  private walk(scope: Scope): void {
    for (const c of this.callsRunBy(scope)) {
      if (!this.visits.has(c)) this.visits.set(c, { executed: true, seq: this.seq++, seeded: this.state, entry: this.stack[0] ?? c });
      const { libs, opaque } = this.seedsOf(c);
      for (const lib of libs) {
        const e: SeedEvent = { lib, call: c, via: this.stack[0], seq: this.visits.get(c)!.seq, opaque };
        this.events.push(e);
        if (!this.state.has(lib)) this.state = new Map(this.state).set(lib, e);
      }
      const targets = this.localTargets(c);
      if (targets.length && scope === this.module.moduleScope && isStatementCall(c)) this.callsOwnFunction = true;
      for (const target of targets) {
        if (this.walked.has(target)) continue;
        this.walked.add(target);
        this.walkStart.set(target, this.seq);
        this.stack.push(c);
        this.walk(target);
        this.stack.pop();
      }
    }
  }

  /** Function bodies of this file that a call runs (the same array on every ask: do not modify it). */
  localTargets(c: CallSite): Scope[] {
    let known = this.targetsCache.get(c);
    if (!known) {
      known = this.computeLocalTargets(c);
      this.targetsCache.set(c, known);
    }
    return known;
  }

  private computeLocalTargets(c: CallSite): Scope[] {
    const m = this.module;
    const f = c.func;
    const out: Scope[] = [];
    if (f.type === 'identifier') {
      for (const b of m.lookup(f.text, c.scope) ?? []) {
        if (b.kind === 'def') {
          const fn = this.functionOf(b);
          if (fn) out.push(fn);
        } else if (b.kind === 'class') {
          const init = this.methodOf(this.classOf(b), '__init__');
          if (init) out.push(init);
        }
      }
      return out;
    }
    if (f.type !== 'attribute') return out;
    // Only a method some class of this file defines can be a target: most method calls
    // (`x.view()`, `F.relu()`) are answered by their name alone.
    const method = calledName(f);
    if (!method || !this.classMethodNames().has(method)) return out;
    const object = f.childForFieldName('object');
    if (object?.type !== 'identifier') return out;
    let cls: Scope | undefined;
    if (object.text === 'self' || object.text === 'cls') {
      let s: Scope | undefined = c.scope;
      while (s && !(s.kind === 'function' && s.parent?.kind === 'class')) s = s.parent;
      cls = s?.parent;
    } else {
      const bindings = m.lookup(object.text, c.scope);
      if (bindings?.length === 1) {
        const b = bindings[0];
        if (b.kind === 'class') cls = this.classOf(b);
        else if (b.kind === 'assign' && b.value?.type === 'call') {
          const ctor = b.value.childForFieldName('function');
          if (ctor?.type === 'identifier') {
            const cb = m.lookup(ctor.text, b.scope);
            if (cb?.length === 1 && cb[0].kind === 'class') cls = this.classOf(cb[0]);
          }
        }
      }
    }
    const target = this.methodOf(cls, method);
    if (target) out.push(target);
    return out;
  }

  private methodNames?: Set<string>;

  /** Names the classes of this file bind with a `def`. */
  private classMethodNames(): Set<string> {
    if (!this.methodNames) {
      this.methodNames = new Set();
      for (const s of this.module.scopes) {
        if (s.kind !== 'class') continue;
        for (const [name, bindings] of s.bindings) if (bindings.some((b) => b.kind === 'def')) this.methodNames.add(name);
      }
    }
    return this.methodNames;
  }

  private functionOf(b: Binding): Scope | undefined {
    return this.defScope(b, 'function');
  }

  private classOf(b: Binding): Scope | undefined {
    return this.defScope(b, 'class');
  }

  /** The scope of the `def`/`class` a binding names (`node.parent` walks down from the root: asked once per binding). */
  private defScope(b: Binding, kind: 'function' | 'class'): Scope | undefined {
    const cache = this.defScopeCache[kind];
    if (cache.has(b)) return cache.get(b);
    const def = b.node.parent;
    this.scopeByNode ??= new Map(this.module.scopes.flatMap((s) => (s.node ? [[`${s.kind}:${s.node.startIndex}`, s] as const] : [])));
    const scope = def ? this.scopeByNode.get(`${kind}:${def.startIndex}`) : undefined;
    cache.set(b, scope);
    return scope;
  }

  private methodOf(cls: Scope | undefined, name: string): Scope | undefined {
    const def = cls?.bindings.get(name)?.find((b) => b.kind === 'def');
    return def ? this.functionOf(def) : undefined;
  }
}

/** Calls that only hand on a program's result: `sys.exit(main())`, `asyncio.run(main())`. */
const STATEMENT_WRAPPERS = new Set(['sys.exit', 'exit', 'quit', 'asyncio.run', 'print']);

/** A call that is a statement by itself (its value discarded), or only wrapped in `sys.exit(...)` and the like. */
function isStatementCall(c: CallSite): boolean {
  let n: Node = c.node;
  for (;;) {
    const p = n.parent;
    if (!p) return false;
    if (p.type === 'expression_statement') return true;
    if (p.type === 'await') {
      n = p;
      continue;
    }
    const outer = p.type === 'argument_list' ? p.parent : null;
    if (outer?.type !== 'call') return false;
    const f = outer.childForFieldName('function');
    if (!f || !STATEMENT_WRAPPERS.has(f.text)) return false;
    n = outer;
  }
}

/** The scope whose body runs a call: comprehensions and class bodies run inline in theirs. */
export function executionScope(scope: Scope): Scope {
  let s = scope;
  while ((s.kind === 'comprehension' || s.kind === 'class') && s.parent) s = s.parent;
  return s;
}

/** The name a call is made by: `f` in `f()`, `set_seed` in `utils.set_seed()`. */
export function calledName(func: Node): string | undefined {
  // Asked several times per call by the analysis: each answer crosses into the wasm heap.
  if (calledNames.has(func)) return calledNames.get(func);
  const name = func.type === 'identifier' ? func.text : func.type === 'attribute' ? func.childForFieldName('attribute')?.text : undefined;
  calledNames.set(func, name);
  return name;
}
const calledNames = new WeakMap<Node, string | undefined>();

/** The module-level `if __name__ == "__main__":` statement. */
export function findMainGuard(module: PythonModule): Node | undefined {
  // The guard spells `__main__`: only the statements holding an occurrence of it are asked
  // for their type and condition (each answer crosses into the wasm heap).
  const occurrences = offsetsOf(module.source, '__main__');
  if (!occurrences.length) return undefined;
  const statements = module.topLevel;
  let k = 0;
  for (const offset of occurrences) {
    // The last statement starting at or before the occurrence (starts are plain properties).
    while (k + 1 < statements.length && statements[k + 1].startIndex <= offset) k++;
    const s = statements[k];
    if (!s || s.startIndex > offset || s.type !== 'if_statement') continue;
    const cond = s.childForFieldName('condition');
    if (cond?.type !== 'comparison_operator') continue;
    const parts = cond.namedChildren.filter((n): n is Node => !!n);
    if (parts.length === 2 && parts.some((p) => p.type === 'identifier' && p.text === '__name__') && parts.some((p) => p.type === 'string' && /^['"]__main__['"]$/.test(p.text))) return s;
  }
  return undefined;
}

const cache = new WeakMap<PythonModule, SeedingAnalysis>();

/** The seeding analysis of a module, computed once and shared by the rules. */
export function seedingOf(module: PythonModule): SeedingAnalysis {
  let a = cache.get(module);
  if (!a) {
    a = new SeedingAnalysis(module);
    cache.set(module, a);
  }
  return a;
}

// ---------------------------------------------------------------------------------------
// Calls that draw from a global generator.

export interface RngUse {
  call: CallSite;
  lib: RngLib;
  /** Other libraries whose seed also makes the draw repeatable (Keras 3 initializers draw their seeds from Python's random). */
  alsoSeededBy?: RngLib[];
  /** How the call is named in messages (`np.random.rand`). */
  what: string;
  /** The verb phrase: "draws from", "initializes its weights from". */
  how: string;
  /**
   * The object draws later, when it is used (a DataLoader when iterated, an initializer
   * when a layer is built), not where it is created: a seed anywhere in the file may run
   * before that, so it counts as seeded when the file seeds the library anywhere.
   */
  lazy?: boolean;
}

const PY_RANDOM = new Set([
  'random', 'randint', 'randrange', 'choice', 'choices', 'shuffle', 'sample', 'uniform', 'triangular', 'gauss',
  'normalvariate', 'lognormvariate', 'expovariate', 'vonmisesvariate', 'gammavariate', 'betavariate',
  'paretovariate', 'weibullvariate', 'getrandbits', 'randbytes', 'binomialvariate',
]);

const NP_LEGACY = new Set([
  'rand', 'randn', 'randint', 'random_integers', 'random_sample', 'random', 'ranf', 'sample', 'choice', 'bytes',
  'shuffle', 'permutation', 'beta', 'binomial', 'chisquare', 'dirichlet', 'exponential', 'f', 'gamma', 'geometric',
  'gumbel', 'hypergeometric', 'laplace', 'logistic', 'lognormal', 'logseries', 'multinomial', 'multivariate_normal',
  'negative_binomial', 'noncentral_chisquare', 'noncentral_f', 'normal', 'pareto', 'poisson', 'power', 'rayleigh',
  'standard_cauchy', 'standard_exponential', 'standard_gamma', 'standard_normal', 'standard_t', 'triangular',
  'uniform', 'vonmises', 'wald', 'weibull', 'zipf',
]);

const TORCH_SAMPLERS = new Set([
  'rand', 'randn', 'randint', 'randperm', 'bernoulli', 'multinomial', 'normal', 'poisson', 'rand_like', 'randn_like',
  'randint_like',
]);

const TORCH_INIT = new Set([
  'uniform_', 'normal_', 'trunc_normal_', 'xavier_uniform_', 'xavier_normal_', 'kaiming_uniform_', 'kaiming_normal_',
  'orthogonal_', 'sparse_', 'uniform', 'normal', 'xavier_uniform', 'xavier_normal', 'kaiming_uniform', 'kaiming_normal',
  'orthogonal', 'sparse',
]);

const TENSOR_IN_PLACE = new Set(['uniform_', 'normal_', 'bernoulli_', 'random_', 'exponential_', 'geometric_', 'log_normal_', 'cauchy_']);

/** Layers whose constructor initializes parameters at random. */
const TORCH_LAYERS = new Set([
  'Linear', 'Bilinear', 'LazyLinear', 'Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d',
  'ConvTranspose3d', 'LazyConv1d', 'LazyConv2d', 'LazyConv3d', 'Embedding', 'EmbeddingBag', 'RNN', 'LSTM', 'GRU',
  'RNNCell', 'LSTMCell', 'GRUCell', 'MultiheadAttention', 'Transformer', 'TransformerEncoderLayer',
  'TransformerDecoderLayer',
]);

const TORCH_SAMPLER_CLASSES = new Set(['RandomSampler', 'SubsetRandomSampler', 'WeightedRandomSampler']);

const TF_OPS = new Set([
  'uniform', 'normal', 'truncated_normal', 'shuffle', 'categorical', 'gamma', 'poisson', 'uniform_candidate_sampler',
  'log_uniform_candidate_sampler', 'learned_unigram_candidate_sampler', 'fixed_unigram_candidate_sampler',
  'all_candidate_sampler', 'experimental.index_shuffle',
]);
const TF1_OPS = new Set(['random_uniform', 'random_normal', 'truncated_normal', 'random_shuffle', 'multinomial', 'random_gamma', 'random_poisson', 'random_crop']);

const KERAS_INITIALIZERS = new Set([
  'RandomNormal', 'RandomUniform', 'TruncatedNormal', 'GlorotUniform', 'GlorotNormal', 'HeNormal', 'HeUniform',
  'LecunNormal', 'LecunUniform', 'VarianceScaling', 'Orthogonal', 'OrthogonalInitializer', 'random_normal',
  'random_uniform', 'truncated_normal', 'glorot_uniform', 'glorot_normal', 'he_normal', 'he_uniform', 'lecun_normal',
  'lecun_uniform', 'variance_scaling', 'orthogonal',
]);

/** A line break in a callee's text, with a `\` before it and the spaces around it. */
const LINE_BREAK = /\s*\\?\r?\n\s*/g;

/** A callee's source text on one line (`torch.LongTensor(n) \\\n .random_` -> `torch.LongTensor(n).random_`). */
function calleeText(c: CallSite): string {
  return (c.calleeShape.text ?? c.func.text).replace(LINE_BREAK, '');
}

/** Whether a node's text holds one of the occurrences (of a string `length` long) at `offsets`. */
function occursWithin(offsets: readonly number[], length: number, node: Node): boolean {
  if (!offsets.length) return false;
  const i = firstAtOrAfter(offsets, node.startIndex);
  return i < offsets.length && offsets[i] + length <= node.endIndex;
}

/**
 * Whether a call's source text contains a string, from the string's offsets in the source
 * and the call's cached end: the call's own text crosses into the wasm heap and copies it out.
 */
function callMentions(module: PythonModule, c: CallSite, text: string): boolean {
  const at = offsetsOf(module.source, text);
  const i = firstAtOrAfter(at, c.node.startIndex);
  return i < at.length && at[i] + text.length <= c.end;
}

/** `c.keyword(name)`, settled from the source text for a call that does not mention the name (most calls asked). */
function keywordArgument(module: PythonModule, c: CallSite, name: string): Node | undefined {
  return callMentions(module, c, name) ? c.keyword(name) : undefined;
}

/** `c.hasKeywordSplat`, without taking the call's arguments apart when its source text has no `**`. */
function keywordSplat(module: PythonModule, c: CallSite): boolean {
  return callMentions(module, c, '**') && c.hasKeywordSplat;
}

function isNone(module: PythonModule, node: Node | undefined, scope: Scope): boolean {
  return !!node && module.constantValue(node, scope)?.kind === 'none';
}

/** The argument is given (by position or keyword; position -1 for keyword-only) and is not None. */
function given(module: PythonModule, c: CallSite, position: number, name: string): boolean {
  const a = keywordArgument(module, c, name) ?? (position < 0 ? undefined : c.positional[position]);
  return !!a && !isNone(module, a, c.scope);
}

function isCudaDevice(module: PythonModule, node: Node | undefined, scope: Scope): boolean {
  if (!node) return false;
  const v = module.constantValue(node, scope);
  if (v?.kind === 'string') return v.value.startsWith('cuda');
  if (node.type === 'call') {
    const f = node.childForFieldName('function');
    if (f && module.resolveExpression(f, scope) === 'torch.device') {
      const first = node.childForFieldName('arguments')?.namedChildren[0];
      const dv = first ? module.constantValue(first, scope) : undefined;
      return dv?.kind === 'string' && dv.value.startsWith('cuda');
    }
  }
  return false;
}

/**
 * How the calls of one callee draw from a global generator: the use a call makes, once its
 * arguments are looked at (undefined when they pass a generator or a seed). What a callee
 * draws from depends on its name alone: decided once per callee of a module.
 */
type UseCheck = (module: PythonModule, c: CallSite) => RngUse | undefined;

/** A use unless the call passes a `generator` (keyword-only). */
function unlessGenerator(lib: RngLib, how: string, lazy?: true): UseCheck {
  return (module, c) => {
    if (given(module, c, -1, 'generator') || keywordSplat(module, c)) return undefined;
    return lazy ? { call: c, lib, what: calleeText(c), how, lazy } : { call: c, lib, what: calleeText(c), how };
  };
}

/** Keyword arguments of torch samplers by position: where `generator` sits. */
function torchCheck(callee: string, name: string): UseCheck | undefined {
  if (callee.startsWith('torch.nn.init.') && TORCH_INIT.has(name)) return unlessGenerator('torch', 'initializes the tensor from');
  if ((callee === `torch.${name}` || callee === `torch.random.${name}`) && TORCH_SAMPLERS.has(name)) {
    return (module, c) => {
      if (given(module, c, -1, 'generator') || keywordSplat(module, c)) return undefined;
      const lib: RngLib = isCudaDevice(module, keywordArgument(module, c, 'device'), c.scope) ? 'cuda' : 'torch';
      return { call: c, lib, what: calleeText(c), how: 'draws from' };
    };
  }
  if (callee.startsWith('torch.') && /\(\)\.[a-z_]+_$/.test(callee) && TENSOR_IN_PLACE.has(name)) return unlessGenerator('torch', 'fills the tensor from');
  if (/^torch\.distributions\.[\w.]+\(\)\.(r?sample|sample_n)$/.test(callee)) return (_, c) => ({ call: c, lib: 'torch', what: calleeText(c), how: 'draws from' });
  if ((callee === `torch.nn.${name}` || callee === `torch.nn.modules.${name}`) && TORCH_LAYERS.has(name)) {
    return (_, c) => ({ call: c, lib: 'torch', what: calleeText(c), how: 'initializes its weights from' });
  }
  if (callee === 'torch.utils.data.DataLoader' || callee === 'torch.utils.data.dataloader.DataLoader') {
    return (module, c) => {
      const shuffle = c.argument(2, 'shuffle');
      if (!shuffle || module.constantValue(shuffle, c.scope)?.kind !== 'bool' || !(module.constantValue(shuffle, c.scope) as { value: boolean }).value) return undefined;
      if (given(module, c, 12, 'generator') || keywordSplat(module, c)) return undefined;
      return { call: c, lib: 'torch', what: `${calleeText(c)}(shuffle=True)`, how: 'without a generator shuffles with', lazy: true };
    };
  }
  if ((callee === `torch.utils.data.${name}` || callee === `torch.utils.data.sampler.${name}`) && TORCH_SAMPLER_CLASSES.has(name)) {
    return unlessGenerator('torch', 'without a generator samples with', true);
  }
  if (callee === 'torch.utils.data.random_split' || callee === 'torch.utils.data.dataset.random_split') {
    return (module, c) => (given(module, c, 2, 'generator') || c.hasSplat ? undefined : { call: c, lib: 'torch', what: calleeText(c), how: 'without a generator splits with' });
  }
  return undefined;
}

function tensorflowCheck(callee: string): UseCheck | undefined {
  const seeded = (module: PythonModule, c: CallSite) => given(module, c, -1, 'seed') || keywordSplat(module, c);
  const tf = /^tensorflow\.(?:compat\.v[12]\.)?(.+)$/.exec(callee);
  if (tf) {
    const rest = tf[1];
    if ((rest.startsWith('random.') && TF_OPS.has(rest.slice(7))) || TF1_OPS.has(rest) || /^image\.random_\w+$/.test(rest) || rest === 'nn.dropout') {
      return (module, c) => (seeded(module, c) ? undefined : { call: c, lib: 'tensorflow', what: calleeText(c), how: 'without seed= draws from' });
    }
    if (/^data\.Dataset\.\w+\(\)(\.\w+\(\))*\.shuffle$/.test(rest)) {
      return (module, c) => (given(module, c, 1, 'seed') || keywordSplat(module, c) ? undefined : { call: c, lib: 'tensorflow', what: 'Dataset.shuffle', how: 'without seed= shuffles with' });
    }
  }
  const init = /^(?:tensorflow\.keras|keras|tf_keras)\.initializers\.(\w+)$/.exec(callee);
  if (init && KERAS_INITIALIZERS.has(init[1])) {
    return (module, c) => (seeded(module, c) ? undefined : { call: c, lib: 'tensorflow', alsoSeededBy: ['python'], what: calleeText(c), how: 'without seed= draws its weights from', lazy: true });
  }
  return undefined;
}

/** How calls of a callee draw from a global generator; undefined when they do not. */
function useCheckOf(callee: string): UseCheck | undefined {
  const dot = callee.lastIndexOf('.');
  const name = callee.slice(dot + 1);
  if (callee === `random.${name}` && PY_RANDOM.has(name)) return (_, c) => ({ call: c, lib: 'python', what: calleeText(c), how: 'draws from' });
  if ((callee === `numpy.random.${name}` || callee === `numpy.random.mtrand.${name}`) && NP_LEGACY.has(name)) {
    return (_, c) => ({ call: c, lib: 'numpy', what: calleeText(c), how: 'draws from' });
  }
  if (/^scipy\.stats\.\w+(\(\))?\.rvs$/.test(callee)) {
    return (module, c) => (given(module, c, -1, 'random_state') || keywordSplat(module, c) ? undefined : { call: c, lib: 'numpy', what: calleeText(c), how: 'without random_state draws from' });
  }
  if (callee.startsWith('torch.')) return torchCheck(callee, name);
  if (callee.startsWith('tensorflow.') || callee.startsWith('keras.') || callee.startsWith('tf_keras.')) return tensorflowCheck(callee);
  return undefined;
}

/** Every call of the module that draws from one of the global generators, in document order. */
export function globalRngUses(module: PythonModule): RngUse[] {
  let known = rngUses.get(module);
  if (!known) {
    known = findGlobalRngUses(module);
    rngUses.set(module, known);
  }
  return known;
}

const rngUses = new WeakMap<PythonModule, RngUse[]>();

function findGlobalRngUses(module: PythonModule): RngUse[] {
  const out: RngUse[] = [];
  // A file calls few distinct callees, many times each.
  const checks = new Map<string, UseCheck | null>();
  for (const c of module.calls) {
    const callee = c.callee;
    if (!callee) continue;
    let check = checks.get(callee);
    if (check === undefined) checks.set(callee, (check = useCheckOf(callee) ?? null));
    const use = check?.(module, c);
    if (use) out.push(use);
  }
  return out;
}

/** The global-generator uses not seeded where they run, grouped by library: one finding each. */
export interface UnseededGroup {
  lib: RngLib;
  /** The first unseeded use: the earliest in execution order, else the first deferred one. */
  first: RngUse;
  state: CallState;
  /** The other unseeded uses of the library. */
  others: RngUse[];
  /** Other libraries seeded where `first` runs: partial seeding. */
  seededOthers: SeedEvent[];
  /** Seeds of this library in the file that do not run before `first`. */
  later: SeedEvent[];
  /** For a deferred `first`: whether some call in the file runs the function it is in (from code the walk does not reach). */
  calledInFile: boolean;
}

export interface RngUsesReport {
  uses: RngUse[];
  groups: UnseededGroup[];
}

const reports = new WeakMap<PythonModule, RngUsesReport>();

export function isSeededFor(use: { lib: RngLib; alsoSeededBy?: RngLib[] }, seeded: ReadonlyMap<RngLib, SeedEvent>): boolean {
  return seeded.has(use.lib) || !!use.alsoSeededBy?.some((l) => seeded.has(l));
}

/** The text of the name or attribute a call's value is assigned to (`seed = int(random.randint(...))`). */
function assignedTo(node: Node): string | undefined {
  let n: Node | null = node;
  for (let i = 0; i < 4 && n?.parent; i++) {
    const p: Node = n.parent;
    if (p.type === 'assignment') {
      const left = p.childForFieldName('left');
      return p.childForFieldName('right')?.startIndex === n.startIndex && (left?.type === 'identifier' || left?.type === 'attribute') ? left.text : undefined;
    }
    if (!['call', 'argument_list', 'parenthesized_expression', 'binary_operator'].includes(p.type)) return undefined;
    n = p;
  }
  return undefined;
}

/** Calls that take a seed or key, with the position and keyword of the seed. */
const SEED_SINKS = new Map<string, [number, string]>(Object.entries({
  'numpy.random.default_rng': [0, 'seed'],
  'numpy.random.RandomState': [0, 'seed'],
  'numpy.random.SeedSequence': [0, 'entropy'],
  'random.Random': [0, 'x'],
  'torch.Generator().manual_seed': [0, 'seed'],
  'tensorflow.random.Generator.from_seed': [0, 'seed'],
  'jax.random.PRNGKey': [0, 'seed'],
  'jax.random.key': [0, 'seed'],
}));

/** The source texts passed as seeds anywhere in the module (`args.seed`, `opt.manualSeed`). */
export function seedArgumentTexts(module: PythonModule, analysis: SeedingAnalysis): Set<string> {
  const out = new Set<string>();
  for (const c of module.calls) {
    const seeder = seederOf(c.callee);
    const sink = c.callee ? SEED_SINKS.get(c.callee) : undefined;
    // Otherwise only a call whose text says `seed` or `random_state` passes a seed: test that first, it is cheap.
    if (!seeder && !sink && !analysis.mentions(c.node, 'seed') && !analysis.mentions(c.node, 'random_state')) continue;
    const at = seeder?.seedArg ?? sink ?? (analysis.isOpaqueHelper(c) || /seed/i.test(calledName(c.func) ?? '') ? ([0, 'seed'] as [number, string]) : undefined);
    const arg = at ? c.argument(at[0], at[1]) : undefined;
    if (arg) out.add(arg.text);
    for (const k of ['random_state', 'seed']) {
      const v = c.keyword(k);
      if (v) out.add(v.text);
    }
  }
  return out;
}

/** Calls that take an example input only for its shape (tracing, export, summaries). */
const EXPORTERS = new Set([
  'torch.jit.trace', 'torch.jit.trace_module', 'torch.onnx.export', 'torch.onnx.dynamo_export', 'torch.export.export',
  'torchinfo.summary', 'torchsummary.summary', 'thop.profile', 'fvcore.nn.FlopCountAnalysis',
]);

/**
 * Whether a draw only makes an example input for tracing or export
 * (`dummy = torch.randn(1, 3, 224, 224); torch.onnx.export(model, dummy, ...)`): every
 * use of the value is an argument of an exporter.
 */
function onlyExampleInput(module: PythonModule, node: Node, target: string | undefined): boolean {
  // Only an exporter's argument can be an example input: a file that calls no exporter
  // needs no walk up from the draw or over the uses of its name.
  if (!callsExporter(module)) return false;
  const exporterArg = (n: Node) => {
    let p: Node | null = n.parent;
    for (let i = 0; i < 3 && p; i++, p = p.parent) {
      if (p.type === 'call') {
        const site = module.callSiteOf(p);
        return !!site?.callee && EXPORTERS.has(site.callee) && site.node.startIndex !== n.startIndex;
      }
      if (!['argument_list', 'tuple', 'list', 'keyword_argument'].includes(p.type)) return false;
    }
    return false;
  };
  if (exporterArg(node)) return true;
  if (!target || !/^[A-Za-z_]\w*$/.test(target)) return false;
  // Every use of the name (not its assignments) is an exporter's argument; stops at the
  // first that is not (`Node.parent` walks down from the root: costly in large files).
  let uses = 0;
  for (const n of module.identifiersNamed(target)) {
    if (n.parent?.type === 'assignment') continue;
    if (!exporterArg(n)) return false;
    uses++;
  }
  return uses > 0;
}

const exporterCalls = new WeakMap<PythonModule, boolean>();

/** Whether any call of the module resolves to an exporter (computed once per module). */
function callsExporter(module: PythonModule): boolean {
  let known = exporterCalls.get(module);
  if (known === undefined) {
    known = module.calls.some((c) => !!c.callee && EXPORTERS.has(c.callee));
    exporterCalls.set(module, known);
  }
  return known;
}

const TORCH_DATASETS = new Set(['torch.utils.data.Dataset', 'torch.utils.data.IterableDataset', 'torch.utils.data.dataset.Dataset', 'torch.utils.data.dataset.IterableDataset']);

/** Whether a scope is inside a method of a class derived from a PyTorch Dataset. */
function inTorchDatasetMethod(module: PythonModule, scope: Scope): boolean {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    if (s.kind !== 'class' || !s.node) continue;
    const bases = s.node.childForFieldName('superclasses')?.namedChildren ?? [];
    if (bases.some((b) => b && TORCH_DATASETS.has(module.resolveExpression(b, s!.parent ?? module.moduleScope) ?? ''))) return true;
  }
  return false;
}

/** The unseeded global-generator uses of a module, computed once. */
export function unseededUses(module: PythonModule): RngUsesReport {
  const known = reports.get(module);
  if (known) return known;
  const analysis = seedingOf(module);
  const uses = globalRngUses(module);
  const executedUse = uses.some((u) => analysis.at(u.call).executed);
  let seedTexts: Set<string> | undefined;
  const byLib = new Map<RngLib, Array<{ use: RngUse; state: CallState }>>();
  for (const use of uses) {
    const state = analysis.at(use.call);
    const seeded = use.lazy ? analysis.anywhere : state.seeded;
    if (isSeededFor(use, seeded)) continue;
    // The cheap test first: in a library module (no code of its own runs) the uses in
    // functions end here, before the seed texts are gathered.
    if (!state.executed && !analysis.runsCode(executedUse)) continue;
    seedTexts ??= seedArgumentTexts(module, analysis);
    // Picking the seed itself (`if seed is None: seed = random.randint(1, 10000)`, then
    // seeding with it and usually logging it) is not unseeded randomness.
    // The name the draw is assigned to, only when something can ask for it (`node.parent`
    // walks down from the root: a file with many draws, no seeds and no exporter asks nothing).
    const target = seedTexts.size || callsExporter(module) ? assignedTo(use.call.node) : undefined;
    if (target && seedTexts.has(target)) continue;
    // A dummy input for tracing or export: the exported graph does not depend on its values.
    if (onlyExampleInput(module, use.call.node, target)) continue;
    // DataLoader workers reseed Python's random and NumPy from PyTorch's generator.
    if ((use.lib === 'python' || use.lib === 'numpy') && seeded.has('torch') && inTorchDatasetMethod(module, use.call.scope)) continue;
    const list = byLib.get(use.lib);
    if (list) list.push({ use, state });
    else byLib.set(use.lib, [{ use, state }]);
  }
  const groups: UnseededGroup[] = [];
  for (const [lib, list] of byLib) {
    list.sort((a, b) => a.state.seq - b.state.seq || a.use.call.node.startIndex - b.use.call.node.startIndex);
    const [{ use: first, state }, ...rest] = list;
    const seededOthers: SeedEvent[] = [];
    for (const e of state.seeded.values()) if (e.lib !== lib && !seededOthers.some((o) => o.call === e.call)) seededOthers.push(e);
    const later = analysis.seedCalls.filter((e) => e.lib === lib || (first.alsoSeededBy?.includes(e.lib) ?? false));
    const fn = executionScope(first.call.scope);
    const calledInFile = !state.executed && fn !== module.moduleScope && module.calls.some((c) => analysis.localTargets(c).includes(fn));
    groups.push({ lib, first, state, others: rest.map((r) => r.use), seededOthers, later, calledInFile });
  }
  groups.sort((a, b) => a.first.call.node.startIndex - b.first.call.node.startIndex);
  const report = { uses, groups };
  reports.set(module, report);
  return report;
}
