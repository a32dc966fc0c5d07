/**
 * Judging the globals a pickle imports.
 *
 * An ALLOWLIST decides what is safe: blocklist scanners (picklescan and the like) are
 * bypassed again and again by the next callable nobody listed, so a global that is not
 * known to be safe is never called safe. Three classes:
 * - `safe`: on the allowlist below: constructors of plain data (containers, numbers,
 *   dates), numpy's array/dtype/scalar reconstructors and torch's tensor rebuild helpers,
 *   storages and dtypes: the globals a weights-only file needs.
 * - `dangerous`: runs commands, touches files or the network, evaluates code, loads a
 *   nested pickle, or reaches arbitrary attributes; also every global the reader could
 *   not resolve (a STACK_GLOBAL on computed strings, an extension code), which is how
 *   real payloads hide.
 * - `unknown`: everything else (`sklearn.ensemble._forest.RandomForestClassifier`, a
 *   user's `__main__.Net`): its code runs on load and nobody vouched for it.
 *
 * Why calling an allowlisted global is safe even with arbitrary arguments: every callable
 * a pickle can hand to it is itself a global of the same pickle (or a call result of
 * one), and is judged on its own. So `collections.defaultdict(os.system)` is reported for
 * `os.system`, and `defaultdict` itself is safe: it only stores its factory, which runs on
 * a later missing-key lookup, never during the load. The same holds for
 * `torch._tensor._rebuild_from_type_v2(func, ...)`, which calls `func`: `func` is judged.
 * The allowlist therefore holds no global that RETURNS a new callable from data
 * (`functools.partial`, `operator.attrgetter`, `getattr`); those are dangerous.
 */
import type { PickleContext, PickleGlobalRef } from '../engine/rule';
import { canonicalModule, canonicalName, UNRESOLVED_MODULE } from './names';
import type { PickleReadError } from './reader';

export { canonicalModule, canonicalName, UNRESOLVED_MODULE };

export type GlobalVerdict = 'safe' | 'dangerous' | 'unknown';

export interface GlobalJudgement {
  verdict: GlobalVerdict;
  /** The canonical dotted path (`builtins.eval` for `__builtin__.eval`). */
  canonical: string;
  /** For dangerous globals: what it does when loading reaches it ("runs a shell command"). */
  effect?: string;
}

// ---------------------------------------------------------------------------
// Allowlist (canonical spellings; see names.ts for the aliases folded into them)

const TORCH_DTYPES = [
  'float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'complex32', 'complex64', 'complex128', 'cfloat', 'cdouble', 'chalf',
  'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'short', 'int32', 'int', 'int64', 'long', 'bool',
  'qint8', 'quint8', 'qint32', 'quint4x2', 'quint2x4',
  'float8_e4m3fn', 'float8_e4m3fnuz', 'float8_e5m2', 'float8_e5m2fnuz', 'float8_e8m0fnu', 'float4_e2m1fn_x2',
  'bits1x8', 'bits2x4', 'bits4x2', 'bits8', 'bits16',
  'uint1', 'uint2', 'uint3', 'uint4', 'uint5', 'uint6', 'uint7', 'int1', 'int2', 'int3', 'int4', 'int5', 'int6', 'int7',
];
const TORCH_STORAGE_PREFIXES = [
  'Float', 'Double', 'Half', 'BFloat16', 'Long', 'Int', 'Short', 'Char', 'Byte', 'Bool',
  'ComplexFloat', 'ComplexDouble', 'QInt8', 'QUInt8', 'QInt32', 'QUInt4x2', 'QUInt2x4',
];
const TORCH_TENSOR_PREFIXES = ['Float', 'Double', 'Half', 'BFloat16', 'Long', 'Int', 'Short', 'Char', 'Byte', 'Bool', 'ComplexFloat', 'ComplexDouble'];
/** torch's weights-only unpickler allows these (torch/_weights_only_unpickler.py, _get_allowed_globals). */
const TORCH_REBUILD = [
  '_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_tensor_v3', '_rebuild_parameter', '_rebuild_parameter_with_state',
  '_rebuild_qtensor', '_rebuild_sparse_tensor', '_rebuild_meta_tensor_no_storage', '_rebuild_wrapper_subclass',
  '_rebuild_device_tensor_from_numpy', '_rebuild_device_tensor_from_cpu_tensor', '_rebuild_nested_tensor',
];

