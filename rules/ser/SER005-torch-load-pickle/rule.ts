import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { Fix } from '../../../protocol/findings';
import { nodeRange } from '../../../server/src/engine/lint';
import { compareVersions, parseVersion, specAllowsBelow, type DeclaredPackage } from '../../../server/src/engine/project';
import { addArgumentEdits } from '../../../server/src/engine/python/fixes';
import type { CallSite, PythonModule } from '../../../server/src/engine/python/module';
import { offsetsOf } from '../../../server/src/engine/python/source-offsets';
import { defineRule, type PythonContext } from '../../../server/src/engine/rule';

/** PyTorch 2.6 made `weights_only=True` the default of `torch.load`. */
const SAFE_DEFAULT_SINCE = '2.6';
/** `weights_only` first exists in PyTorch 1.13. */
const WEIGHTS_ONLY_SINCE = '1.13';
const FORCE_NO_WEIGHTS_ONLY = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD';
/** Values torch reads as "set" for its TORCH_FORCE_* switches. */
const TRUTHY = new Set(['1', 'y', 'yes', 'true']);

const ADVICE = 'pass weights_only=True (or store the weights as safetensors)';

/** Download-and-load helpers that call torch.load with their own `weights_only`. */
const URL_LOADERS = ['torch.hub.load_state_dict_from_url', 'torch.utils.model_zoo.load_url'];

