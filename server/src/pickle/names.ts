/**
 * Spelling of globals: a pickle names `module` and `name` as the pickling program saw them,
 * and one callable has several spellings (`__builtin__.eval` in a protocol-2 pickle is
 * `builtins.eval`; `_operator.attrgetter` is `operator.attrgetter`). Judging works on one
 * canonical spelling so that an alias cannot slip past a list.
 */

/** Module recorded for a global whose name the reader cannot know; the global's `name` then says why. */
export const UNRESOLVED_MODULE = '<unresolved>';

/**
 * Module aliases: Python 2 names that Python 3's unpickler maps (`_compat_pickle`), C
 * accelerator modules that re-export a public one, and numpy 2's `numpy._core`, which
 * numpy 1 spells `numpy.core`. Applied to the module and to every dotted prefix of it.
 */
const MODULE_ALIASES: Readonly<Record<string, string>> = {
  __builtin__: 'builtins',
  __builtins__: 'builtins',
  exceptions: 'builtins',
  copy_reg: 'copyreg',
  cPickle: 'pickle',
  _pickle: 'pickle',
  commands: 'subprocess',
  httplib: 'http.client',
  urllib2: 'urllib.request',
  cStringIO: 'io',
  StringIO: 'io',
  _io: 'io',
  thread: '_thread',
  UserDict: 'collections',
  UserList: 'collections',
  UserString: 'collections',
  _collections: 'collections',
  _operator: 'operator',
  _functools: 'functools',
  // `os.path` is `posixpath` or `ntpath`, and pickles name the real module.
  posixpath: 'os.path',
  ntpath: 'os.path',
  'numpy._core': 'numpy.core',
};

/** Names that Python 3's unpickler maps to another module (`_compat_pickle.NAME_MAPPING`, the parts that matter here). */
const NAME_ALIASES: Readonly<Record<string, string>> = {
  'builtins.xrange': 'builtins.range',
  'builtins.unicode': 'builtins.str',
  'builtins.basestring': 'builtins.str',
  'builtins.long': 'builtins.int',
  'builtins.unichr': 'builtins.chr',
  'builtins.raw_input': 'builtins.input',
  'builtins.reduce': 'functools.reduce',
  'builtins.intern': 'sys.intern',
  'itertools.imap': 'builtins.map',
  'itertools.izip': 'builtins.zip',
  'itertools.ifilter': 'builtins.filter',
};

/** `numpy._core.multiarray` -> `numpy.core.multiarray`, `__builtin__` -> `builtins`, `posixpath` -> `os.path`. */
export function canonicalModule(module: string): string {
  const parts = module.split('.');
  // The longest aliased prefix wins (`numpy._core` before `numpy`).
  for (let n = parts.length; n > 0; n--) {
    const prefix = parts.slice(0, n).join('.');
    const alias = MODULE_ALIASES[prefix];
    if (alias !== undefined) return [alias, ...parts.slice(n)].join('.');
  }
  return module;
}

/** The canonical dotted path of a global: `canonicalName('__builtin__', 'xrange')` is `builtins.range`. */
export function canonicalName(module: string, name: string): string {
  const full = `${canonicalModule(module)}.${name}`;
  return NAME_ALIASES[full] ?? full;
}
