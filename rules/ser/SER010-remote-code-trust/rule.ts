import type { Node } from 'web-tree-sitter';
import type { Fix } from '../../../protocol/findings';
import { nodeRange } from '../../../server/src/engine/lint';
import type { CallSite, PythonModule } from '../../../server/src/engine/python/module';
import { offsetsOf } from '../../../server/src/engine/python/source-offsets';
import { defineRule } from '../../../server/src/engine/rule';

const TORCH_HUB = ['torch.hub.load', 'torch.hub.list', 'torch.hub.help'];
const COMMIT = /^[0-9a-f]{40}$/;

function calleeName(call: CallSite): string {
  if (call.callee) return call.callee;
  const text = call.func.text.replace(/\s+/g, '');
  return text.length <= 40 ? text : '…' + text.slice(-39);
}

/** `revision=` when it is pinned to a commit: then the code that runs is at least fixed. */
function pinnedRevision(m: PythonModule, call: CallSite): string | undefined {
  const v = m.constantValue(call.keyword('revision'), call.scope);
  return v?.kind === 'string' && COMMIT.test(v.value) ? v.value : undefined;
}

function describeTrue(given: Node, fromDefault: boolean, name: string, defaultLine?: number): string {
  if (fromDefault) return `${name}=${given.text} (a parameter whose default is True, line ${defaultLine})`;
  return given.type === 'true' ? `${name}=True` : `${name}=${given.text} (which is True)`;
}

export default defineRule({
  target: 'python',
  requires: [
    'transformers', 'diffusers', 'sentence_transformers', 'datasets', 'peft', 'optimum', 'vllm', 'huggingface_hub', 'torch',
    'open_clip', 'accelerate', 'trl', 'evaluate', 'setfit', 'langchain_huggingface', 'langchain_community', 'llama_index',
  ],
  meta: {
    id: 'SER010',
    name: 'remote-code-trust',
    family: 'SER',
    severity: 'error',
    practice: 'P1',
    languages: ['python'],
    summary: 'trust_remote_code=True (or torch.hub trust_repo=True) runs Python code downloaded with the model.',
    fix: 'unsafe',
    docs: {
      what:
        'Finds `trust_remote_code=True` passed to any call (Hugging Face `from_pretrained` on `AutoModel*`/`AutoTokenizer`/`AutoConfig` and any other class, `pipeline`, `datasets.load_dataset`, `SentenceTransformer`, vLLM `LLM`, and wrappers of the project that forward it), given as a literal, through a constant or as a parameter default passed along, and `{"trust_remote_code": True}` entries in dict literals (the `model_kwargs` of `pipeline` and of wrappers such as LangChain). Also finds `torch.hub.load`/`list`/`help` with `trust_repo=True`. A value the rule cannot read is not reported. The message says whether a `revision=` pins the code to a commit.',
      why:
        '`trust_remote_code=True` tells the library to download the Python files named in the model or dataset repository (`modeling_*.py`, loading scripts) and import them: whoever can push to that repository, or take it over, runs code on every machine that loads the model, and without a pinned revision that code can change at any time. `torch.hub.load` runs the repository\'s `hubconf.py`, and `trust_repo=True` skips the check that asks before trusting a new repository. Prefer architectures the library supports natively; where custom code is needed, review it and vendor it, or at least pin `revision=` to a reviewed commit.',
      example:
        'from transformers import AutoModelForCausalLM\n\nmodel = AutoModelForCausalLM.from_pretrained("someorg/custom-llm", trust_remote_code=True)\n',
      useInstead:
        'from transformers import AutoModelForCausalLM\n\n# A natively supported architecture, pinned to a reviewed commit, weights from safetensors.\nmodel = AutoModelForCausalLM.from_pretrained(\n    "someorg/llm",\n    revision="0123456789abcdef0123456789abcdef01234567",\n    use_safetensors=True,\n)\n',
      references: [
        'https://huggingface.co/docs/transformers/en/custom_models',
        'https://github.com/huggingface/transformers/blob/main/SECURITY.md',
        'https://pytorch.org/docs/stable/hub.html',
      ],
    },
  },
  check(ctx) {
    const m = ctx.module;
    // Occurrences kept between versions of the source: no search of the whole file per edit.
    if (!offsetsOf(ctx.source, 'trust_re').length) return;
    for (const call of m.calls) {
      const given = call.keyword('trust_remote_code');
      if (!given) continue;
      const r = m.constantOrDefault(given, call.scope);
      if (r?.value.kind !== 'bool' || !r.value.value) continue;
      const pin = pinnedRevision(m, call);
      const how = describeTrue(given, !!r.fromDefault, 'trust_remote_code', r.fromDefault ? r.fromDefault.node.startPosition.row + 1 : undefined);
      const fixes: Fix[] =
        given.type === 'true'
          ? [{ title: 'Use trust_remote_code=False (models that need custom code then fail to load)', safety: 'unsafe', edits: [{ range: nodeRange(given), newText: 'False' }] }]
          : [];
      const repo = call.callee?.startsWith('datasets.') ? "the dataset repository's loading script" : 'the model repository';
      ctx.reportNode(
        call.node,
        pin
          ? `${calleeName(call)} with ${how} imports and runs Python code from ${repo} (pinned to commit ${pin.slice(0, 8)}, so review that code); prefer a natively supported architecture or vendor the reviewed code`
          : `${calleeName(call)} with ${how} imports and runs Python code from ${repo}, and no revision pins it, so whoever controls the repository controls what runs; use a natively supported architecture, or vendor reviewed code and pin revision= to a commit hash`,
        { fixes },
      );
    }
    for (const pair of m.nodesOfType('pair')) {
      const key = pair?.childForFieldName('key');
      const value = pair?.childForFieldName('value');
      if (!pair || !key || !value) continue;
      const scope = m.scopeAt(pair.startIndex);
      const k = m.constantValue(key, scope);
      if (k?.kind !== 'string' || k.value !== 'trust_remote_code') continue;
      const v = m.constantValue(value, scope);
      if (v?.kind !== 'bool' || !v.value) continue;
      ctx.reportNode(
        pair,
        `${key.text}: ${value.text} in these keyword arguments makes the library import and run Python code from the model repository when they are passed on; use a natively supported architecture, or vendor reviewed code and pin revision= to a commit hash`,
      );
    }
    for (const call of m.callsTo(...TORCH_HUB)) {
      const given = call.keyword('trust_repo');
      const r = m.constantOrDefault(given, call.scope);
      if (!given || r?.value.kind !== 'bool' || !r.value.value) continue;
      const how = describeTrue(given, !!r.fromDefault, 'trust_repo', r.fromDefault ? r.fromDefault.node.startPosition.row + 1 : undefined);
      ctx.reportNode(
        call.node,
        `${call.callee} with ${how} runs the repository's hubconf.py without asking before trusting it, so whoever controls the repository controls what runs; vendor the model code (source="local") and load reviewed weights with weights_only=True`,
      );
    }
  },
});