export const SAFE_GLOBALS: ReadonlySet<string> = new Set([
  // Python data types that protocols 0-3 spell as globals
  'builtins.set', 'builtins.frozenset', 'builtins.complex', 'builtins.slice', 'builtins.bytearray', 'builtins.bytes',
  'builtins.range', 'builtins.list', 'builtins.dict', 'builtins.tuple', 'builtins.int', 'builtins.float', 'builtins.str',
  'builtins.bool', 'builtins.object', 'builtins.Ellipsis', 'builtins.NotImplemented',
  // protocol 2 spells bytes as `_codecs.encode('...', 'latin1')`
  '_codecs.encode',
  // Instances of plain classes before protocol 2 (`cls.__new__` of a judged class, nothing else)
  'copyreg._reconstructor', 'copyreg.__newobj__', 'copyreg.__newobj_ex__',
  'collections.OrderedDict', 'collections.Counter', 'collections.deque',
  // defaultdict stores its factory and calls it only on a missing key after loading;
  // the factory is itself a global of the pickle, judged separately (see the header).
  'collections.defaultdict',
  'datetime.datetime', 'datetime.date', 'datetime.time', 'datetime.timedelta', 'datetime.timezone',
  'decimal.Decimal', 'fractions.Fraction', 'uuid.UUID',
  // numpy arrays, dtypes and scalars (numpy.core and numpy._core are one after canonicalName)
  'numpy.core.multiarray._reconstruct', 'numpy.core.multiarray.scalar', 'numpy.core.numeric._frombuffer',
  'numpy.ndarray', 'numpy.dtype', 'numpy.ma.core._mareconstruct', 'numpy.ma.MaskedArray', 'numpy.ma.core.MaskedArray',
  // joblib's inline arrays: the reader steps over the raw bytes and reads an object
  // array's nested pickle like any other, so the wrapper itself hides nothing
  'joblib.numpy_pickle.NumpyArrayWrapper', 'sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper',
  // numpy random generators: the constructors look the bit generator up by name in a fixed table
  'numpy.random._pickle.__randomstate_ctor', 'numpy.random._pickle.__generator_ctor', 'numpy.random._pickle.__bit_generator_ctor',
  'numpy.random.bit_generator.__pyx_unpickle_SeedSequence', 'numpy.random.bit_generator.SeedSequence',
  'numpy.random._mt19937.MT19937', 'numpy.random._pcg64.PCG64', 'numpy.random._pcg64.PCG64DXSM',
  'numpy.random._philox.Philox', 'numpy.random._sfc64.SFC64', 'numpy.random.mtrand.RandomState', 'numpy.random._generator.Generator',
  // torch: what torch.save writes for tensors, parameters and state dicts
  ...TORCH_REBUILD.map((f) => `torch._utils.${f}`),
  'torch._tensor._rebuild_from_type_v2',
  'torch.nn.parameter.Parameter', 'torch.Tensor', 'torch.Size', 'torch.device', 'torch.serialization._get_layout',
  'torch.storage.UntypedStorage', 'torch.storage.TypedStorage', 'torch.UntypedStorage', 'torch.TypedStorage',
  ...TORCH_STORAGE_PREFIXES.map((p) => `torch.${p}Storage`),
  ...TORCH_STORAGE_PREFIXES.map((p) => `torch.cuda.${p}Storage`),
  ...TORCH_TENSOR_PREFIXES.map((p) => `torch.${p}Tensor`),
  ...TORCH_TENSOR_PREFIXES.map((p) => `torch.cuda.${p}Tensor`),
  ...TORCH_DTYPES.map((d) => `torch.${d}`),
  'torch.per_tensor_affine', 'torch.per_tensor_symmetric', 'torch.per_channel_affine', 'torch.per_channel_symmetric',
  'torch.per_channel_affine_float_qparams',
  'torch.strided', 'torch.sparse_coo', 'torch.sparse_csr', 'torch.sparse_csc', 'torch.sparse_bsr', 'torch.sparse_bsc', 'torch._mkldnn',
  'torch.contiguous_format', 'torch.channels_last', 'torch.channels_last_3d', 'torch.preserve_format',
]);

