/** Name resolution on the real tree-sitter parse: imports and aliases resolve, locals never do. */
import { strict as assert } from 'node:assert';
import { grammarParser } from '../../server/src/engine/parser';
import { PythonModule } from '../../server/src/engine/python/module';

async function calleesOf(source: string): Promise<Array<string | undefined>> {
  const module = PythonModule.parse(await grammarParser('python'), source);
  try {
    return module.calls.map((c) => c.callee);
  } finally {
    module.tree.delete();
  }
}

describe('python name resolution', () => {
  it('resolves imports, aliases and from-imports', async () => {
    assert.deepEqual(
      await calleesOf(`import pickle as pk
from joblib import dump
import torch as T
import torch.nn as nn
import os.path
pk.load(f)
dump(m, "x")
T.save(m, p)
nn.Linear(3, 4)
os.path.join("a", "b")
`),
      ['pickle.load', 'joblib.dump', 'torch.save', 'torch.nn.Linear', 'os.path.join'],
    );
  });

  it('canonicalizes module aliases (cPickle, _pickle, sklearn.externals.joblib)', async () => {
    assert.deepEqual(
      await calleesOf('import cPickle\nimport _pickle as p\nfrom sklearn.externals import joblib\ncPickle.load(f)\np.loads(b)\njoblib.load("m")\n'),
      ['pickle.load', 'pickle.loads', 'joblib.load'],
    );
  });

  it("never resolves a project's own function, a parameter, or a local variable", async () => {
    assert.deepEqual(
      await calleesOf(`import pickle
def load(p):
    return p
load("x")
def f(pickle):
    pickle.load(1)
def g():
    pickle = object()
    pickle.load(2)
class A:
    pickle = 1
    def m(self):
        return pickle.load(3)
`),
      [undefined, undefined, 'builtins.object', undefined, 'pickle.load'],
    );
  });

  it('follows alias assignments and keeps try/except import fallbacks', async () => {
    assert.deepEqual(
      await calleesOf(`try:
    import torch
except ImportError:
    torch = None
import pickle
restore = pickle.load
again = restore
torch.load(p)
again(f)
`),
      ['torch.load', 'pickle.load'],
    );
  });

  it('respects global declarations and nested function scopes', async () => {
    assert.deepEqual(
      await calleesOf(`import numpy as np
def outer():
    def inner():
        return np.load("x")
    return inner()
def rebinding():
    global np
    np = None
`),
      // `np` is rebound at module level by `global np; np = None` (a None fallback), so it stays numpy.
      ['numpy.load', undefined],
    );
  });

  it('resolves method chains on calls and relative imports stay unresolved', async () => {
    assert.deepEqual(
      await calleesOf('from sklearn.preprocessing import StandardScaler\nfrom .utils import load\nStandardScaler().fit(X)\nload(1)\n'),
      ['sklearn.preprocessing.StandardScaler().fit', 'sklearn.preprocessing.StandardScaler', '.utils.load'],
    );
  });

  it('reads constants through names', async () => {
    const module = PythonModule.parse(await grammarParser('python'), 'flag = False\nn = -3\ns = "x"\nf(flag, n, s, True, None, 1_000)\n');
    const call = module.calls[0];
    assert.deepEqual(
      call.positional.map((a) => module.constantValue(a, call.scope)),
      [
        { kind: 'bool', value: false },
        { kind: 'number', value: -3, text: '-3' },
        { kind: 'string', value: 'x' },
        { kind: 'bool', value: true },
        { kind: 'none' },
        { kind: 'number', value: 1000, text: '1_000' },
      ],
    );
    module.tree.delete();
  });
});
