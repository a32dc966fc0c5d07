import { strict as assert } from 'node:assert';
import { canonicalModule, canonicalName, judgeGlobal, judgeGlobals, SAFE_GLOBALS, UNRESOLVED_MODULE, wasCalled } from '../../server/src/pickle/policy';

describe('pickle policy', () => {
  it('folds aliases into one spelling', () => {
    assert.equal(canonicalName('__builtin__', 'eval'), 'builtins.eval');
    assert.equal(canonicalName('__builtins__', 'getattr'), 'builtins.getattr');
    assert.equal(canonicalName('_operator', 'attrgetter'), 'operator.attrgetter');
    assert.equal(canonicalName('__builtin__', 'xrange'), 'builtins.range');
    assert.equal(canonicalName('__builtin__', 'reduce'), 'functools.reduce');
    assert.equal(canonicalName('copy_reg', '_reconstructor'), 'copyreg._reconstructor');
    assert.equal(canonicalModule('numpy._core.multiarray'), 'numpy.core.multiarray');
    assert.equal(canonicalModule('posixpath'), 'os.path');
    assert.equal(canonicalModule('numpy'), 'numpy');
  });

  it('allows what weights-only files need, in every spelling', () => {
    const safe: Array<[string, string]> = [
      ['torch._utils', '_rebuild_tensor_v2'],
      ['torch._utils', '_rebuild_parameter'],
      ['torch', 'FloatStorage'],
      ['torch', 'BFloat16Storage'],
      ['torch', 'float16'],
      ['torch', 'Size'],
      ['collections', 'OrderedDict'],
      ['collections', 'defaultdict'],
      ['numpy.core.multiarray', '_reconstruct'],
      ['numpy._core.multiarray', '_reconstruct'],
      ['numpy._core.multiarray', 'scalar'],
      ['numpy', 'dtype'],
      ['numpy', 'ndarray'],
      ['__builtin__', 'set'],
      ['builtins', 'frozenset'],
      ['__builtin__', 'xrange'],
      ['_codecs', 'encode'],
      ['copy_reg', '_reconstructor'],
      ['datetime', 'datetime'],
      ['joblib.numpy_pickle', 'NumpyArrayWrapper'],
    ];
    for (const [m, n] of safe) assert.equal(judgeGlobal(m, n).verdict, 'safe', `${m}.${n}`);
  });

  it('flags dangerous modules, submodules, names and aliases, with what they do', () => {
    const dangerous: Array<[string, string, RegExp]> = [
      ['os', 'system', /runs a shell command/],
      ['posix', 'system', /runs a shell command/],
      ['nt', 'system', /runs a shell command/],
      ['os.path', 'join', /operating system/],
      ['posixpath', 'exists', /operating system/],
      ['subprocess', 'Popen', /starts a process/],
      ['commands', 'getoutput', /shell command/],
      ['sys', 'exit', /exits the interpreter/],
      ['socket', 'socket', /network connection/],
      ['shutil', 'rmtree', /deletes a directory tree/],
      ['importlib', 'import_module', /imports any module/],
      ['runpy', '_run_code', /executes Python code/],
      ['pty', 'spawn', /spawns a shell/],
      ['code', 'InteractiveInterpreter', /runs Python code/],
      ['ctypes', 'CDLL', /native library/],
      ['webbrowser', 'open', /browser/],
      ['urllib.request', 'urlopen', /URL/],
      ['requests', 'get', /HTTP request/],
      ['http.client', 'HTTPConnection', /network/],
      ['pickle', 'loads', /nested pickle/],
      ['_pickle', 'loads', /nested pickle/],
      ['cPickle', 'loads', /nested pickle/],
      ['dill', 'loads', /nested pickle/],
      ['marshal', 'loads', /code object/],
      ['types', 'FunctionType', /function/],
      ['asyncio', 'create_subprocess_shell', /shell command/],
      ['builtins', 'eval', /evaluates Python code/],
      ['__builtin__', 'exec', /executes Python code/],
      ['__builtins__', 'compile', /compiles/],
      ['builtins', 'open', /opens a file/],
      ['builtins', 'getattr', /any attribute/],
      ['builtins', 'setattr', /attribute/],
      ['builtins', '__import__', /imports any module/],
      ['builtins', 'globals', /globals/],
      ['operator', 'attrgetter', /any attribute/],
      ['_operator', 'methodcaller', /any method/],
      ['functools', 'partial', /any callable/],
      ['torch', 'load', /nested torch file/],
      ['torch.serialization', 'load', /nested torch file/],
      ['numpy', 'load', /nested file/],
      ['numpy.testing._private.utils', 'runstring', /executes Python code/],
      ['logging', 'os.system', /walks into the os module/],
      ['torch', 'nn.Module.__init__.__globals__', /walks into interpreter internals through __init__/],
      ['mylib.utils', 'system', /runs a shell command/],
      ['pandas', 'eval', /evaluates/],
      [UNRESOLVED_MODULE, 'STACK_GLOBAL on values computed while loading', /cannot be named without running the pickle/],
    ];
    for (const [m, n, effect] of dangerous) {
      const j = judgeGlobal(m, n);
      assert.equal(j.verdict, 'dangerous', `${m}.${n}`);
      assert.match(j.effect ?? '', effect, `${m}.${n}: ${j.effect}`);
    }
  });

  it('leaves everything else unknown: not safe, not known to be dangerous', () => {
    const unknown: Array<[string, string]> = [
      ['sklearn.ensemble._forest', 'RandomForestClassifier'],
      ['__main__', 'Net'],
      ['xgboost.core', 'Booster'],
      ['torch.nn.modules.linear', 'Linear'],
      ['builtins', 'type'],
      ['collections', 'namedtuple'],
      ['_codecs', 'decode'],
      ['osmnx', 'graph'],
      ['numpy', 'osutils'],
    ];
    for (const [m, n] of unknown) assert.equal(judgeGlobal(m, n).verdict, 'unknown', `${m}.${n}`);
  });

  it('never allowlists a global that builds a callable from data', () => {
    for (const name of ['builtins.getattr', 'operator.attrgetter', 'operator.methodcaller', 'functools.partial', 'builtins.eval', 'builtins.__import__']) {
      assert.equal(SAFE_GLOBALS.has(name), false, name);
    }
  });

  it('sorts a scan into classes, the payload first', () => {
    const judged = judgeGlobals([
      { module: 'builtins', name: 'getattr', offset: 2, called: true, source: 'GLOBAL' },
      { module: 'collections', name: 'OrderedDict', offset: 5, called: true, source: 'GLOBAL' },
      { module: 'os', name: 'path', offset: 1, called: false, source: 'GLOBAL' },
      { module: 'os', name: 'system', offset: 40, called: true, source: 'getattr' },
      { module: 'sklearn.svm', name: 'SVC', offset: 9, called: true, source: 'GLOBAL' },
    ]);
    assert.deepEqual(judged.dangerous.map((d) => `${d.global.module}.${d.global.name}`), ['os.system', 'builtins.getattr', 'os.path']);
    assert.deepEqual(judged.safe.map((d) => d.global.name), ['OrderedDict']);
    assert.deepEqual(judged.unknown.map((d) => d.global.name), ['SVC']);
  });

  it('counts a global without the reader\'s `called` flag as called (the worse case)', () => {
    assert.equal(wasCalled({ module: 'os', name: 'system', offset: 0 }), true);
    assert.equal(wasCalled({ module: 'os', name: 'system', offset: 0, called: false } as never), false);
  });
});
