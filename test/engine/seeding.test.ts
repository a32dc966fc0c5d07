/**
 * The seeding analysis on the real tree-sitter parse: which global generators are seeded
 * where each call runs, following execution order through functions, helpers and the
 * __main__ block. Also applies every "Add seeding" fix of the RNG fixtures (they are
 * unsafe, so the fixture test does not) and checks the result lints clean.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RNG_RULES } from '../../rules/rng';
import { Linter } from '../../server/src/engine/lint';
import { grammarParser } from '../../server/src/engine/parser';
import { PythonModule } from '../../server/src/engine/python/module';
import { addArgumentEdits, setKeywordEdits } from '../../server/src/engine/python/fixes';
import { seedingOf, unseededUses, type RngLib } from '../../server/src/engine/python/seeding';
import { applyEdits } from '../helpers/edits';

async function parse(source: string): Promise<PythonModule> {
  return PythonModule.parse(await grammarParser('python'), source);
}

/** For each call whose callee ends with `name`: executed?, and the seeded libraries there. */
async function statesOf(source: string, name: string): Promise<Array<{ executed: boolean; seeded: RngLib[] }>> {
  const m = await parse(source);
  try {
    const a = seedingOf(m);
    return m.calls
      .filter((c) => (c.callee ?? c.func.text).endsWith(name))
      .map((c) => {
        const s = a.at(c);
        return { executed: s.executed, seeded: [...s.seeded.keys()].sort() };
      });
  } finally {
    m.dispose();
  }
}