// ---------------------------------------------------------------------------
// Dangerous: whole modules (any global in them or in a submodule), then single names

/** Module (and every submodule) -> what its globals can do. */
export const DANGEROUS_MODULES: ReadonlyMap<string, string> = new Map([
  ['os', 'reaches the operating system (commands, files, processes)'],
  ['posix', 'reaches the operating system (commands, files, processes)'],
  ['nt', 'reaches the operating system (commands, files, processes)'],
  ['subprocess', 'runs a command'],
  ['_posixsubprocess', 'runs a command'],
  ['_winapi', 'calls the Windows API'],
  ['sys', 'changes the interpreter (modules, paths, exit)'],
  ['socket', 'opens network connections'],
  ['_socket', 'opens network connections'],
  ['shutil', 'copies, moves or deletes files'],
  ['importlib', 'imports any module'],
  ['imp', 'imports any module'],
  ['zipimport', 'imports any module'],
  ['pkgutil', 'imports any module'],
  ['runpy', 'runs a Python module or script'],
  ['pty', 'spawns a shell'],
  ['code', 'runs Python code'],
  ['codeop', 'compiles Python code'],
  ['ctypes', 'calls native code'],
  ['_ctypes', 'calls native code'],
  ['cffi', 'calls native code'],
  ['webbrowser', 'opens a browser'],
  ['urllib', 'reaches the network'],
  ['urllib3', 'reaches the network'],
  ['requests', 'reaches the network'],
  ['httpx', 'reaches the network'],
  ['http', 'reaches the network'],
  ['ftplib', 'reaches the network'],
  ['smtplib', 'sends mail'],
  ['telnetlib', 'reaches the network'],
  ['xmlrpc', 'reaches the network'],
  ['socketserver', 'serves on the network'],
  ['asyncio', 'starts processes and network connections'],
  ['multiprocessing', 'starts processes'],
  ['_thread', 'starts threads'],
  ['threading', 'starts threads'],
  ['signal', 'changes signal handling'],
  ['pickle', 'loads a nested pickle that this scan cannot vet'],
  ['dill', 'loads a nested pickle that this scan cannot vet'],
  ['cloudpickle', 'loads a nested pickle that this scan cannot vet'],
  ['jsonpickle', 'loads a nested pickle that this scan cannot vet'],
  ['shelve', 'loads a nested pickle that this scan cannot vet'],
  ['marshal', 'loads code objects'],
  ['types', 'builds functions and code objects'],
  ['timeit', 'runs Python code'],
  ['profile', 'runs Python code'],
  ['cProfile', 'runs Python code'],
  ['trace', 'runs Python code'],
  ['pdb', 'runs Python code'],
  ['bdb', 'runs Python code'],
  ['doctest', 'runs Python code'],
  ['site', 'changes the import path'],
  ['ensurepip', 'installs packages'],
  ['pip', 'installs packages'],
  ['venv', 'creates environments and runs commands'],
  ['distutils', 'runs commands and builds code'],
  ['setuptools', 'runs commands and builds code'],
  ['tempfile', 'creates files'],
  ['glob', 'lists files'],
  ['gc', 'reaches every live object'],
  ['inspect', 'reaches interpreter internals'],
  ['winreg', 'changes the Windows registry'],
  ['_winreg', 'changes the Windows registry'],
  ['msvcrt', 'calls the C runtime'],
]);

