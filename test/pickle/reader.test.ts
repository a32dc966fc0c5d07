/**
 * The opcode reader on hand-assembled byte streams: the opcode table against CPython's,
 * symbolic stack and memo, limits, and reading in windows (as from disk or a stream).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanPickleBytes, UNRESOLVED_MODULE, type PickleScan } from '../../server/src/pickle/index';
import { OPCODES, type ArgLayout } from '../../server/src/pickle/opcodes';
import { decodeLong, MAX_KEPT_PAYLOAD, MAX_LINE, PickleReader, type ReaderOptions, type ReaderResult } from '../../server/src/pickle/reader';
import { bytes, generateFixtures, python, sbu, SER012_DIR, SER013_DIR, u32, u64 } from './helpers';

const STOP = 0x2e;

function names(scan: { globals: Array<{ module: string; name: string }> }): string[] {
  return scan.globals.map((g) => (g.module === UNRESOLVED_MODULE ? UNRESOLVED_MODULE : `${g.module}.${g.name}`));
}

/**
 * Reads `buf` the way a file or stream source feeds the reader: windows of `size` bytes
 * (or what the reader asks for), always from the offset it asks for.
 */
function readInWindows(buf: Uint8Array, size: number, options: ReaderOptions = {}): ReaderResult {
  const reader = new PickleReader(options);
  let request = { pos: options.start ?? 0, min: 1 };
  for (let guard = 0; guard < 1_000_000; guard++) {
    const start = Math.min(request.pos, buf.length);
    const end = Math.min(buf.length, start + Math.max(request.min, size));
    const next = reader.run(start, buf.subarray(start, end), end === buf.length);
    if (!next) return reader.result();
    assert.ok(next.pos >= start, 'the reader never asks for bytes before the window it was given');
    request = next;
  }
  throw new Error('the reader kept asking for bytes');
}