export default defineRule({
  target: 'python',
  requires: ['torch'],
  meta: {
    id: 'SER005',
    name: 'torch-load-pickle',
    family: 'SER',
    severity: 'error',
    practice: 'P1',
    languages: ['python'],
    summary: 'torch.load without weights_only=True unpickles the checkpoint, running any code in it.',
    provenance: ['bandit B614 (pytorch_load)', 'Semgrep trailofbits.python.pickles-in-pytorch.pickles-in-pytorch'],
    fix: 'safe',
    docs: {
      what:
        'Finds `torch.load` and `torch.serialization.load` calls that unpickle (and `torch.hub.load_state_dict_from_url` with an explicit `weights_only=False`): an explicit `weights_only=False` (literal, or through a constant or a parameter default) is always reported; a call without `weights_only` is reported where the project\'s declared PyTorch version (requirements files, `pyproject.toml`, `environment.yml`, lockfiles, the nearest found walking up from the file) allows a version before 2.6, whose default was `weights_only=False`, and also where no version is declared, since the default is then unknown. A call with `pickle_module=` defaults to `weights_only=False` on every version, and setting `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` in `os.environ` turns the default off for the whole process; both are reported. Not reported: `weights_only=True`, a `weights_only` value the rule cannot read (the caller chose it), calls with `**kwargs` that may carry it, `torch.jit.load` and safetensors (neither unpickles).',
      why:
        'Without `weights_only=True`, `torch.load` is `pickle.load`: a checkpoint from a hub, a colleague or a compromised bucket can import and call anything (`os.system` is one opcode away), and it runs as soon as the file is loaded. `weights_only=True` restricts the unpickler to tensors, primitive types and containers (plus types you allow with `torch.serialization.add_safe_globals`). PyTorch 2.6 made it the default, but a project that still allows older versions, or does not say which it uses, cannot rely on that.',
      example: 'import torch\n\nstate = torch.load("model.pt")\nckpt = torch.load("ckpt.pt", weights_only=False)\n',
      useInstead:
        'import torch\nfrom safetensors.torch import load_file\n\nstate = torch.load("model.pt", weights_only=True)\nweights = load_file("model.safetensors")\n',
      references: [
        'https://pytorch.org/docs/stable/generated/torch.load.html',
        'https://pytorch.org/docs/stable/notes/serialization.html#weights-only',
        'https://huggingface.co/docs/safetensors',
      ],
    },
  },
  check(ctx) {
    const m = ctx.module;
    const forced = forcedOff(ctx);
    for (const f of forced)
      ctx.reportNode(
        f.node,
        `setting ${FORCE_NO_WEIGHTS_ONLY} makes every torch.load in the process that does not pass weights_only default to weights_only=False, even on PyTorch ≥ 2.6, so loading any checkpoint runs code from it; remove it and pass weights_only=False only where a trusted file needs full unpickling`,
      );
    for (const call of m.callsTo('torch.load', 'torch.serialization.load', ...URL_LOADERS)) {
      const callee = call.callee!;
      const given = call.keyword('weights_only');
      // The download helpers' default differs across versions: only an explicit False is reported.
      if (URL_LOADERS.includes(callee) && !given) continue;
      if (given) {
        const r = m.constantOrDefault(given, call.scope);
        if (r?.value.kind === 'bool' && !r.value.value) {
          const fixes: Fix[] =
            given.type === 'false'
              ? [{ title: 'Use weights_only=True (the checkpoint may hold objects that then need torch.serialization.add_safe_globals)', safety: 'unsafe', edits: [{ range: nodeRange(given), newText: 'True' }] }]
              : [];
          const how = r.fromDefault
            ? `weights_only=${given.text} (a parameter whose default is False, line ${r.fromDefault.node.startPosition.row + 1})`
            : given.type === 'false'
              ? 'weights_only=False'
              : `weights_only=${given.text} (which is False)`;
          ctx.reportNode(call.node, `${callee} with ${how} unpickles the checkpoint, running any code in the file; ${ADVICE}`, { fixes });
          continue;
        }
        // True, or a value we cannot read (the caller's explicit choice): not reported.
        // `weights_only=None` means "the default", handled as if absent.
        if (r?.value.kind !== 'none' || r.fromDefault || URL_LOADERS.includes(callee)) continue;
      }
      const pickleModule = call.argument(2, 'pickle_module');
      if (pickleModule && m.constantValue(pickleModule, call.scope)?.kind !== 'none') {
        ctx.reportNode(
          call.node,
          `${callee} with pickle_module=${pickleModule.text} and no weights_only defaults to weights_only=False on every PyTorch version, so it unpickles the checkpoint, running any code in the file; drop pickle_module and ${ADVICE}`,
        );
        continue;
      }
      // `**kwargs` may carry weights_only (wrappers forward it): the call alone does not say.
      if (call.hasKeywordSplat) continue;
      // `weights_only=None` is replaced; otherwise the keyword is added.
      const fix = (): Fix[] =>
        given ? [{ title: 'Use weights_only=True', safety: 'safe', edits: [{ range: nodeRange(given), newText: 'True' }] }] : addKeyword(ctx, call, 'weights_only=True');
      if (forced.length) {
        ctx.reportNode(
          call.node,
          `${callee} without weights_only unpickles the checkpoint, running any code in the file: ${FORCE_NO_WEIGHTS_ONLY} is set at line ${forced[0].node.startPosition.row + 1}, which makes the default weights_only=False on every PyTorch version; ${ADVICE}`,
          { fixes: fix() },
        );
        continue;
      }
      const torch = ctx.project.declared('torch');
      if (!torch) {
        ctx.reportNode(
          call.node,
          `${callee} without weights_only unpickles the checkpoint on PyTorch before 2.6, running any code in the file, and this project declares no torch version (no requirements, pyproject.toml, environment.yml or lockfile entry found), so the default cannot be known; ${ADVICE}`,
          { fixes: fix() },
        );
        continue;
      }
      const allowsOld = specAllowsBelow(torch.spec, SAFE_DEFAULT_SINCE, torch.locked);
      if (allowsOld === false) continue;
      const where = path.relative(path.dirname(ctx.path), torch.source).split(path.sep).join('/');
      const declared = `${where} ${torch.locked ? 'locks' : 'declares'} ${describe(torch)}`;
      if (allowsOld === undefined) {
        ctx.reportNode(
          call.node,
          `${callee} without weights_only unpickles the checkpoint on PyTorch before 2.6, and ${declared}, a version specifier this rule cannot read, so the default cannot be known; ${ADVICE}`,
          { fixes: fix() },
        );
        continue;
      }
      const tooOld = onlyBefore(torch, WEIGHTS_ONLY_SINCE);
      ctx.reportNode(
        call.node,
        tooOld
          ? `${callee} unpickles the checkpoint, running any code in the file: ${declared}, which predates weights_only (added in PyTorch 1.13); upgrade torch and ${ADVICE}`
          : `${callee} without weights_only unpickles the checkpoint, running any code in the file: ${declared}, which ${isExact(torch) ? 'is' : 'allows'} a version before 2.6, where the default is weights_only=False; ${ADVICE}`,
        { fixes: tooOld ? [] : fix() },
      );
    }
  },
});