describe('seeding analysis', () => {
  it('is flow-sensitive at module level: a seed after a use does not count for it', async () => {
    assert.deepEqual(
      await statesOf('import numpy as np\na = np.random.rand()\nnp.random.seed(0)\nb = np.random.randn()\n', 'rand'),
      [{ executed: true, seeded: [] }],
    );
    assert.deepEqual(await statesOf('import numpy as np\na = np.random.rand()\nnp.random.seed(0)\nb = np.random.randn()\n', 'randn'), [
      { executed: true, seeded: ['numpy'] },
    ]);
  });

  it('runs function bodies where they are first called, including from the __main__ block', async () => {
    const src = `import random
def draw():
    return random.random()
def main():
    draw()
    random.seed(0)
    draw()
if __name__ == "__main__":
    main()
`;
    assert.deepEqual(await statesOf(src, 'random.random'), [{ executed: true, seeded: [] }]);
    const seeded = src.replace('    draw()\n    random.seed(0)', '    random.seed(0)\n    draw()');
    assert.deepEqual(await statesOf(seeded, 'random.random'), [{ executed: true, seeded: ['python'] }]);
  });

  it("follows the file's seeding helpers, classes and methods", async () => {
    const src = `import random, numpy as np, torch
def set_seed(s):
    random.seed(s)
    np.random.seed(s)
class Trainer:
    def __init__(self, seed):
        set_seed(seed)
    def fit(self):
        return self.step()
    def step(self):
        return torch.randn(3)
t = Trainer(0)
t.fit()
`;
    assert.deepEqual(await statesOf(src, 'torch.randn'), [{ executed: true, seeded: ['numpy', 'python'] }]);
  });

  it('knows library helpers and what each seeds; torch.manual_seed seeds CUDA too', async () => {
    const cases: Array<[string, RngLib[]]> = [
      ['import lightning as L\nL.seed_everything(1)', ['cuda', 'numpy', 'python', 'torch']],
      ['from pytorch_lightning import seed_everything\nseed_everything()', ['cuda', 'numpy', 'python', 'torch']],
      ['from transformers import set_seed\nset_seed(1)', ['cuda', 'numpy', 'python', 'tensorflow', 'torch']],
      ['import tensorflow as tf\ntf.keras.utils.set_random_seed(1)', ['numpy', 'python', 'tensorflow']],
      ['from accelerate.utils import set_seed\nset_seed(1)', ['cuda', 'numpy', 'python', 'torch']],
      ['import torch\ntorch.manual_seed(1)', ['cuda', 'torch']],
      ['import torch\ntorch.cuda.manual_seed_all(1)', ['cuda']],
      ['import tensorflow as tf\ntf.random.set_seed(1)', ['tensorflow']],
      ['from sklearn.utils import check_random_state\ncheck_random_state(0)', []],
      ['from utils import fix_seeds\nfix_seeds(3)', ['cuda', 'numpy', 'python', 'tensorflow', 'torch']],
    ];
    for (const [code, libs] of cases) assert.deepEqual(await statesOf(`${code}\nprint()\n`, 'print'), [{ executed: true, seeded: libs }], code);
  });

  it('does not count seeds from entropy, None or without a value, nor generator-object seeds', async () => {
    for (const code of [
      'import random\nrandom.seed()',
      'import numpy as np\nnp.random.seed(None)',
      'import time, numpy as np\nnp.random.seed(int(time.time()))',
      'import os, torch\ns = os.getpid()\ntorch.manual_seed(s)',
      'import torch\ng = torch.Generator()\ng.manual_seed(0)',
      'import numpy as np\nrs = np.random.RandomState(0)\nrs.seed(1)',
    ])
      assert.deepEqual(await statesOf(`${code}\nprint()\n`, 'print'), [{ executed: true, seeded: [] }], code);
  });

  it('judges functions never called in the file by seeds anywhere in it', async () => {
    const src = 'import numpy as np\ndef cb(w):\n    return np.random.rand()\nnp.random.seed(0)\n';
    assert.deepEqual(await statesOf(src, 'rand'), [{ executed: false, seeded: ['numpy'] }]);
  });

  it('groups unseeded uses per library and tells partial seeding apart', async () => {
    const m = await parse(`import random, numpy as np, torch
np.random.seed(0)
np.random.rand()
torch.randn(2)
torch.rand(2)
random.random()
`);
    try {
      const groups = unseededUses(m).groups.map((g) => ({ lib: g.lib, line: g.first.call.node.startPosition.row + 1, others: g.others.length, partial: g.seededOthers.map((e) => e.lib) }));
      assert.deepEqual(groups, [
        { lib: 'torch', line: 4, others: 1, partial: ['numpy'] },
        { lib: 'python', line: 6, others: 0, partial: ['numpy'] },
      ]);
    } finally {
      m.dispose();
    }
  });

  it('does not report library modules that run nothing themselves', async () => {
    const m = await parse('import numpy as np\ndef noise(x):\n    return x + np.random.randn(*x.shape)\n');
    try {
      assert.deepEqual(unseededUses(m).groups, []);
    } finally {
      m.dispose();
    }
  });

  it('does not take a module-level call of its own helper inside a constant for running code', async () => {
    // timm/models/*.py: `default_cfgs = generate_default_cfgs({"a": _cfg(url=...)})`.
    const library = `import torch
from torch import nn
def _cfg(url=""):
    return {"url": url}
default_cfgs = {"tiny": _cfg(url="x"), "base": _cfg(url="y")}
MODES = (_cfg("a"), _cfg("b"))
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)
`;
    for (const [src, runs] of [
      [library, false],
      [`${library}main_cfg = _cfg("z")\n`, false],
      [`${library}def main():\n    return Net()\nmain()\n`, true],
      [`${library}import sys\ndef main():\n    return 0\nsys.exit(main())\n`, true],
      [`${library}def main():\n    return 0\nif True:\n    main()\n`, true],
    ] as const) {
      const m = await parse(src);
      try {
        assert.equal(seedingOf(m).runsCode(), runs, src);
        assert.equal(unseededUses(m).groups.length, runs ? 1 : 0, src);
      } finally {
        m.dispose();
      }
    }
  });

  it('tells a function nothing calls apart from one called only from code the walk does not reach', async () => {
    const src = `import torch
import torch.multiprocessing as mp
def build():
    return torch.nn.Linear(2, 1)
def main(rank):
    build()
def unused():
    return torch.randn(2)
if __name__ == "__main__":
    mp.spawn(main, nprocs=2)
`;
    const m = await parse(src);
    try {
      const [g] = unseededUses(m).groups;
      assert.equal(g.first.call.node.startPosition.row + 1, 4);
      assert.equal(g.state.executed, false);
      assert.equal(g.calledInFile, true);
      const other = g.others.find((u) => u.what === 'torch.randn');
      assert.ok(other, 'the draw in unused() is listed too');
    } finally {
      m.dispose();
    }
  });
});