/** Single globals (canonical spelling) -> what they do. */
export const DANGEROUS_GLOBALS: ReadonlyMap<string, string> = new Map([
  ['builtins.eval', 'evaluates Python code'],
  ['builtins.exec', 'executes Python code'],
  ['builtins.execfile', 'executes a Python file'],
  ['builtins.compile', 'compiles Python code'],
  ['builtins.open', 'opens a file'],
  ['builtins.input', 'reads the terminal'],
  ['builtins.breakpoint', 'starts a debugger'],
  ['builtins.getattr', 'fetches any attribute of any object, reaching callables the file never names'],
  ['builtins.setattr', 'changes any attribute of any object'],
  ['builtins.delattr', 'deletes attributes of any object'],
  ['builtins.__import__', 'imports any module'],
  ['builtins.globals', 'reaches the interpreter globals'],
  ['builtins.locals', 'reaches the interpreter locals'],
  ['builtins.vars', 'reaches the attributes of any object'],
  ['builtins.exit', 'exits the interpreter'],
  ['builtins.quit', 'exits the interpreter'],
  ['builtins.help', 'starts the interactive help'],
  ['io.open', 'opens a file'],
  ['io.open_code', 'opens a file'],
  ['io.FileIO', 'opens a file'],
  ['codecs.open', 'opens a file'],
  ['pathlib.Path.write_text', 'writes a file'],
  ['pathlib.Path.write_bytes', 'writes a file'],
  ['operator.attrgetter', 'fetches any attribute of any object, reaching callables the file never names'],
  ['operator.methodcaller', 'calls any method of any object'],
  ['operator.call', 'calls any callable'],
  ['functools.partial', 'builds a call to any callable'],
  ['functools.partialmethod', 'builds a call to any callable'],
  ['torch.load', 'loads a nested torch file (and its pickle) that this scan cannot vet'],
  ['torch.serialization.load', 'loads a nested torch file (and its pickle) that this scan cannot vet'],
  ['torch.serialization._load', 'loads a nested torch file (and its pickle) that this scan cannot vet'],
  ['torch.storage._load_from_bytes', 'loads a nested torch file (and its pickle) that this scan cannot vet'],
  ['torch.jit.load', 'loads a TorchScript program'],
  ['torch.hub.load', 'downloads and runs code'],
  ['torch.hub.load_state_dict_from_url', 'downloads a file'],
  ['torch.hub.download_url_to_file', 'downloads a file'],
  ['torch.utils.cpp_extension.load', 'compiles and loads native code'],
  ['torch.utils.cpp_extension.load_inline', 'compiles and loads native code'],
  ['torch.ops.load_library', 'loads native code'],
  ['torch.classes.load_library', 'loads native code'],
  ['numpy.load', 'loads a nested file, pickles included'],
  ['numpy.lib.npyio.load', 'loads a nested file, pickles included'],
  ['numpy.lib._npyio_impl.load', 'loads a nested file, pickles included'],
  ['numpy.save', 'writes a file'],
  ['numpy.fromfile', 'reads a file'],
  ['numpy.tofile', 'writes a file'],
  ['numpy.ctypeslib.load_library', 'loads native code'],
  ['numpy.testing._private.utils.runstring', 'executes Python code'],
  ['numpy.testing.utils.runstring', 'executes Python code'],
  ['numpy.f2py', 'compiles and runs code'],
  ['numpy.distutils', 'runs commands'],
  ['pandas.read_pickle', 'loads a nested pickle that this scan cannot vet'],
  ['pandas.io.pickle.read_pickle', 'loads a nested pickle that this scan cannot vet'],
  ['pandas.eval', 'evaluates expressions'],
  ['pandas.core.computation.eval.eval', 'evaluates expressions'],
  ['joblib.load', 'loads a nested pickle that this scan cannot vet'],
  ['joblib.numpy_pickle.load', 'loads a nested pickle that this scan cannot vet'],
  ['yaml.load', 'loads YAML that can build any object'],
  ['yaml.unsafe_load', 'loads YAML that can build any object'],
  ['yaml.full_load', 'loads YAML that can build objects'],
  ['keras.models.load_model', 'loads a model that can run code'],
  ['tensorflow.keras.models.load_model', 'loads a model that can run code'],
]);