describe('pickle reader', () => {
  it("has CPython's opcode table: the same 68 opcodes with the same argument layouts", () => {
    const cpython = JSON.parse(
      python(['-c', 'import json, pickletools; print(json.dumps([[o.code, o.name, o.arg.name if o.arg else None, o.proto] for o in pickletools.opcodes]))']),
    ) as Array<[string, string, string | null, number]>;
    const layoutOf: Record<string, ArgLayout> = {
      decimalnl_short: 'line', decimalnl_long: 'line', floatnl: 'line', stringnl: 'line', unicodestringnl: 'line', stringnl_noescape: 'line',
      stringnl_noescape_pair: 'line2', uint1: 'u1', uint2: 'u2', int4: 'i4', uint4: 'u4', uint8: 'u8', float8: 'f8',
      long1: 'len1', string1: 'len1', bytes1: 'len1', unicodestring1: 'len1', long4: 'len4s', string4: 'len4s',
      bytes4: 'len4', unicodestring4: 'len4', bytes8: 'len8', unicodestring8: 'len8', bytearray8: 'len8',
    };
    assert.equal(OPCODES.filter(Boolean).length, cpython.length);
    for (const [code, name, arg, proto] of cpython) {
      const info = OPCODES[code.charCodeAt(0)];
      assert.ok(info, `${name} missing`);
      assert.equal(info.name, name);
      assert.equal(info.arg, arg === null ? 'none' : layoutOf[arg], `${name}: argument layout`);
      assert.equal(info.proto, proto, `${name}: protocol`);
    }
  });

  it('decodes and runs every opcode without an internal error', () => {
    const argFor: Record<ArgLayout, Uint8Array> = {
      none: bytes(), u1: bytes(0), u2: bytes(0, 0), u4: bytes(...u32(0)), i4: bytes(...u32(0)), u8: bytes(...u64(0n)), f8: bytes(...u64(0n)),
      line: bytes('0\n'), line2: bytes('a\nb\n'), len1: bytes(0), len4: bytes(...u32(0)), len4s: bytes(...u32(0)), len8: bytes(...u64(0n)),
    };
    for (const info of OPCODES) {
      if (!info) continue;
      // Items on the stack and behind a MARK, so that popping opcodes have something to pop.
      const stream = bytes(0x80, 5, 'NNNN(NNNN', info.code, argFor[info.arg], STOP);
      const scan = scanPickleBytes(stream);
      for (const e of scan.errors) assert.ok(!/internal error|no handler/.test(e.message), `${info.name}: ${e.message}`);
    }
  });

  it('recovers STACK_GLOBAL operands from the memo, through every way of memoizing', () => {
    // BINPUT/BINGET
    const bin = bytes(0x80, 4, sbu('os'), 'q', 1, '0', sbu('system'), 'q', 2, '0', 'h', 1, 'h', 2, 0x93, ')R', STOP);
    assert.deepEqual(names(scanPickleBytes(bin)), ['os.system']);
    // MEMOIZE (key = memo size) and LONG_BINGET
    const memoize = bytes(0x80, 4, sbu('subprocess'), 0x94, '0', sbu('Popen'), 0x94, '0', 'j', ...u32(0), 'j', ...u32(1), 0x93, ')R', STOP);
    assert.deepEqual(names(scanPickleBytes(memoize)), ['subprocess.Popen']);
    // Protocol 0 text PUT/GET, with the strings as UNICODE and STRING lines
    const text = bytes(0x80, 4, "Vbuiltins\np7\n0S'eval'\np8\n0g7\ng8\n", 0x93, ')R', STOP);
    const scan = scanPickleBytes(text);
    assert.deepEqual(names(scan), ['builtins.eval']);
    assert.equal(scan.globals[0].called, true);
  });

  it('reports a STACK_GLOBAL on computed operands as unresolvable, and refuses constant non-strings as CPython does', () => {
    const computed = bytes(0x80, 4, sbu('_codecs'), sbu('decode'), 0x93, sbu('bf'), sbu('rot13'), 0x86, 'R', sbu('system'), 0x93, ')R', STOP);
    const scan = scanPickleBytes(computed);
    assert.deepEqual(names(scan), ['_codecs.decode', UNRESOLVED_MODULE]);
    assert.match(scan.globals[1].name, /computed while loading: module a call result, name 'system'/);
    assert.equal(scan.globals[1].called, true);

    const ints = bytes(0x80, 4, 'K', 1, 'K', 2, 0x93, STOP);
    const refused = scanPickleBytes(ints);
    assert.deepEqual(refused.globals, []);
    assert.match(refused.errors[0].message, /STACK_GLOBAL at byte 6 has operands that are not strings/);

    // An operand read from a memo entry that was never stored is unknown: unresolvable, plus the error.
    const missing = scanPickleBytes(bytes(0x80, 4, 'h', 9, sbu('system'), 0x93, STOP));
    assert.deepEqual(names(missing), [UNRESOLVED_MODULE]);
    assert.match(missing.errors[0].message, /BINGET at byte 2 reads memo entry 9, which was never stored/);
  });

  it('marks what loading calls: REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST and the class BUILD reaches', () => {
    const stream = bytes(
      '\x80\x04',
      'cm\nreduced\n)R0', // REDUCE
      'cm\nnewobj\n)\x810', // NEWOBJ
      'cm\nnewobj_ex\n)}\x920', // NEWOBJ_EX
      '(cm\nobj\no0', // OBJ
      '(im\ninst\n0', // INST
      'cm\nbuilt\n}b0', // BUILD on it: its __setstate__ runs
      'cm\nplain\n0', // only imported
      'N',
      STOP,
    );
    const scan = scanPickleBytes(stream);
    assert.deepEqual(scan.errors, []);
    const called = Object.fromEntries(scan.globals.map((g) => [g.name, g.called]));
    assert.deepEqual(called, { reduced: true, newobj: true, newobj_ex: true, obj: true, inst: true, built: true, plain: false });
  });

  it('follows getattr and __import__ on constant strings to the attribute they reach', () => {
    const stream = bytes(0x80, 2, 'cbuiltins\ngetattr\n', 'cbuiltins\n__import__\n', sbu('os'), 0x85, 'R', sbu('popen'), 0x86, 'R', sbu('id'), 0x85, 'R', STOP);
    const scan = scanPickleBytes(stream);
    assert.deepEqual(names(scan), ['builtins.getattr', 'builtins.__import__', 'os.popen']);
    assert.equal(scan.globals[2].source, 'getattr');
    assert.equal(scan.globals[2].called, true);
  });

  it('reads pickles nested in pickle.loads, and stops following them at a fixed depth', () => {
    let inner = bytes('cos\nsystem\n(Vid\ntR.');
    for (let depth = 0; depth < 8; depth++) inner = bytes(0x80, 3, 'cpickle\nloads\n', 'B', ...u32(inner.length), inner, 0x85, 'R', STOP);
    const scan = scanPickleBytes(inner);
    // Eight levels of loads; the payload sits deeper than the reader follows, but every level is dangerous anyway.
    assert.deepEqual(names(scan), ['pickle.loads']);
    let shallow = bytes('cos\nsystem\n(Vid\ntR.');
    for (let depth = 0; depth < 3; depth++) shallow = bytes(0x80, 3, 'cpickle\nloads\n', 'B', ...u32(shallow.length), shallow, 0x85, 'R', STOP);
    assert.deepEqual(names(scanPickleBytes(shallow)).sort(), ['os.system', 'pickle.loads']);
  });

  it('checks every declared length against the data before reading it', () => {
    const huge = 0xfffffff0;
    const cases: Array<[string, Uint8Array]> = [
      ['BINBYTES', bytes(0x80, 3, 'B', ...u32(huge), 'ab')],
      ['BINUNICODE', bytes(0x80, 3, 'X', ...u32(huge), 'ab')],
      ['BINSTRING', bytes(0x80, 2, 'T', ...u32(0x7ffffff0), 'ab')],
      ['SHORT_BINBYTES', bytes(0x80, 3, 'C', 200, 'ab')],
      ['SHORT_BINUNICODE', bytes(0x80, 4, 0x8c, 200, 'ab')],
      ['LONG1', bytes(0x80, 2, 0x8a, 200, 'ab')],
      ['LONG4', bytes(0x80, 2, 0x8b, ...u32(0x7ffffff0), 'ab')],
      ['BINBYTES8', bytes(0x80, 4, 0x8e, ...u64(1n << 62n), 'ab')],
      ['BINUNICODE8', bytes(0x80, 4, 0x8d, ...u64(0xffffffffffffffffn), 'ab')],
      ['BYTEARRAY8', bytes(0x80, 5, 0x96, ...u64(1n << 40n), 'ab')],
    ];
    for (const [op, stream] of cases) {
      const scan = scanPickleBytes(stream);
      assert.equal(scan.errors.length, 1, `${op}: ${JSON.stringify(scan.errors)}`);
      assert.match(scan.errors[0].message, new RegExp(`^truncated: ${op} at byte 2 declares \\d+ bytes`), op);
      assert.equal(scan.errors[0].offset, 2);
    }
    const negative = scanPickleBytes(bytes(0x80, 2, 'T', ...u32(0xffffffff), STOP));
    assert.match(negative.errors[0].message, /BINSTRING at byte 2 declares a negative length/);
    const cut = scanPickleBytes(bytes(0x80, 2, 'J', 1, 2));
    assert.match(cut.errors[0].message, /truncated: BININT at byte 2 is cut off/);
  });

  it('rejects a text argument longer than the line limit without a newline', () => {
    const stream = new Uint8Array(MAX_LINE + 16).fill(0x61);
    stream[0] = 0x53; // STRING
    const scan = scanPickleBytes(stream);
    assert.match(scan.errors[0].message, /STRING at byte 0: text argument longer than/);
  });

  it('past its stack limit stops tracking values but still finds the globals that follow', () => {
    const many = new Uint8Array(1_000_010).fill(0x4e); // NONE
    const stream = bytes(many, 'cos\nsystem\n', STOP);
    const scan = scanPickleBytes(stream);
    assert.deepEqual(names(scan), ['os.system']);
    assert.match(scan.errors[0].message, /the stack holds more than 1000000 items at byte 1000000; the rest of this pickle was swept/);
  });

  it('past its memo limit treats unknown memo entries as unknown values, never as errors or strings', () => {
    const count = (1 << 20) + 1;
    const puts = new Uint8Array(count * 5);
    for (let i = 0; i < count; i++) puts.set([0x72, ...u32(i)], i * 5); // LONG_BINPUT i
    const stream = bytes(0x80, 4, sbu('os'), puts, '0', 'j', ...u32(count - 1), sbu('system'), 0x93, STOP);
    const scan = scanPickleBytes(stream);
    assert.deepEqual(scan.errors, []);
    assert.deepEqual(names(scan), [UNRESOLVED_MODULE]);
  });

  it('collapses globals past its distinct-name limit into one unresolvable global', () => {
    const parts: Uint8Array[] = [bytes(0x80, 2)];
    for (let i = 0; i < 10_005; i++) parts.push(bytes(`cm\nname${i}\n0`));
    const scan = scanPickleBytes(bytes(...parts, STOP));
    assert.equal(scan.globals.length, 10_001);
    assert.equal(scan.globals[10_000].module, UNRESOLVED_MODULE);
    assert.match(scan.globals[10_000].name, /more than 10000 distinct globals/);
  });

  it('reports an unsupported protocol, an unknown opcode and a missing STOP with their offsets', () => {
    assert.match(scanPickleBytes(bytes(0x80, 9, 'N', STOP)).errors[0].message, /unsupported pickle protocol 9 \(PROTO at byte 0/);
    const bad = scanPickleBytes(bytes(0x80, 4, 'N', 0xff, STOP));
    assert.deepEqual(bad.errors, [{ message: 'invalid opcode 0xff at byte 3', offset: 3 }]);
    const open = scanPickleBytes(bytes(0x80, 4, 'N'));
    assert.match(open.errors[0].message, /the data ends at byte 3, inside the pickle that starts at byte 0 \(no STOP opcode\)/);
    const after = scanPickleBytes(bytes(0x80, 4, 'N', STOP, 0x00));
    assert.match(after.errors[0].message, /bytes after the pickle that ended at byte 3 are not a pickle: 0x00 at byte 4/);
  });

  it("decodes CPython's two's-complement longs", () => {
    assert.equal(decodeLong(bytes()), 0n);
    assert.equal(decodeLong(bytes(0xff)), -1n);
    assert.equal(decodeLong(bytes(0x00, 0x80)), -32768n);
    assert.equal(decodeLong(bytes(0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19)), 0x1950a86a20f9469cfc6cn);
  });

  describe('reading in windows', () => {
    let dirs: string[] = [];
    before(() => {
      dirs = [generateFixtures(SER012_DIR), generateFixtures(SER013_DIR)];
    });
    after(() => {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    it('gives the same result in windows of any size as over the whole buffer', () => {
      let compared = 0;
      for (const dir of dirs) {
        for (const file of fs.readdirSync(dir)) {
          const buf = fs.readFileSync(path.join(dir, file));
          const scan: PickleScan = scanPickleBytes(buf);
          // Plain streams only: zip, .npy and compressed containers are unwrapped before the reader.
          if (!['pickle', 'joblib', 'torch-legacy'].includes(scan.container) || scan.compression || buf.length === 0) continue;
          const whole = readInWindows(buf, buf.length, { length: buf.length });
          for (const size of [1, 2, 3, 7, 64, 4096]) {
            assert.deepEqual(readInWindows(buf, size, { length: buf.length }), whole, `${file} in windows of ${size}`);
            // Without a known length (a decompressing stream): the same globals, the same verdict on damage.
            const unknownLength = readInWindows(buf, size);
            assert.deepEqual(unknownLength.globals, whole.globals, `${file} in windows of ${size}, length unknown`);
            assert.equal(unknownLength.errors.length > 0, whole.errors.length > 0, `${file}: errors with length unknown`);
          }
          compared++;
        }
      }
      assert.ok(compared >= 25, `only ${compared} files compared`);
    });

    it('skips long payloads by offset and names the opcode when the data ends inside one', () => {
      const payload = MAX_KEPT_PAYLOAD * 2;
      const complete = bytes(0x80, 4, 0x8e, ...u64(BigInt(payload)), new Uint8Array(payload), 'cos\nsystem\n', STOP);
      for (const size of [1000, 1 << 20]) {
        assert.deepEqual(names(readInWindows(complete, size)), ['os.system']);
      }
      const cut = complete.subarray(0, 5000);
      const result = readInWindows(cut, 1000);
      assert.deepEqual(result.errors, [{ message: `truncated: BINBYTES8 at byte 2 declares ${payload} bytes but the data ends at byte 5000`, offset: 2 }]);
    });
  });
});