const RNG_DIR = path.join(__dirname, '..', '..', 'rules', 'rng');

function fixtures(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...fixtures(p));
    else if (/^invalid.*\.py$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

describe('RNG seeding fixes', () => {
  const linter = new Linter({ rules: RNG_RULES });
  for (const fixture of fixtures(RNG_DIR)) {
    it(`every seeding fix in ${path.relative(RNG_DIR, fixture)} leaves the file parseable and clean of its finding`, async () => {
      const source = fs.readFileSync(fixture, 'utf8');
      const { findings } = await linter.lintPythonAsync(fixture, source);
      for (const f of findings)
        for (const fix of f.fixes ?? []) {
          if (fix.safety !== 'unsafe') continue;
          const fixed = applyEdits(source, fix.edits);
          const again = (await linter.lintPythonAsync(fixture, fixed)).findings;
          assert.deepEqual(again.filter((g) => g.rule === 'MLH003').map((g) => g.message), [], `"${fix.title}" breaks the syntax:\n${fixed}`);
          // Seeding rules whose finding the fix addresses: none of them may remain anywhere.
          const left = again.filter((g) => ['RNG001', 'RNG002', 'RNG004', 'RNG005', 'RNG008'].includes(g.rule) && (g.rule === f.rule || fix.title.startsWith('Add seeding')));
          assert.deepEqual(left.map((g) => `${g.range.start.line + 1} ${g.rule} ${g.message}`), [], `"${fix.title}" leaves findings:\n${fixed}`);
        }
    });
  }
});

describe('adding a keyword argument (engine/python/fixes.ts, shared by "Add random_state" and "Add weights_only=True")', () => {
  const cases: Array<[string, string]> = [
    ['f()\n', 'f(seed=0)\n'],
    ['f(a)\n', 'f(a, seed=0)\n'],
    ['f(a, )\n', 'f(a, seed=0)\n'],
    ['f(a,\n  b)\n', 'f(a,\n  b, seed=0)\n'],
    ['f(\n    a,\n    b\n)\n', 'f(\n    a,\n    b,\n    seed=0\n)\n'],
    ['f(\n    a,\n    b,\n)\n', 'f(\n    a,\n    b,\n    seed=0,\n)\n'],
    ['f(\n    a, b\n)\n', 'f(\n    a, b,\n    seed=0\n)\n'],
    ['x = f(a,\n      b=1,  # why\n)\n', 'x = f(a,\n      b=1,  # why\n      seed=0,\n)\n'],
    ['x = f(a, b\n)\n', 'x = f(a, b,\n    seed=0\n)\n'],
    ['f(\n    a  # note\n)\n', 'f(\n    a,  # note\n    seed=0\n)\n'],
    ['f(seed=None)\n', 'f(seed=0)\n'],
  ];
  for (const [before, after] of cases) {
    it(JSON.stringify(before), async () => {
      const m = await parse(before);
      try {
        const call = m.calls.find((c) => c.func.text === 'f')!;
        const edits = setKeywordEdits(before, call, 'seed', '0');
        assert.ok(edits);
        const fixed = applyEdits(before, edits);
        assert.equal(fixed, after);
        const again = await parse(fixed);
        assert.equal(again.hasError, false, fixed);
        again.dispose();
      } finally {
        m.dispose();
      }
    });
  }
  it('declines a call without a plain argument list', async () => {
    const m = await parse('f(x for x in y)\n');
    try {
      assert.equal(addArgumentEdits('f(x for x in y)\n', m.calls[0], 'seed=0'), undefined);
    } finally {
      m.dispose();
    }
  });
});