/**
 * A final name that executes code wherever it lives (`pandas.eval`, `numpy.testing....
 * runstring`, `somepackage.utils.system`): checked on the last segment of any path.
 */
const DANGEROUS_LEAF_NAMES: ReadonlyMap<string, string> = new Map([
  ['eval', 'evaluates code'],
  ['exec', 'executes code'],
  ['execfile', 'executes a file'],
  ['system', 'runs a shell command'],
  ['popen', 'runs a shell command'],
  ['runstring', 'executes Python code'],
  ['run_path', 'runs a Python script'],
  ['run_module', 'runs a Python module'],
  ['load_inline', 'compiles and loads native code'],
]);

/** Effects of common members of dangerous modules, for messages ("calls os.system: runs a shell command"). */
const MEMBER_EFFECTS: ReadonlyMap<string, string> = new Map([
  ['os.system', 'runs a shell command'],
  ['os.popen', 'runs a shell command'],
  ['os.execv', 'replaces the process with a command'],
  ['os.execve', 'replaces the process with a command'],
  ['os.execl', 'replaces the process with a command'],
  ['os.execlp', 'replaces the process with a command'],
  ['os.execvp', 'replaces the process with a command'],
  ['os.spawnl', 'starts a process'],
  ['os.spawnv', 'starts a process'],
  ['os.spawnlp', 'starts a process'],
  ['os.spawnvp', 'starts a process'],
  ['os.posix_spawn', 'starts a process'],
  ['os.posix_spawnp', 'starts a process'],
  ['os.fork', 'forks the process'],
  ['os.kill', 'kills processes'],
  ['os.remove', 'deletes a file'],
  ['os.unlink', 'deletes a file'],
  ['os.rmdir', 'deletes a directory'],
  ['os.removedirs', 'deletes directories'],
  ['os.rename', 'moves a file'],
  ['os.chmod', 'changes file permissions'],
  ['os.putenv', 'changes the environment'],
  ['os.environ', 'reads the environment (secrets included)'],
  ['subprocess.Popen', 'starts a process'],
  ['subprocess.run', 'runs a command'],
  ['subprocess.call', 'runs a command'],
  ['subprocess.check_call', 'runs a command'],
  ['subprocess.check_output', 'runs a command'],
  ['subprocess.getoutput', 'runs a shell command'],
  ['subprocess.getstatusoutput', 'runs a shell command'],
  ['sys.exit', 'exits the interpreter'],
  ['sys.modules', 'reaches every imported module'],
  ['shutil.rmtree', 'deletes a directory tree'],
  ['socket.socket', 'opens a network connection'],
  ['socket.create_connection', 'opens a network connection'],
  ['importlib.import_module', 'imports any module'],
  ['runpy.run_path', 'runs a Python script'],
  ['runpy.run_module', 'runs a Python module'],
  ['runpy._run_code', 'executes Python code'],
  ['pty.spawn', 'spawns a shell'],
  ['code.InteractiveInterpreter', 'runs Python code'],
  ['code.interact', 'starts an interactive interpreter'],
  ['ctypes.CDLL', 'loads a native library'],
  ['ctypes.cdll', 'loads a native library'],
  ['webbrowser.open', 'opens a URL in a browser'],
  ['urllib.request.urlopen', 'opens a URL'],
  ['urllib.request.urlretrieve', 'downloads a file'],
  ['requests.get', 'sends an HTTP request'],
  ['requests.post', 'sends an HTTP request'],
  ['pickle.loads', 'loads a nested pickle that this scan cannot vet'],
  ['pickle.load', 'loads a nested pickle that this scan cannot vet'],
  ['marshal.loads', 'loads a code object'],
  ['types.FunctionType', 'builds a function from a code object'],
  ['types.CodeType', 'builds a code object'],
  ['asyncio.create_subprocess_shell', 'runs a shell command'],
  ['asyncio.create_subprocess_exec', 'runs a command'],
]);

