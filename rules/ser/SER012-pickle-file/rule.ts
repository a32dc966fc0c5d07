/**
 * SER012 pickle-file: a pickle-based file (pickle, joblib, torch.save, .npy object array)
 * sits in the workspace. The finding lists what loading it would import, read from its
 * opcodes without loading it; files that import something dangerous are SER013's.
 */
import type { Range } from '../../../protocol/findings';
import { defineRule, type PickleContext } from '../../../server/src/engine/rule';
import {
  describeContainer,
  formatGlobal,
  judgeGlobals,
  listWithMore,
  readErrorsOf,
  type JudgedGlobal,
  type ScanJudgement,
} from '../../../server/src/pickle/policy';

/** Pickles are binary: findings sit at the top of the file. */
const TOP: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
/** Globals named in a message, per class; the rest are counted. */
const SHOWN = 4;

const ADVICE = 'Loading any pickle can run code: export the model to ONNX (or its tensors to safetensors) and load that instead.';
const ADVICE_UNREADABLE = 'It cannot be loaded as it is: if it is yours, re-export the model to ONNX or safetensors, otherwise delete it.';
const ADVICE_DAMAGED = 'Loading it would fail partway, after running whatever comes before the damage: if it is yours, re-export the model to ONNX or safetensors, otherwise delete it.';

export default defineRule({
  target: 'pickle',
  meta: {
    id: 'SER012',
    name: 'pickle-file',
    family: 'SER',
    severity: 'warning',
    practice: 'P1',
    languages: ['pickle'],
    summary: 'A pickle-based model file (pickle, joblib, torch.save, .npy of objects) is in the workspace.',
    provenance: ['picklescan', 'modelscan', 'Hugging Face Hub pickle scanning', 'fickling'],
    fix: 'none',
    docs: {
      what:
        'Finds pickle-based files in the workspace (`.pkl`, `.pickle`, `.joblib`, `.dill`, `.sav`, ' +
        '`torch.save` files such as `.pt`/`.pth`/`.ckpt`/`.bin`, and `.npy`/`.npz` arrays of Python objects) ' +
        'and lists the globals that loading each would import, read from its opcodes without ever loading it: ' +
        'how many, which are on the allowlist of known-safe globals (tensor and array rebuild helpers, plain ' +
        'containers) and which are not (a class whose code runs on load). A file that cannot be read (truncated, ' +
        'corrupted) is reported with the byte offset where reading failed. Files that import a dangerous global ' +
        'are reported by SER013 instead.',
      why:
        'Loading a pickle runs code: every global it names is imported and may be called, so a model file is a ' +
        'program that runs with your permissions, and a blocklist of "bad" globals is bypassed again and again. ' +
        'A pickle also ties the model to one language and to the library versions that wrote it. Production ' +
        'models belong in a format that runs no code on load and that any runtime can read.',
      example: [
        'import pickle, torch',
        '',
        "with open('model.pkl', 'wb') as f:",
        '    pickle.dump(model, f)            # model.pkl: SER012',
        "torch.save(model.state_dict(), 'model.pt')  # model.pt: SER012",
      ].join('\n'),
      useInstead: [
        'import torch',
        'from safetensors.torch import save_file',
        '',
        "torch.onnx.export(model, example_input, 'model.onnx')      # the whole model, runnable anywhere",
        "save_file(model.state_dict(), 'model.safetensors')          # raw tensors only",
      ].join('\n'),
      references: [
        'https://docs.python.org/3/library/pickle.html',
        'https://huggingface.co/docs/hub/security-pickle',
        'https://pytorch.org/docs/stable/generated/torch.load.html',
        'https://huggingface.co/docs/safetensors',
        'https://onnx.ai/',
      ],
    },
  },
  check(ctx: PickleContext) {
    const errors = readErrorsOf(ctx);
    if (ctx.container === 'none' && errors.length === 0) return; // not pickle-based after all
    const judged = judgeGlobals(ctx.globals);
    if (judged.dangerous.length > 0) return; // SER013 reports this file

    const what = capitalize(describeContainer(ctx));
    const imports = describeImports(judged);
    if (errors.length === 0) {
      ctx.report(TOP, `${what}: ${imports}. ${ADVICE}`);
      return;
    }
    const first = errors[0];
    const problem = first.message.replace(/\.$/, '');
    // Every reader message names its byte; a zip-level one may not, so add it then.
    const location = problem.includes(`byte ${first.offset}`) ? '' : ` (byte ${first.offset})`;
    const member = first.member ? ` in ${first.member}` : '';
    const more = errors.length > 1 ? ` (${errors.length - 1} more ${errors.length === 2 ? 'problem' : 'problems'})` : '';
    const seen = ctx.globals.length > 0 ? ` Up to there, ${imports}.` : '';
    const advice = ctx.globals.length === 0 ? ADVICE_UNREADABLE : ADVICE_DAMAGED;
    ctx.report(TOP, `${what} that cannot be read completely: ${problem}${location}${member}${more}.${seen} ${advice}`);
  },
});

/**
 * `loading it imports 3 globals, all on the allowlist of known-safe globals: a, b and c`;
 * with globals off the allowlist, those are named first.
 */
function describeImports(judged: ScanJudgement): string {
  const safe = distinct(judged.safe);
  const unknown = distinct(judged.unknown);
  const total = safe.length + unknown.length;
  if (total === 0) return 'loading it imports no globals (plain data only)';
  const head = `loading it imports ${total} ${total === 1 ? 'global' : 'globals'}`;
  if (unknown.length === 0) return `${head}, ${total === 1 ? '' : 'all '}on the allowlist of known-safe globals: ${listWithMore(safe, SHOWN)}`;
  const offList = `${head}. Not on the allowlist of known-safe globals, so ${unknown.length === 1 ? 'its' : 'their'} code runs unvetted: ${listWithMore(unknown, SHOWN)}`;
  return safe.length === 0 ? offList : `${offList}. Known-safe: ${listWithMore(safe, SHOWN)}`;
}

/** Names without repeats (one global may appear in several archive members). */
function distinct(items: readonly JudgedGlobal[]): string[] {
  return [...new Set(items.map((j) => formatGlobal(j.global)))];
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
