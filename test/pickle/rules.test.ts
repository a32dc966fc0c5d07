/**
 * SER012 and SER013 against hand-built scans, through a PickleContext whose `report`
 * collects findings: ids, severities, ranges, messages, and that a file gets one of the
 * two rules, never both.
 */
import { strict as assert } from 'node:assert';
import type { PickleGlobalRef, PickleRule } from '../../server/src/engine/rule';
import type { PickleGlobal, PickleScan } from '../../server/src/pickle/index';
import { UNRESOLVED_MODULE } from '../../server/src/pickle/index';
import ser012 from '../../rules/ser/SER012-pickle-file/rule';
import ser013 from '../../rules/ser/SER013-dangerous-pickle-file/rule';
import { contextFor, runRules } from './helpers';

const RULES: readonly PickleRule[] = [ser012, ser013];
const TOP = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function g(module: string, name: string, extra: Partial<PickleGlobal> = {}): PickleGlobal {
  return { module, name, offset: 10, called: true, source: 'GLOBAL', ...extra };
}

function scan(globals: PickleGlobal[], extra: Partial<PickleScan> = {}): PickleScan {
  return { container: 'pickle', protocol: 4, globals, errors: [], ...extra };
}

describe('pickle rules', () => {
  it('carry complete metadata and docs under the fixed headings', () => {
    for (const rule of RULES) {
      const m = rule.meta;
      assert.equal(rule.target, 'pickle');
      assert.equal(m.family, 'SER');
      assert.equal(m.practice, 'P1');
      assert.deepEqual(m.languages, ['pickle']);
      assert.match(m.id, /^SER01[23]$/);
      assert.match(m.name, /^[a-z]+(-[a-z]+)*$/);
      for (const heading of ['what', 'why', 'example', 'useInstead'] as const) assert.ok(m.docs[heading].length > 40, `${m.id} docs.${heading}`);
      assert.ok((m.docs.references ?? []).length > 0, `${m.id} references`);
    }
    assert.deepEqual([ser012.meta.id, ser012.meta.name, ser012.meta.severity], ['SER012', 'pickle-file', 'warning']);
    assert.deepEqual([ser013.meta.id, ser013.meta.name, ser013.meta.severity], ['SER013', 'dangerous-pickle-file', 'error']);
  });

  it('SER012: says how many globals, names the first few and tells safe from unknown', () => {
    const safe = [g('torch._utils', '_rebuild_tensor_v2'), g('torch', 'FloatStorage', { called: false }), g('collections', 'OrderedDict')];
    const [allSafe] = runRules(scan(safe, { container: 'zip', protocol: 2, members: ['archive/data.pkl'] }), 'm.pt', RULES);
    assert.equal(allSafe.rule, 'SER012');
    assert.equal(allSafe.severity, 'warning');
    assert.deepEqual(allSafe.range, TOP);
    assert.equal(
      allSafe.message,
      'Zip archive written by torch.save (protocol 2): loading it imports 3 globals, all on the allowlist of known-safe globals: ' +
        'torch._utils._rebuild_tensor_v2, torch.FloatStorage and collections.OrderedDict. Loading any pickle can run code: ' +
        'export the model to ONNX (or its tensors to safetensors) and load that instead.',
    );

    const unknown = [...safe, ...['A', 'B', 'C', 'D', 'E'].map((c) => g('sklearn.tree', c))];
    const [mixed] = runRules(scan(unknown), 'm.pkl', RULES);
    assert.match(mixed.message, /^Pickle file \(protocol 4\): loading it imports 8 globals\. Not on the allowlist of known-safe globals, so their code runs unvetted: sklearn\.tree\.A, sklearn\.tree\.B, sklearn\.tree\.C, sklearn\.tree\.D and 1 more\. Known-safe: torch\._utils\._rebuild_tensor_v2, torch\.FloatStorage and collections\.OrderedDict\. /);
    assert.match(mixed.message, /export the model to ONNX/);

    const [none] = runRules(scan([], { protocol: 5 }), 'plain.pkl', RULES);
    assert.match(none.message, /^Pickle file \(protocol 5\): loading it imports no globals \(plain data only\)\./);
  });

  it('SER012: reports an unreadable file with the reader\'s error and offset, never throws', () => {
    const damaged = scan([g('collections', 'OrderedDict')], {
      errors: [
        { message: 'truncated: BINUNICODE at byte 40 declares 9 bytes but only 2 remain', offset: 40, member: 'archive/data.pkl' },
        { message: 'second problem at byte 50', offset: 50 },
      ],
      container: 'zip',
      members: ['archive/data.pkl'],
    });
    const [finding] = runRules(damaged, 'm.pt', RULES);
    assert.equal(finding.rule, 'SER012');
    assert.match(finding.message, /^Zip archive written by torch\.save \(protocol 4\) that cannot be read completely: truncated: BINUNICODE at byte 40 declares 9 bytes but only 2 remain in archive\/data\.pkl \(1 more problem\)\. Up to there, loading it imports 1 global, on the allowlist/);

    // A zip-level message without its byte gets the offset added.
    const [zip] = runRules(scan([], { container: 'zip', protocol: undefined, errors: [{ message: 'damaged zip archive: bad signature.', offset: 77 }] }), 'm.pt', RULES);
    assert.match(zip.message, /damaged zip archive: bad signature \(byte 77\)\. It cannot be loaded as it is/);
  });

  it('SER012 and SER013 stay silent on files that are not pickle-based', () => {
    assert.deepEqual(runRules(scan([], { container: 'none', protocol: undefined }), 'floats.npy', RULES), []);
  });

  it('SER013: names the global, what it does, whether it is called, where, and the member', () => {
    const hostile = scan(
      [
        g('collections', 'OrderedDict', { offset: 2, member: 'archive/data.pkl' }),
        g('__builtin__', 'exec', { offset: 246, member: 'archive/data.pkl' }),
        g('builtins', 'getattr', { offset: 300, member: 'archive/data.pkl', called: false }),
      ],
      { container: 'zip', protocol: 2, members: ['archive/data.pkl'] },
    );
    const findings = runRules(hostile, 'm.pt', RULES);
    assert.deepEqual(findings.map((f) => [f.rule, f.severity]), [['SER013', 'error']], 'SER013 only, never SER012 too');
    assert.deepEqual(findings[0].range, TOP);
    assert.equal(
      findings[0].message,
      'Dangerous zip archive written by torch.save (protocol 2): it calls __builtin__.exec when loaded, which executes Python code ' +
        '(at byte 246 of archive/data.pkl). It also imports 1 more dangerous global: builtins.getattr. Do not load it (pickle.load, ' +
        'joblib.load, or torch.load without weights_only=True would run it): delete it, or recreate the model from code you trust ' +
        'and save it as ONNX or safetensors.',
    );

    const [imported] = runRules(scan([g('os', 'system', { called: false, offset: 0 })], { protocol: 0 }), 'x.pkl', RULES);
    assert.match(imported.message, /^Dangerous pickle file \(protocol 0\): it imports os\.system when loaded, which runs a shell command \(at byte 0\)\./);

    const [unresolved] = runRules(scan([g(UNRESOLVED_MODULE, "STACK_GLOBAL on values computed while loading: module a call result, name 'system'", { offset: 41 })]), 'x.pkl', RULES);
    assert.match(unresolved.message, /it calls a global that cannot be named without running the pickle \(STACK_GLOBAL on values computed while loading: module a call result, name 'system'\), the way payloads hide from scanners \(at byte 41\)/);

    const [nested] = runRules(scan([g('pickle', 'loads', { offset: 2 }), g('os', 'system', { offset: 64, source: 'nested', nestedOffset: 0 })], { protocol: 3 }), 'x.pkl', RULES);
    assert.match(nested.message, /it calls os\.system when loaded, which runs a shell command \(inside the pickle that the call at byte 64 loads\)\. It also imports 1 more dangerous global: pickle\.loads\./);
  });

  it('SER013 lists further dangerous globals once each, the first few by name', () => {
    const names = ['eval', 'exec', 'compile', 'open', 'getattr', 'setattr'];
    const many = names.map((n, i) => g('builtins', n, { offset: i, member: i % 2 ? 'a/data.pkl' : 'b/data.pkl' }));
    const [f] = runRules(scan([...many, g('builtins', 'exec', { offset: 99, member: 'b/data.pkl' })]), 'x.pt', RULES);
    assert.match(f.message, /it calls builtins\.eval when loaded.*It also imports 5 more dangerous globals: builtins\.exec, builtins\.compile, builtins\.open and 2 more\./);
  });

  it('work on a bare PickleContext too (no reader extras): globals count as called', () => {
    const bare: PickleGlobalRef[] = [{ module: 'subprocess', name: 'Popen', offset: 3 }];
    const { ctx, findings } = contextFor({ container: 'pickle', protocol: 2, globals: [], errors: [] }, 'x.pkl', ser013);
    ser013.check({ path: ctx.path, project: ctx.project, report: ctx.report, container: 'pickle', protocol: 2, globals: bare });
    assert.equal(findings.length, 1);
    assert.match(findings[0].message, /it calls subprocess\.Popen when loaded, which starts a process \(at byte 3\)/);
  });

  it('SER013 also mentions a reading problem', () => {
    const [f] = runRules(scan([g('os', 'system', { offset: 150000, called: false })], { protocol: 0, errors: [{ message: 'MARK nesting deeper than 100000 at byte 100000', offset: 100000 }] }), 'x.pkl', RULES);
    assert.equal(f.rule, 'SER013');
    assert.match(f.message, /Reading it also hit a problem: MARK nesting deeper than 100000 at byte 100000\./);
  });
});