/** Modules whose names, met inside an attribute path, mean the path walks into them (`torch.os.system`). */
const TRAVERSAL_MODULES = new Set(['os', 'posix', 'nt', 'subprocess', 'sys', 'builtins', '__builtins__', 'importlib', 'socket', 'shutil', 'ctypes', 'pickle', 'marshal', 'runpy', 'pty', 'code', 'types']);

/**
 * Judges one global. `module` and `name` as the pickle spells them; `name` may be dotted
 * (protocol 4 walks attributes: `torch` + `os.system` is `torch.os.system`).
 */
export function judgeGlobal(module: string, name: string): GlobalJudgement {
  if (module === UNRESOLVED_MODULE) {
    return { verdict: 'dangerous', canonical: `${module}.${name}`, effect: 'cannot be named without running the pickle, the way payloads hide from scanners' };
  }
  const canonical = canonicalName(module, name);
  if (SAFE_GLOBALS.has(canonical)) return { verdict: 'safe', canonical };

  const exact = DANGEROUS_GLOBALS.get(canonical);
  if (exact) return { verdict: 'dangerous', canonical, effect: exact };

  // The module itself, or any module prefix of the full path (`os.path`, `torch.hub.load` via
  // module `torch.hub`), or any listed global that is a prefix (`numpy.f2py.compile`).
  const parts = canonical.split('.');
  for (let n = parts.length; n > 0; n--) {
    const prefix = parts.slice(0, n).join('.');
    const moduleEffect = DANGEROUS_MODULES.get(prefix);
    const globalEffect = n < parts.length ? DANGEROUS_GLOBALS.get(prefix) : undefined;
    if (moduleEffect || globalEffect) {
      // posix.system and nt.system are os.system as pickled on Linux and Windows.
      const member = MEMBER_EFFECTS.get(canonical.replace(/^(posix|nt)\./, 'os.'));
      return { verdict: 'dangerous', canonical, effect: member ?? globalEffect ?? moduleEffect };
    }
  }

  // Attribute paths (the part in `name`) that walk through dunders (`__globals__`,
  // `__subclasses__`, `__builtins__`) or into a dangerous module a package happens to
  // import (`torch` + `os.system`; a bare module object can also be rewritten by BUILD).
  for (const part of name.split('.')) {
    if (/^__.+__$/.test(part) && !SAFE_DUNDER_NAMES.has(part)) {
      return { verdict: 'dangerous', canonical, effect: `walks into interpreter internals through ${part}` };
    }
    if (TRAVERSAL_MODULES.has(part)) {
      return { verdict: 'dangerous', canonical, effect: `walks into the ${part} module through an attribute path` };
    }
  }

  const leaf = DANGEROUS_LEAF_NAMES.get(parts[parts.length - 1]);
  if (leaf) return { verdict: 'dangerous', canonical, effect: leaf };

  return { verdict: 'unknown', canonical };
}

/** Dunder names that are ordinary pickle machinery, not interpreter internals. */
const SAFE_DUNDER_NAMES = new Set(['__newobj__', '__newobj_ex__', '__new__']);

export interface JudgedGlobal<G extends PickleGlobalRef = PickleGlobalRef> {
  global: G;
  judgement: GlobalJudgement;
}

export interface ScanJudgement<G extends PickleGlobalRef = PickleGlobalRef> {
  safe: JudgedGlobal<G>[];
  unknown: JudgedGlobal<G>[];
  /** Dangerous and unresolvable globals, the payload first (see judgeGlobals). */
  dangerous: JudgedGlobal<G>[];
}

