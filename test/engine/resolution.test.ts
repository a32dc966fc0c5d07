/** Name resolution on the real tree-sitter parse: imports and aliases resolve, locals never do. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateMlModule } from '../../bench/lib/ml-source';
import { grammarParser } from '../../server/src/engine/parser';
import type { Node } from 'web-tree-sitter';
import { importableRoots, PythonModule } from '../../server/src/engine/python/module';

async function calleesOf(source: string): Promise<Array<string | undefined>> {
  const module = PythonModule.parse(await grammarParser('python'), source);
  try {
    return module.calls.map((c) => c.callee);
  } finally {
    module.dispose();
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
    module.dispose();
  });
});

describe('python module index, checked against whole-tree walks on real code', () => {
  // The rules' fixtures, the bundled examples, a generated 2,000-line ML module, and, where
  // Debian's python-sklearn-doc is installed, every fourth scikit-learn example: what the
  // index hands the rules must be what a walk of the whole tree finds.
  const corpus = (): Array<{ name: string; source: string }> => {
    const root = path.join(__dirname, '..', '..');
    const files: string[] = [];
    const walk = (d: string, every = 1) => {
      if (!fs.existsSync(d)) return;
      const found: string[] = [];
      const visit = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          if (e.isDirectory()) visit(path.join(dir, e.name));
          else if (e.name.endsWith('.py')) found.push(path.join(dir, e.name));
        }
      };
      visit(d);
      files.push(...found.sort().filter((_, i) => i % every === 0));
    };
    walk(path.join(root, 'rules'));
    walk(path.join(root, 'examples'));
    walk('/usr/share/doc/python-sklearn-doc/examples', 4);
    return [{ name: 'generated', source: generateMlModule(2000, 3) }, ...files.map((f) => ({ name: f, source: fs.readFileSync(f, 'utf8') }))];
  };

  it('nodesOfType lists the same nodes, in the same order, as descendantsOfType', async () => {
    const grammar = await grammarParser('python');
    const files = corpus();
    assert.ok(files.length > 50, `${files.length} files`);
    let compared = 0;
    for (const { name, source } of files) {
      const module = PythonModule.parse(grammar, source);
      try {
        for (const type of ['assignment', 'decorated_definition', 'pair', 'for_statement', 'function_definition'] as const) {
          const walked = module.descendantsOfType(type).map((n) => n.id);
          assert.deepEqual(module.nodesOfType(type).map((n) => n.id), walked, `${type} in ${name}`);
          compared += walked.length;
        }
        const whole = grammar.parser.parse(source)!;
        const spans = (nodes: readonly (Node | null)[]) => nodes.map((n) => `${n!.type} ${n!.startIndex}-${n!.endIndex}`);
        assert.deepEqual(spans(module.topLevel), spans(whole.rootNode.namedChildren), name);
        whole.delete();
      } finally {
        module.dispose();
      }
    }
    assert.ok(compared > 1000, `compared ${compared} nodes`);
  });

  it('callSiteOf finds every call from another node object for it, and nothing for a non-call', async () => {
    const grammar = await grammarParser('python');
    for (const { name, source } of corpus().slice(0, 40)) {
      const module = PythonModule.parse(grammar, source);
      try {
        for (const c of module.calls) {
          // `f(x)(y)`: the outer and the inner call start at the same offset.
          const fresh = module.descendantForIndex(c.node.startIndex, c.node.endIndex)!;
          assert.equal(module.callSiteOf(fresh), c, `${name}: ${c.node.text.slice(0, 40)}`);
          const func = c.func;
          if (func.type !== 'call') assert.equal(module.callSiteOf(func), undefined);
        }
      } finally {
        module.dispose();
      }
    }
  });

  it('importableRoots holds every module the parsed imports name, without parsing', async () => {
    const grammar = await grammarParser('python');
    const tricky = [
      'import os, \\\n    pickle as pk\n',
      'x = 1; import torch.nn as nn\n',
      'try:\n    import cPickle\nexcept ImportError:\n    import pickle\n',
      'from sklearn.externals import joblib\n',
      'from \\\n  numpy import load\n',
      'if True: import yaml\r\n',
      'from .models import net\nfrom . import utils\n',
    ].map((source, i) => ({ name: `tricky ${i}`, source }));
    for (const { name, source } of [...tricky, ...corpus()]) {
      const module = PythonModule.parse(grammar, source);
      try {
        const roots = importableRoots(source);
        for (const b of module.imports) {
          const root = (b.imported ?? '').replace(/^\./, '').split('.')[0];
          if (root) assert.ok(roots.has(root), `${name}: ${root} (from ${b.node.text})`);
        }
        for (const m of ['pickle', 'torch', 'numpy', 'yaml', 'joblib', 'sklearn', 'os'])
          if (module.importsModule(m)) assert.ok(roots.has(m), `${name}: ${m}`);
      } finally {
        module.dispose();
      }
    }
    assert.ok(importableRoots('import cPickle\n').has('pickle'), 'cPickle is pickle');
    assert.ok(!importableRoots('# no imports here, torch.load(x)\n').has('torch'));
  });
});
