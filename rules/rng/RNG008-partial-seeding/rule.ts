import { RNG_NAMES, RNG_SHORT, unseededUses } from '../../../server/src/engine/python/seeding';
import { defineRule } from '../../../server/src/engine/rule';
import { contextText, groupRelated, joinWords, line, SEED_CALL, seedingFixes, seedText } from '../shared';

export default defineRule({
  target: 'python',
  requires: ['random', 'numpy', 'torch', 'tensorflow', 'keras', 'scipy'],
  meta: {
    id: 'RNG008',
    name: 'partial-seeding',
    family: 'RNG',
    severity: 'warning',
    practice: 'P4',
    languages: ['python'],
    summary: 'Some random number generators are seeded but another one the code draws from is not (e.g. NumPy seeded, PyTorch not).',
    provenance: ['dslinter randomness-control-* (one checker per library)', 'PyTorch "Reproducibility" notes: seed Python, NumPy and PyTorch'],
    fix: 'unsafe',
    docs: {
      what:
        "Finds a library's first unseeded use (the same uses as RNG001, RNG002, RNG004, RNG005: Python `random`, NumPy's global RNG, PyTorch CPU and CUDA, TensorFlow) at a point where the file has already seeded another library: `np.random.seed(0)` followed by `torch.randn(...)`, a `set_seed` helper that seeds `random` and NumPy but not torch, `torch.manual_seed` with a later `random.shuffle`. The message says which generator is unseeded and which are seeded, and where. One finding per library and file. The fix adds the missing seed call right after the existing one, with the same seed value.",
      why:
        "Every library keeps its own generator: `np.random.seed` does not seed PyTorch, and `torch.manual_seed` does not seed NumPy or Python's `random`. A file that seeds some of them looks reproducible but is not; the draws of the unseeded one (weight initialization, shuffling, augmentation) still change on every run, which is harder to notice than no seeding at all.",
      example: 'import numpy as np\nimport torch\n\nnp.random.seed(0)\nX = np.random.rand(100, 3)\nw = torch.randn(3, 1)\n',
      useInstead: 'import numpy as np\nimport torch\n\nnp.random.seed(0)\ntorch.manual_seed(0)\nX = np.random.rand(100, 3)\nw = torch.randn(3, 1)\n',
      references: ['https://pytorch.org/docs/stable/notes/randomness.html'],
    },
  },
  check(ctx) {
    for (const g of unseededUses(ctx.module).groups) {
      if (!g.seededOthers.length) continue;
      const seededLibs = [...new Set(g.seededOthers.map((e) => e.lib))].filter((l) => !(l === 'cuda' && g.seededOthers.some((e) => e.lib === 'torch')));
      const calls = [...new Set(g.seededOthers.map(seedText))];
      const plural = seededLibs.length > 1;
      let msg = `${g.first.what} ${g.first.how} ${RNG_NAMES[g.lib]}, which is not seeded here${contextText(g)}, while ${joinWords(seededLibs.map((l) => RNG_SHORT[l]))} ${plural ? 'are' : 'is'} (${joinWords(calls)}); seeding one library does not seed another, so these draws still change on every run: add ${SEED_CALL[g.lib]} where the others are seeded`;
      if (g.others.length) {
        const lines = [...new Set(g.others.map((u) => line(u.call.node)))];
        msg += ` (${g.others.length} more unseeded use${g.others.length === 1 ? '' : 's'}: line${lines.length === 1 ? '' : 's'} ${lines.slice(0, 8).join(', ')}${lines.length > 8 ? ', …' : ''})`;
      }
      ctx.reportNode(g.first.call.node, msg, { related: groupRelated(g), fixes: seedingFixes(ctx, g) });
    }
  },
});