/** Sorts a pickle's globals into the three classes. */
export function judgeGlobals<G extends PickleGlobalRef>(globals: readonly G[]): ScanJudgement<G> {
  const out: ScanJudgement<G> = { safe: [], unknown: [], dangerous: [] };
  for (const g of globals) {
    const judgement = judgeGlobal(g.module, g.name);
    out[judgement.verdict].push({ global: g, judgement });
  }
  // The payload first: called before merely imported, and what getattr or a nested load
  // reaches before the getattr or loads that reached it.
  const rank = (g: G) => (wasCalled(g) ? 0 : 2) + (isDerived(g) ? 0 : 1);
  out.dangerous.sort((a, b) => rank(a.global) - rank(b.global) || a.global.offset - b.global.offset);
  return out;
}

// ---------------------------------------------------------------------------
// Wording shared by the pickle rules

/** Whether loading calls it. The reader sets `called`; a bare `PickleGlobalRef` counts as called, the worse case. */
export function wasCalled(g: PickleGlobalRef): boolean {
  const called = (g as { called?: unknown }).called;
  return typeof called === 'boolean' ? called : true;
}

/** Found through getattr or inside a nested pickle, rather than named by the file's own opcodes. */
function isDerived(g: PickleGlobalRef): boolean {
  const source = (g as { source?: string }).source;
  return source === 'getattr' || source === 'nested';
}

/** `os.system`, or for an unresolvable global the reason it cannot be named. */
export function formatGlobal(g: PickleGlobalRef): string {
  if (g.module === UNRESOLVED_MODULE) return `an unresolvable global (${g.name})`;
  return `${g.module}.${g.name}`;
}

/** `byte 34`, `byte 34 of archive/data.pkl`. */
export function formatLocation(offset: number, member?: string): string {
  return member ? `byte ${offset} of ${member}` : `byte ${offset}`;
}

/** `a, b, c and 4 more`. */
export function listWithMore(items: readonly string[], max: number): string {
  if (items.length <= max) return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/**
 * A `PickleContext` as the pickle runner fills it from a `PickleScan` (spread into the
 * context): the reader's errors and the compression ride along. Optional, so a context
 * built from `PickleContext` alone still works (as a readable file without compression).
 */
export interface PickleScanContext extends PickleContext {
  readonly errors?: readonly PickleReadError[];
  readonly compression?: string;
  readonly members?: readonly string[];
}

/** The reader errors of a context (empty when the runner did not pass them). */
export function readErrorsOf(ctx: PickleContext): readonly PickleReadError[] {
  return (ctx as PickleScanContext).errors ?? [];
}

/** `legacy torch.save file (protocol 2)`, `zlib-compressed joblib file (protocol 4)`. */
export function describeContainer(ctx: PickleContext): string {
  const { compression, members } = ctx as PickleScanContext;
  let kind: string;
  switch (ctx.container) {
    case 'pickle':
      kind = 'pickle file';
      break;
    case 'joblib':
      kind = 'joblib file';
      break;
    case 'torch-legacy':
      kind = 'legacy torch.save file';
      break;
    case 'npy':
      kind = '.npy object array (a pickle after the header)';
      break;
    case 'zip':
      if (!members?.length) kind = 'zip archive';
      else if (members.some((m) => /(^|\/)data\.pkl$/i.test(m))) kind = 'zip archive written by torch.save';
      else if (members.every((m) => /\.npy$/i.test(m))) kind = '.npz archive of object arrays';
      else kind = 'zip archive with pickled members';
      break;
    default:
      kind = `${ctx.container} file`;
  }
  const protocol = ctx.protocol !== undefined ? ` (protocol ${ctx.protocol})` : '';
  return `${compression ? `${compression}-compressed ` : ''}${kind}${protocol}`;
}

/** Where a global is: `byte 34`, `byte 246 of archive/data.pkl`, or for a nested pickle's global the nested load's call. */
export function locateGlobal(g: PickleGlobalRef): string {
  const source = (g as { source?: string }).source;
  const where = formatLocation(g.offset, g.member);
  if (source === 'nested') return `inside the pickle that the call at ${where} loads`;
  if (source === 'getattr') return `reached through getattr at ${where}`;
  return `at ${where}`;
}