function describe(p: DeclaredPackage): string {
  if (p.locked) return `torch ${p.spec}`;
  return p.spec ? `torch${/^[0-9]/.test(p.spec) ? ' ' : ''}${p.spec}` : 'torch with no version constraint';
}

function exactVersion(p: DeclaredPackage): number[] | undefined {
  if (p.locked) return parseVersion(p.spec);
  const m = /^\s*={2,3}\s*([0-9][0-9.]*)\s*$/.exec(p.spec);
  return m ? parseVersion(m[1]) : undefined;
}

function isExact(p: DeclaredPackage): boolean {
  return exactVersion(p) !== undefined;
}

/** Whether the declared version is known to be exactly one below `bound`. */
function onlyBefore(p: DeclaredPackage, bound: string): boolean {
  const v = exactVersion(p);
  return v !== undefined && compareVersions(v, parseVersion(bound)!) < 0;
}

/** `os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"`, `os.environ.setdefault(...)`, `os.putenv(...)` with a truthy value. */
function forcedOff(ctx: PythonContext): Array<{ node: Node }> {
  // Occurrences kept between versions of the source: no search of the whole file per edit.
  if (!offsetsOf(ctx.source, FORCE_NO_WEIGHTS_ONLY).length) return [];
  const m = ctx.module;
  const out: Array<{ node: Node }> = [];
  const isName = (n: Node | null | undefined, scope = m.scopeAt(n?.startIndex ?? 0)) => {
    const v = n ? m.constantValue(n, scope) : undefined;
    return v?.kind === 'string' && v.value === FORCE_NO_WEIGHTS_ONLY;
  };
  const isTruthy = (n: Node | null | undefined, scope = m.scopeAt(n?.startIndex ?? 0)) => {
    const v = n ? m.constantValue(n, scope) : undefined;
    return v?.kind === 'string' ? TRUTHY.has(v.value.trim().toLowerCase()) : v?.kind === 'number' ? v.value === 1 : false;
  };
  for (const a of m.assignments) {
    const left = a?.childForFieldName('left');
    if (!a || left?.type !== 'subscript') continue;
    const scope = m.scopeAt(a.startIndex);
    const object = left.childForFieldName('value');
    if (!object || m.resolveExpression(object, scope) !== 'os.environ') continue;
    if (isName(left.childForFieldName('subscript'), scope) && isTruthy(a.childForFieldName('right'), scope)) out.push({ node: a });
  }
  for (const call of m.callsTo('os.environ.setdefault', 'os.putenv')) {
    if (isName(call.positional[0], call.scope) && isTruthy(call.positional[1], call.scope)) out.push({ node: call.node });
  }
  return out.sort((x, y) => x.node.startIndex - y.node.startIndex);
}

/** "Add weights_only=True": the keyword added last, with the edit the engine shares with RNG007's "Add random_state". */
export function addKeyword(ctx: PythonContext, call: CallSite, text: string): Fix[] {
  const edits = addArgumentEdits(ctx.source, call, text);
  return edits ? [{ title: `Add ${text}`, safety: 'safe', edits }] : [];
}
