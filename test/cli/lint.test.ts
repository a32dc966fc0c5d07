/** `ml-hygiene lint` as a process: output formats, exit codes, selection, bad input. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JsonFinding } from '../../server/src/cli/formats';
import { runCli } from '../helpers/cli';

const EXAMPLE = 'examples/ml-project';

describe('CLI: ml-hygiene lint', () => {
  it('json: 1-based positions on the example project, exit 1 with findings', () => {
    const r = runCli(['lint', EXAMPLE, '--format', 'json']);
    assert.equal(r.status, 1, r.stderr);
    const findings = JSON.parse(r.stdout) as JsonFinding[];
    const load = findings.find((f) => f.rule === 'SER001');
    assert.ok(load, r.stdout);
    assert.deepEqual(
      { file: load.file, line: load.line, column: load.column },
      { file: path.join(EXAMPLE, 'src', 'train.py'), line: 54, column: 19 },
    );
    for (const f of findings) {
      assert.deepEqual(Object.keys(f).filter((k) => !['fixable', 'cell', 'cellLine', 'related'].includes(k)).sort(), ['column', 'endColumn', 'endLine', 'file', 'line', 'message', 'rule', 'severity']);
      assert.ok(f.line >= 1 && f.column >= 1);
    }
    assert.equal(findings.filter((f) => f.file.endsWith('serve.py')).length, 0, 'the safe serving code has no findings');
    // A leak names its other end: the split the scaled data reaches.
    const leak = findings.find((f) => f.rule === 'LEAK001');
    assert.deepEqual(leak?.related, [{ file: path.join(EXAMPLE, 'src', 'train.py'), line: 31, column: 40, message: 'X is split here, after StandardScaler saw all of its rows' }]);
    assert.equal(r.stderr.includes('['), false, 'no progress bar in json output');
  });

  it('text: one finding a line and a summary', () => {
    const r = runCli(['lint', EXAMPLE]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^examples\/ml-project\/src\/train\.py:54:19: SER001 \[error\] pickle\.load runs code/m);
    assert.match(r.stdout, /^Found \d+ problems? in \d+ files?/m);
  });

  it('sarif: valid 2.1.0 with the rules of every result', () => {
    const r = runCli(['lint', EXAMPLE, '--format', 'sarif']);
    assert.equal(r.status, 1);
    const sarif = JSON.parse(r.stdout);
    assert.equal(sarif.version, '2.1.0');
    const run = sarif.runs[0];
    const ruleIds = run.tool.driver.rules.map((x: { id: string }) => x.id);
    assert.ok(run.results.length > 0);
    for (const res of run.results) {
      assert.equal(ruleIds[res.ruleIndex], res.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(res.level));
      const loc = res.locations[0].physicalLocation;
      assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
      assert.ok(loc.region.startLine >= 1 && loc.region.startColumn >= 1);
    }
    for (const rule of run.tool.driver.rules) assert.ok(rule.shortDescription.text && rule.help.text && rule.defaultConfiguration.level);
  });

  it('--select and --ignore; exit 0 without findings', () => {
    const only = JSON.parse(runCli(['lint', EXAMPLE, '--format', 'json', '--select', 'SER001']).stdout) as JsonFinding[];
    assert.ok(only.length > 0 && only.every((f) => f.rule === 'SER001'));
    const none = runCli(['lint', path.join(EXAMPLE, 'src', 'serve.py'), '--format', 'json']);
    assert.equal(none.status, 0, none.stdout);
    assert.deepEqual(JSON.parse(none.stdout), []);
    const ignored = JSON.parse(runCli(['lint', EXAMPLE, '--format', 'json', '--ignore', 'SER']).stdout) as JsonFinding[];
    assert.ok(ignored.every((f) => !f.rule.startsWith('SER')));
  });

  it('exit 2 with a clear message on usage errors', () => {
    for (const args of [['lint', '--format', 'xml'], ['lint', '--select', 'NOPE1'], ['lint', '--bogus'], ['frobnicate'], ['lint', '--jobs', '0']]) {
      const r = runCli(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /ml-hygiene/);
      assert.equal(r.stderr.includes('    at '), false, 'no stack trace for a usage error');
    }
  });

  it('lints big trees on worker threads with the same results as one thread', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-many-'));
    for (let i = 0; i < 150; i++) fs.writeFileSync(path.join(dir, `m${i}.py`), i % 3 ? 'import os\nprint(os.getcwd())\n' : `import pickle\nx${i} = pickle.load(f)\n`);
    const many = runCli(['lint', dir, '--format', 'json', '--jobs', '2']);
    const one = runCli(['lint', dir, '--format', 'json', '--jobs', '1']);
    assert.equal(many.status, 1);
    assert.deepEqual(JSON.parse(many.stdout), JSON.parse(one.stdout));
    assert.equal((JSON.parse(one.stdout) as JsonFinding[]).length, 50);
  });
});

describe('CLI: bad input loses nothing', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-bad-'));
    const w = (name: string, data: string | Buffer) => fs.writeFileSync(path.join(dir, name), data);
    w('binary.py', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02]));
    w('latin1.py', Buffer.concat([Buffer.from('import pickle\n# caf'), Buffer.from([0xe9]), Buffer.from('\nx = pickle.load(f)\n')]));
    const big: string[] = ['import pickle'];
    for (let i = 0; i < 50000; i++) big.push(i % 10000 === 5000 ? `v${i} = pickle.load(f)` : `v${i} = ${i} * 2`);
    w('huge.py', big.join('\n') + '\n');
    w('nested.py', 'import pickle\nx = ' + '('.repeat(3000) + 'pickle.load(f)' + ')'.repeat(3000) + '\ny = ' + '['.repeat(3000) + ']'.repeat(3000) + '\n' + '(' .repeat(500) + 'a' + ',)'.repeat(500) + ' = 1\n');
    w('syntax.py', 'import pickle\ndef broken(:\n    return\nz = pickle.load(g)\n');
    w('fine.py', 'import pickle\nok = pickle.loads(b)\n');
    fs.symlinkSync('loop.py', path.join(dir, 'loop.py'));
  });

  it('reports each problem clearly and still lints every other file', () => {
    const r = runCli(['lint', dir, path.join(dir, 'loop.py'), path.join(dir, 'missing.py'), '--format', 'json']);
    assert.equal(r.status, 1, r.stderr);
    const findings = JSON.parse(r.stdout) as JsonFinding[];
    const of = (name: string) => findings.filter((f) => path.basename(f.file) === name).map((f) => `${f.rule}:${f.line}`);
    assert.deepEqual(of('binary.py'), ['MLH002:1']);
    assert.match(findings.find((f) => f.file.endsWith('binary.py'))!.message, /not a text file: NUL byte at offset 4/);
    assert.deepEqual(of('latin1.py'), ['MLH002:1', 'SER001:3']);
    assert.match(findings.find((f) => f.file.endsWith('latin1.py'))!.message, /invalid UTF-8 at byte 19/);
    assert.deepEqual(of('huge.py'), ['SER001:5002', 'SER001:15002', 'SER001:25002', 'SER001:35002', 'SER001:45002']);
    assert.deepEqual(of('nested.py'), ['SER001:2']);
    assert.deepEqual(of('syntax.py'), ['MLH003:2', 'SER001:4']);
    assert.deepEqual(of('fine.py'), ['SER001:2']);
    assert.match(findings.find((f) => f.file.endsWith('loop.py'))!.message, /cannot read/);
    assert.match(findings.find((f) => f.file.endsWith('missing.py'))!.message, /cannot read: no such file/);
  });
});
