import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { CallSite, PythonModule } from '../../../server/src/engine/python/module';
import { defineRule, type PythonContext } from '../../../server/src/engine/rule';

const COMMIT = /^[0-9a-f]{40}$/;
/** `org/name`: one slash, Hub-legal characters, not a relative or absolute path. */
const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Libraries whose `X.from_pretrained(id, revision=...)` downloads from the Hub. */
const FROM_PRETRAINED = /^(?:transformers|diffusers|peft|optimum|sentence_transformers|setfit)\.(?:[\w.]+\.)?(\w+)\.from_pretrained$/;

interface Target {
  /** The argument naming the repository. */
  repo: Node | undefined;
  kind: 'hub' | 'torch-hub';
}

function targetOf(call: CallSite): Target | undefined {
  const callee = call.callee ?? '';
  // The suffix first: asked of every call of a file, it settles most without the expression.
  const fp = callee.endsWith('.from_pretrained') ? FROM_PRETRAINED.exec(callee) : null;
  if (fp) {
    // `PeftModel.from_pretrained(base_model, model_id)`; `AutoPeftModel*` takes the id first.
    if (callee.startsWith('peft.') && !fp[1].startsWith('AutoPeft')) return { repo: call.argument(1, 'model_id'), kind: 'hub' };
    return { repo: call.argument(0, 'pretrained_model_name_or_path'), kind: 'hub' };
  }
  switch (callee) {
    case 'transformers.pipeline':
      return { repo: call.argument(1, 'model'), kind: 'hub' };
    case 'huggingface_hub.hf_hub_download':
    case 'huggingface_hub.snapshot_download':
    case 'huggingface_hub.file_download.hf_hub_download':
    case 'huggingface_hub._snapshot_download.snapshot_download':
      return { repo: call.argument(0, 'repo_id'), kind: 'hub' };
    case 'sentence_transformers.SentenceTransformer':
    case 'sentence_transformers.CrossEncoder':
      return { repo: call.argument(0, 'model_name_or_path'), kind: 'hub' };
    case 'torch.hub.load':
      return { repo: call.argument(0, 'repo_or_dir'), kind: 'torch-hub' };
    default:
      return undefined;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A repo id that names a folder next to the file (or in the project root) is a local path. */
function isLocal(ctx: PythonContext, id: string): boolean {
  const roots = [path.dirname(ctx.path), ctx.project.root].filter((r): r is string => !!r);
  return roots.some((r) => isDirectory(path.join(r, id)));
}

function stringOf(m: PythonModule, node: Node | undefined, call: CallSite): string | undefined {
  const v = node ? m.constantValue(node, call.scope) : undefined;
  return v?.kind === 'string' ? v.value : undefined;
}

export default defineRule({
  target: 'python',
  requires: ['transformers', 'diffusers', 'peft', 'optimum', 'sentence_transformers', 'setfit', 'huggingface_hub', 'torch'],
  meta: {
    id: 'SER011',
    name: 'unpinned-model-revision',
    family: 'SER',
    severity: 'warning',
    practice: 'P1',
    languages: ['python'],
    summary: 'Downloading a Hub model without revision= pinned to a commit lets its weights and code change under you.',
    provenance: ['bandit B615 (huggingface_unsafe_download)'],
    fix: 'none',
    docs: {
      what:
        'Finds downloads of a Hugging Face Hub repository named by a string literal or constant of the form `org/name`: `from_pretrained` on transformers, diffusers, PEFT, Optimum, sentence-transformers and SetFit classes, `transformers.pipeline(model=...)`, `SentenceTransformer(...)`, `huggingface_hub.hf_hub_download` and `snapshot_download`, without `revision=` or with a `revision` that is not a 40-hex commit hash (a branch or tag such as "main" or "v1.0" can move). Also finds `torch.hub.load("owner/repo[:ref]", ...)` from GitHub whose ref is missing or not a commit hash. Not reported: ids without a slash, paths (starting with `.`, `/` or `~`, or naming a folder next to the file or in the project root), ids and revisions the rule cannot read (variables, f-strings), calls with `**kwargs`, and `source="local"`.',
      why:
        'A repository on the Hub (or GitHub) is mutable: without a pinned commit, the next run downloads whatever the default branch holds then. Weights can change silently (results stop reproducing), and a compromised or transferred repository can ship a pickled checkpoint or remote code that runs on load. A commit hash names exactly the files that were reviewed and tested.',
      example: 'from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained("google-bert/bert-base-uncased")\n',
      useInstead:
        'from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained(\n    "google-bert/bert-base-uncased",\n    revision="86b5e0934494bd15c9632b12f734a8a67f723594",\n)\n',
      references: [
        'https://huggingface.co/docs/transformers/main_classes/model#transformers.PreTrainedModel.from_pretrained',
        'https://huggingface.co/docs/huggingface_hub/guides/download',
        'https://bandit.readthedocs.io/en/latest/plugins/b615_huggingface_unsafe_download.html',
      ],
    },
  },
  check(ctx) {
    const m = ctx.module;
    for (const call of m.calls) {
      const target = call.callee ? targetOf(call) : undefined;
      if (!target) continue;
      const id = stringOf(m, target.repo, call);
      if (id === undefined) continue;
      if (target.kind === 'torch-hub') {
        checkTorchHub(ctx, call, id);
        continue;
      }
      if (!HUB_ID.test(id) || isLocal(ctx, id)) continue;
      const given = call.keyword('revision');
      if (!given) {
        if (call.hasKeywordSplat) continue; // the revision may come in **kwargs
        ctx.reportNode(
          call.node,
          `${call.callee} downloads "${id}" from the Hugging Face Hub without revision=, so each run gets whatever the default branch holds then: the weights (or code) can change or be replaced under you; pin revision= to a commit hash`,
        );
        continue;
      }
      const revision = m.constantValue(given, call.scope);
      if (revision?.kind === 'none') {
        if (call.hasKeywordSplat) continue;
        ctx.reportNode(
          call.node,
          `${call.callee} downloads "${id}" from the Hugging Face Hub with revision=None, which means the default branch, so the weights (or code) can change or be replaced under you; pin revision= to a commit hash`,
        );
        continue;
      }
      if (revision?.kind !== 'string' || COMMIT.test(revision.value)) continue;
      ctx.reportNode(
        call.node,
        `${call.callee} downloads "${id}" at revision "${revision.value}", a branch, tag or ref name that can move to other files; pin revision= to a commit hash (40 hex characters)`,
      );
    }
  },
});

function checkTorchHub(ctx: PythonContext, call: CallSite, spec: string): void {
  const m = ctx.module;
  const source = call.keyword('source');
  const sourceValue = source ? m.constantValue(source, call.scope) : undefined;
  if (source && (sourceValue?.kind !== 'string' || sourceValue.value !== 'github')) return; // local, or unknown
  const match = /^([A-Za-z0-9][\w.-]*\/[\w.-]+)(?::(.+))?$/.exec(spec);
  if (!match || isLocal(ctx, match[1])) return;
  const ref = match[2];
  if (ref !== undefined && COMMIT.test(ref)) return;
  ctx.reportNode(
    call.node,
    ref === undefined
      ? `torch.hub.load runs hubconf.py from the default branch of github.com/${match[1]}, which can change at any time; pin a commit as "${match[1]}:<commit hash>" (or vendor the code and use source="local")`
      : `torch.hub.load runs hubconf.py from github.com/${match[1]} at "${ref}", a branch or tag that can move; pin a commit as "${match[1]}:<commit hash>" (or vendor the code and use source="local")`,
  );
}
