import type { Node } from 'web-tree-sitter';
import type { PythonModule } from '../../../server/src/engine/python/module';
import { calledName, seedingOf } from '../../../server/src/engine/python/seeding';
import { offsetsOf } from '../../../server/src/engine/python/source-offsets';
import { defineRule } from '../../../server/src/engine/rule';

/** `torch.backends.cudnn.<flag> = <value>` assignments, resolved through imports (`from torch.backends import cudnn`). */
function cudnnFlags(m: PythonModule): Array<{ node: Node; flag: string; value: boolean | undefined }> {
  const out: Array<{ node: Node; flag: string; value: boolean | undefined }> = [];
  // The flag's name is the assigned attribute, so it is in the source text of every such
  // assignment: only the assignments around an occurrence of it are taken apart (asking a
  // node for its children crosses into the wasm heap; a large file has thousands of assignments).
  const at = flagOccurrences(m.source);
  if (!at.length) return out;
  let next = 0;
  for (const a of m.assignments) {
    const start = a.startIndex;
    while (next < at.length && at[next] < start) next++;
    if (next >= at.length) {
      // Assignments start in document order: none after this one holds an occurrence either.
      break;
    }
    if (at[next] >= a.endIndex) continue;
    const left = a.childForFieldName('left');
    if (left?.type !== 'attribute') continue;
    const scope = m.scopeAt(a.startIndex);
    const name = m.resolveExpression(left, scope);
    if (name !== 'torch.backends.cudnn.benchmark' && name !== 'torch.backends.cudnn.deterministic') continue;
    const v = m.constantValue(a.childForFieldName('right') ?? undefined, scope);
    out.push({ node: a, flag: name.slice(name.lastIndexOf('.') + 1), value: v?.kind === 'bool' ? v.value : undefined });
  }
  return out;
}

/** Offsets of `benchmark` and `deterministic` in the source, ascending. */
function flagOccurrences(source: string): number[] {
  return [...offsetsOf(source, 'benchmark'), ...offsetsOf(source, 'deterministic')].sort((x, y) => x - y);
}

/** The first place the file puts work on a CUDA device. */
function firstCudaUse(m: PythonModule): Node | undefined {
  for (const c of m.calls) {
    const name = c.func.type === 'attribute' ? calledName(c.func) : undefined;
    if (name === 'cuda' && c.callee?.startsWith('torch.cuda') !== true && c.positional.length <= 1) return c.node;
    // Only these calls can count below: the others are not asked for their device argument.
    if (!(c.callee === 'torch.device' || name === 'to' || c.callee?.startsWith('torch.'))) continue;
    const devArg = c.callee === 'torch.device' || name === 'to' ? c.positional[0] : c.keyword('device');
    const v = devArg ? m.constantValue(devArg, c.scope) : undefined;
    if (v?.kind === 'string' && v.value.startsWith('cuda') && (c.callee === 'torch.device' || name === 'to' || c.callee?.startsWith('torch.'))) return c.node;
  }
  return undefined;
}

export default defineRule({
  target: 'python',
  requires: ['torch'],
  meta: {
    id: 'RNG009',
    name: 'nondeterministic-cudnn',
    family: 'RNG',
    severity: 'hint',
    practice: 'P4',
    languages: ['python'],
    summary: 'cuDNN autotuning or non-deterministic algorithms are enabled, or a seeded CUDA script never asks for deterministic algorithms.',
    provenance: ['dslinter deterministic-pytorch', 'PyTorch "Reproducibility" notes'],
    fix: 'none',
    docs: {
      what:
        "Hints at `torch.backends.cudnn.benchmark = True` (cuDNN times several convolution algorithms and keeps the fastest, which can differ between runs), `torch.backends.cudnn.deterministic = False` and `torch.use_deterministic_algorithms(False)`; and, in a file that seeds PyTorch where its own execution reaches the seed (module-level code, the `__main__` block or a function they call; not a seed inside a library helper such as a DataLoader `worker_init_fn`) and moves work to CUDA (`.cuda()`, `.to(\"cuda\")`, `torch.device(\"cuda\")`, `device=\"cuda\"`), at the first CUDA use when the file neither calls `torch.use_deterministic_algorithms(True)` nor sets `torch.backends.cudnn.deterministic = True`. Only a hint: determinism costs speed, and some operations have no deterministic CUDA implementation.",
      why:
        'Seeding makes the random numbers repeatable, but on a GPU the same numbers can still give different results: cuDNN benchmarking may pick a different algorithm each run, and many CUDA kernels (atomic adds in scatter, index_add, some convolutions backward) sum in a non-deterministic order. A seeded run that still changes on the GPU is confusing; turn determinism on when a run must be repeated exactly, e.g. to debug.',
      example: 'import torch\n\ntorch.manual_seed(0)\ntorch.backends.cudnn.benchmark = True\ndevice = torch.device("cuda")\n',
      useInstead:
        'import os\n\nimport torch\n\nos.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"\ntorch.manual_seed(0)\ntorch.backends.cudnn.benchmark = False\ntorch.use_deterministic_algorithms(True)\ndevice = torch.device("cuda")\n',
      references: ['https://pytorch.org/docs/stable/notes/randomness.html', 'https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html'],
    },
  },
  check(ctx) {
    const m = ctx.module;
    const flags = cudnnFlags(m);
    for (const f of flags) {
      if (f.flag === 'benchmark' && f.value === true)
        ctx.reportNode(f.node, 'cudnn.benchmark = True lets cuDNN pick the fastest convolution algorithm at run time, which can differ between runs and change results even with every seed set; set it to False (and call torch.use_deterministic_algorithms(True)) when runs must be repeatable');
      if (f.flag === 'deterministic' && f.value === false)
        ctx.reportNode(f.node, 'cudnn.deterministic = False allows non-deterministic cuDNN algorithms, so GPU results can change between runs even with every seed set; set it to True (or call torch.use_deterministic_algorithms(True)) when runs must be repeatable');
    }
    const determinism = m.callsTo('torch.use_deterministic_algorithms');
    for (const c of determinism) {
      const v = m.constantValue(c.argument(0, 'mode'), c.scope);
      if (v?.kind === 'bool' && !v.value)
        ctx.reportNode(c.node, 'torch.use_deterministic_algorithms(False) allows non-deterministic CUDA kernels, so results can change between runs even with every seed set');
    }
    const asksDeterminism =
      determinism.some((c) => m.constantValue(c.argument(0, 'mode'), c.scope)?.kind !== 'bool' || (m.constantValue(c.argument(0, 'mode'), c.scope) as { value: boolean }).value) ||
      flags.some((f) => f.flag === 'deterministic' && f.value !== false);
    if (asksDeterminism || flags.some((f) => f.flag === 'benchmark' && f.value === true)) return;
    const a = seedingOf(m);
    // A seed the file's own execution reaches: a seed in a library module's helper (a
    // DataLoader worker_init_fn reseeding each worker) does not make the file a seeded run.
    const torchSeed = a.events.find((e) => (e.lib === 'torch' || e.lib === 'cuda') && !e.opaque);
    if (!torchSeed) return;
    const cuda = firstCudaUse(m);
    if (cuda)
      ctx.reportNode(cuda, `this file seeds PyTorch (line ${torchSeed.call.node.startPosition.row + 1}) and runs on CUDA, but never calls torch.use_deterministic_algorithms(True) or sets cudnn.deterministic = True, so GPU kernels that sum in a non-deterministic order can still change results between runs; turn determinism on when runs must be repeatable`);
  },
});
