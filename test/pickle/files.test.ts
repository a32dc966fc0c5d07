/**
 * scanPickleFile on disk: files it must not read whole, archives built by hand, file
 * system problems, and the sniffing helper.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  looksLikePickleOrTorchZip,
  PICKLE_FILE_EXTENSIONS,
  scanPickleBytes,
  scanPickleFile,
  SNIFFED_PICKLE_EXTENSIONS,
} from '../../server/src/pickle/index';
import { lintPickleFile, pickleFileKind } from '../../server/src/pickle/lint';
import ser012 from '../../rules/ser/SER012-pickle-file/rule';
import ser013 from '../../rules/ser/SER013-dangerous-pickle-file/rule';
import { bytes, makeZip, u32, u64 } from './helpers';

const OS_SYSTEM = bytes('cos\nsystem\n(Vid\ntR.');

function names(scan: { globals: Array<{ module: string; name: string }> }): string[] {
  return scan.globals.map((g) => `${g.module}.${g.name}`);
}

describe('scanPickleFile', () => {
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-pickle-files-'));
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function write(name: string, data: Uint8Array): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, data);
    return file;
  }

  it('documents the extensions it reads, the sniffed ones among them', () => {
    for (const ext of ['.pkl', '.pickle', '.joblib', '.dill', '.sav', '.pt', '.pth', '.ckpt', '.bin', '.npy', '.npz']) {
      assert.ok(PICKLE_FILE_EXTENSIONS.includes(ext), ext);
    }
    for (const ext of SNIFFED_PICKLE_EXTENSIONS) assert.ok(PICKLE_FILE_EXTENSIONS.includes(ext), ext);
  });

  it('steps over a 64 MiB payload by offset, without reading it, and finds the global after it', async () => {
    const size = 64 * 1024 * 1024;
    const file = path.join(dir, 'big.pkl');
    const fd = fs.openSync(file, 'w');
    try {
      // PROTO 4, BINBYTES8 of 64 MiB, then POP and a GLOBAL os.system call. The payload is a
      // hole in a sparse file: only what comes after it is written.
      fs.writeSync(fd, bytes(0x80, 4, 0x8e, ...u64(BigInt(size))));
      const tail = bytes('0', OS_SYSTEM);
      fs.writeSync(fd, tail, 0, tail.length, 11 + size);
    } finally {
      fs.closeSync(fd);
    }
    const before = process.memoryUsage().arrayBuffers;
    const scan = await scanPickleFile(file);
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.deepEqual(scan.errors, []);
    assert.deepEqual(names(scan), ['os.system']);
    assert.ok(grown < size / 4, `reading grew buffers by ${grown} bytes`);
  });

  it('reads protocol 0 text arguments that cross its read windows', async () => {
    const long = 'x'.repeat(3 * 1024 * 1024);
    const prefix = bytes(`V${long}\n0S'${long}'\n0`);
    const file = write('long-line.pkl', bytes(prefix, OS_SYSTEM));
    const scan = await scanPickleFile(file);
    assert.deepEqual(scan.errors, []);
    assert.deepEqual(names(scan), ['os.system']);
    assert.equal(scan.globals[0].offset, prefix.length);
  });

  it('reads every pickle member of a hand-built archive, stored or deflated, with odd names', async () => {
    const big = new Uint8Array(3 * 1024 * 1024); // larger than what the reader keeps: skipped in the stream
    const data = bytes(0x80, 4, 0x8e, ...u64(BigInt(big.length)), big, '0', 0x80, 2, OS_SYSTEM);
    const zip = makeZip([
      { name: 'model/constants.pkl', data: bytes(0x80, 2, 'ccollections\nOrderedDict\n)R.'), method: 0 },
      { name: 'model/code/__torch__.py', data: bytes('def forward(self): pass\n') },
      { name: '/abs/../data.pkl', data, method: 8 },
    ]);
    const file = write('scripted.pt', zip);
    const scan = await scanPickleFile(file);
    assert.deepEqual(scan.errors, []);
    assert.equal(scan.container, 'zip');
    assert.deepEqual(scan.members, ['model/constants.pkl', '/abs/../data.pkl']);
    assert.deepEqual(scan.globals.map((g) => [g.member, `${g.module}.${g.name}`]), [
      ['model/constants.pkl', 'collections.OrderedDict'],
      ['/abs/../data.pkl', 'os.system'],
    ]);
    assert.deepEqual(scanPickleBytes(zip), scan);
  });

  it('reports encrypted and unreadable members, and archives without pickles are not pickle files', async () => {
    const encrypted = write('enc.pt', makeZip([{ name: 'a/data.pkl', data: OS_SYSTEM, flags: 1 }]));
    assert.match(scanPickleBytes(fs.readFileSync(encrypted)).errors[0].message, /a\/data\.pkl is encrypted/);
    const scan = await scanPickleFile(encrypted);
    assert.equal(scan.container, 'zip');
    assert.match(scan.errors[0].message, /a\/data\.pkl is encrypted/);
    assert.equal(scan.errors[0].member, 'a/data.pkl');

    const plain = write('weights.bin', makeZip([{ name: 'weights.safetensors', data: bytes('{}') }]));
    assert.deepEqual(await scanPickleFile(plain), { container: 'none', protocol: undefined, globals: [], errors: [] });
  });

  it('reads an archive that yauzl refuses with its own directory reader, so a damaged zip cannot hide a payload', async () => {
    // The central directory says the stored member is 1 byte longer than its local data:
    // yauzl refuses the whole archive; torch's reader would still find data.pkl.
    const zip = makeZip([{ name: 'a/data.pkl', data: OS_SYSTEM }]);
    const directory = zip.length - 22 - (46 + 'a/data.pkl'.length);
    const view = new DataView(zip.buffer, zip.byteOffset);
    view.setUint32(directory + 24, OS_SYSTEM.length + 1, true); // uncompressed size
    const scan = await scanPickleFile(write('refused.pt', zip));
    assert.deepEqual(names(scan), ['os.system']);
    assert.match(scan.errors[0].message, /^damaged zip archive \(yauzl\): /);
  });

  it('reads gzip and zlib compressed pickles as streams, and names compressions it does not read', async () => {
    const gz = await scanPickleFile(write('model.pkl', new Uint8Array(zlib.gzipSync(OS_SYSTEM))));
    assert.equal(gz.compression, 'gzip');
    assert.deepEqual(names(gz), ['os.system']);
    const broken = await scanPickleFile(write('broken.joblib', new Uint8Array(zlib.deflateSync(OS_SYSTEM)).subarray(0, 8)));
    assert.equal(broken.compression, 'zlib');
    assert.ok(broken.errors.length > 0);
    const xz = await scanPickleFile(write('model.joblib', bytes(0xfd, '7zXZ', 0, 0, 0, 0)));
    assert.equal(xz.compression, 'xz');
    assert.match(xz.errors[0].message, /does not decompress xz/);
  });

  it('answers file system problems with errors, and sniffs before reading ambiguous extensions', async () => {
    const missing = await scanPickleFile(path.join(dir, 'missing.pkl'));
    assert.match(missing.errors[0].message, /cannot open the file: ENOENT/);
    const directory = await scanPickleFile(dir);
    assert.match(directory.errors[0].message, /not a regular file/);
    assert.match((await scanPickleFile(write('empty.pkl', bytes()))).errors[0].message, /empty file/);
    assert.equal((await scanPickleFile(write('empty.bin', bytes()))).container, 'none');
    assert.equal((await scanPickleFile(write('gguf.bin', bytes('GGUF', 3, 0, 0, 0, ...u32(7))))).container, 'none');
    assert.deepEqual(names(await scanPickleFile(write('model.bin', bytes(0x80, 2, OS_SYSTEM)))), ['os.system']);
    // A definite pickle extension is read even when it does not look like one.
    assert.match((await scanPickleFile(write('text.pkl', bytes('zzz')))).errors[0].message, /not a pickle: 0x7a 'z' at byte 0/);
  });

  it('looksLikePickleOrTorchZip recognises pickles, archives and .npy from their first bytes', () => {
    const yes = [
      bytes(0x80, 2, ']q'),
      bytes(0x80, 5),
      bytes('PK', 3, 4),
      bytes(0x93, 'NUMPY', 1, 0),
      bytes('(dp0\nS'),
      bytes('ccollections\nOrderedDict\n'),
      bytes('}q\x00(X'),
      OS_SYSTEM,
    ];
    const gguf = bytes('GGUF', ...u32(3), ...u64(2n), ...u64(5n));
    const no = [bytes(), bytes(0x80, 9), gguf, bytes('{"a": 1}'), bytes('hello'), bytes(0x89, 'PNG'), bytes('(a'), bytes(0x00, 0x01)];
    for (const b of yes) assert.equal(looksLikePickleOrTorchZip(b), true, JSON.stringify([...b]));
    for (const b of no) assert.equal(looksLikePickleOrTorchZip(b), false, JSON.stringify([...b]));
  });
});

describe('lintPickleFile', () => {
  it('classifies pickle files and runs the rules with the scan in the context', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-pickle-lint-'));
    try {
      assert.equal(pickleFileKind('/x/model.PT'), 'pickle');
      assert.equal(pickleFileKind('/x/model.onnx'), undefined);
      const project = { root: undefined, declared: () => undefined };
      const hostile = path.join(dir, 'model.pkl');
      fs.writeFileSync(hostile, OS_SYSTEM);
      const [finding, ...rest] = await lintPickleFile(hostile, [ser012, ser013], project);
      assert.deepEqual(rest, []);
      assert.equal(finding.rule, 'SER013');
      assert.equal(finding.severity, 'error');
      // The reader's errors reach SER012 through the context.
      const cut = path.join(dir, 'cut.pkl');
      fs.writeFileSync(cut, OS_SYSTEM.subarray(0, 5));
      const [damaged] = await lintPickleFile(cut, [ser012, ser013], project);
      assert.equal(damaged.rule, 'SER012');
      assert.match(damaged.message, /cannot be read completely: truncated: GLOBAL at byte 0/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
