/**
 * Damaged input: every truncation of valid files is an error (never an exception), and a
 * seeded fuzz of bit-flipped files never throws, hangs or reports nonsense.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scanPickleBytes, scanPickleFile, type PickleScan } from '../../server/src/pickle/index';
import ser012 from '../../rules/ser/SER012-pickle-file/rule';
import ser013 from '../../rules/ser/SER013-dangerous-pickle-file/rule';
import { generateFixtures, readManifest, runRules, seededRandom, SER012_DIR, SER013_DIR } from './helpers';

/** Files that hold exactly one pickle stream (or container), so that every proper prefix is damaged. */
const TRUNCATED: Array<[string, string]> = [
  [SER012_DIR, 'proto0.pkl'],
  [SER012_DIR, 'proto1.pkl'],
  [SER012_DIR, 'proto2.pkl'],
  [SER012_DIR, 'proto3.pkl'],
  [SER012_DIR, 'proto4.pkl'],
  [SER012_DIR, 'proto5.pkl'],
  [SER012_DIR, 'numpy_arrays.pkl'],
  [SER012_DIR, 'sklearn_forest_proto0.pkl'],
  [SER012_DIR, 'torch_stored.pt'],
  [SER012_DIR, 'torch_deflated.pth'],
  [SER012_DIR, 'torch_legacy.pt'],
  [SER012_DIR, 'model.joblib'],
  [SER012_DIR, 'model_compressed.joblib'],
  [SER012_DIR, 'objects.npy'],
  [SER013_DIR, 'stack_global_memo.pkl'],
  [SER013_DIR, 'getattr_import.pkl'],
  [SER013_DIR, 'nested_loads_reduce.pkl'],
  [SER013_DIR, 'joblib_hostile.joblib'],
];

/** Raw storage bytes at the end of torch_legacy.pt, which no unpickler reads (see expected.json). */
function legacyTail(): number {
  return readManifest(SER012_DIR).cases.find((c) => c.file === 'torch_legacy.pt')!.rawTail!;
}

function assertWellFormed(scan: PickleScan, what: string): void {
  assert.ok(Array.isArray(scan.globals) && Array.isArray(scan.errors), what);
  for (const e of scan.errors) {
    assert.ok(e.message.length > 0, `${what}: empty error message`);
    assert.ok(Number.isSafeInteger(e.offset) && e.offset >= 0, `${what}: bad offset ${e.offset}`);
    assert.ok(!/internal error/.test(e.message), `${what}: ${e.message}`);
  }
  for (const g of scan.globals) {
    assert.equal(typeof g.module, 'string', what);
    assert.equal(typeof g.name, 'string', what);
    assert.ok(Number.isSafeInteger(g.offset) && g.offset >= 0, `${what}: bad global offset`);
  }
}

describe('pickle reader on damaged input', () => {
  const dirs = new Map<string, string>();
  let scratch: string;

  before(() => {
    dirs.set(SER012_DIR, generateFixtures(SER012_DIR));
    dirs.set(SER013_DIR, generateFixtures(SER013_DIR));
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-pickle-cut-'));
  });

  after(() => {
    for (const d of [...dirs.values(), scratch]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  function fixture(ruleDir: string, file: string): Uint8Array {
    return fs.readFileSync(path.join(dirs.get(ruleDir)!, file));
  }

  it('every truncation of a valid file is an error, not an exception', () => {
    let cuts = 0;
    for (const [ruleDir, file] of TRUNCATED) {
      const whole = fixture(ruleDir, file);
      assert.deepEqual(scanPickleBytes(whole).errors, [], `${file} itself must read cleanly`);
      // A legacy torch file ends with raw storage bytes that no unpickler reads (see expected.json).
      const end = file === 'torch_legacy.pt' ? whole.length - legacyTail() : whole.length;
      for (let cut = 0; cut < end; cut++) {
        const scan = scanPickleBytes(whole.subarray(0, cut));
        assertWellFormed(scan, `${file} cut at ${cut}`);
        assert.ok(scan.errors.length > 0, `${file} cut at ${cut} should report an error`);
        cuts++;
      }
    }
    assert.ok(cuts > 5000, `${cuts} cuts`);
  });

  it('truncated files on disk are errors too (positional, streamed and inflated reads)', async () => {
    for (const [ruleDir, file] of TRUNCATED) {
      const whole = fixture(ruleDir, file);
      const end = file === 'torch_legacy.pt' ? whole.length - legacyTail() : whole.length;
      for (let cut = 0; cut < end; cut += 13) {
        // Named .pkl: a cut .npy or .bin would otherwise be sniffed, and an empty one is no pickle at all.
        const target = path.join(scratch, `${cut}-${file}.pkl`);
        fs.writeFileSync(target, whole.subarray(0, cut));
        const scan = await scanPickleFile(target);
        assertWellFormed(scan, `${file} cut at ${cut} on disk`);
        assert.ok(scan.errors.length > 0, `${file} cut at ${cut} on disk should report an error`);
        fs.rmSync(target);
      }
    }
  });

  it('a seeded fuzz of bit-flipped, cut and spliced files never throws', function () {
    this.timeout(60_000);
    const random = seededRandom(0x5eed);
    const sources = TRUNCATED.map(([dir, file]) => fixture(dir, file));
    let runs = 0;
    for (let i = 0; i < 4000; i++) {
      const source = sources[i % sources.length];
      let mutated = Uint8Array.from(source);
      const flips = 1 + Math.floor(random() * 6);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(random() * mutated.length);
        mutated[at] ^= 1 << Math.floor(random() * 8);
      }
      if (random() < 0.2) mutated = mutated.subarray(0, Math.floor(random() * mutated.length));
      if (random() < 0.1) {
        // Splice a run of random bytes in the middle.
        const at = Math.floor(random() * mutated.length);
        const junk = Uint8Array.from({ length: 1 + Math.floor(random() * 16) }, () => Math.floor(random() * 256));
        const spliced = new Uint8Array(mutated.length + junk.length);
        spliced.set(mutated.subarray(0, at));
        spliced.set(junk, at);
        spliced.set(mutated.subarray(at), at + junk.length);
        mutated = spliced;
      }
      const scan = scanPickleBytes(mutated);
      assertWellFormed(scan, `fuzz case ${i}`);
      // The rules take whatever the reader gives them.
      runRules(scan, `fuzz-${i}.pkl`, [ser012, ser013]);
      runs++;
    }
    assert.equal(runs, 4000);
  });
});
