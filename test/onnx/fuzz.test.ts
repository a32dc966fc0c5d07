/**
 * Fuzzing with a fixed seed: thousands of mutated models (bit flips, truncations, corrupted
 * lengths and tags, huge declared sizes, inserted and duplicated bytes). Decoding must
 * never crash or hang: it either succeeds (and then summary, text view and lint run too)
 * or throws OnnxDecodeError naming the file and the field path or byte offset.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModelFile } from '../../server/src/onnx/decode';
import { encodeModel } from '../../server/src/onnx/encode';
import { OnnxDecodeError } from '../../server/src/onnx/errors';
import { lintDecodedModel } from '../../server/src/onnx/lint';
import { summarizeModel } from '../../server/src/onnx/summary';
import { modelToText } from '../../server/src/onnx/text';
import { modelRules } from '../../rules/model/index';
import { makeTempDir, SHARED_MODELS } from './helpers';
import { richModel } from './rich-model';
import { seededRandom as prng } from '../helpers/prng';

const MUTANTS = 3000;

function mutate(base: Uint8Array, random: () => number): { bytes: Uint8Array; how: string } {
  const at = (n: number) => Math.floor(random() * n);
  const bytes = Uint8Array.from(base);
  switch (at(7)) {
    case 0: {
      const flips = 1 + at(8);
      for (let i = 0; i < flips; i++) bytes[at(bytes.length)] ^= 1 << at(8);
      return { bytes, how: `${flips} bit flips` };
    }
    case 1: {
      const cut = at(bytes.length);
      return { bytes: bytes.subarray(0, cut), how: `truncated to ${cut}` };
    }
    case 2: {
      // A huge declared length: 0xffffffff as a varint, or a 10-byte monster.
      const p = at(bytes.length);
      const huge = random() < 0.5 ? [0xff, 0xff, 0xff, 0xff, 0x0f] : [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
      const out = new Uint8Array(bytes.length + huge.length);
      out.set(bytes.subarray(0, p + 1));
      out.set(huge, p + 1);
      out.set(bytes.subarray(p + 1), p + 1 + huge.length);
      return { bytes: out, how: `huge length after byte ${p}` };
    }
    case 3: {
      const p = at(bytes.length);
      bytes[p] = [0x00, 0x03, 0x04, 0x06, 0x07, 0x0b, 0x0f, 0xfa, at(256)][at(9)];
      return { bytes, how: `tag byte ${p} corrupted` };
    }
    case 4: {
      const p = at(bytes.length);
      const n = 1 + at(16);
      const noise = Array.from({ length: n }, () => at(256));
      const out = new Uint8Array(bytes.length + n);
      out.set(bytes.subarray(0, p));
      out.set(noise, p);
      out.set(bytes.subarray(p), p + n);
      return { bytes: out, how: `${n} random bytes inserted at ${p}` };
    }
    case 5: {
      const from = at(bytes.length);
      const length = Math.min(bytes.length - from, 1 + at(64));
      const p = at(bytes.length);
      const out = new Uint8Array(bytes.length + length);
      out.set(bytes.subarray(0, p));
      out.set(bytes.subarray(from, from + length), p);
      out.set(bytes.subarray(p), p + length);
      return { bytes: out, how: `${length} bytes from ${from} duplicated at ${p}` };
    }
    default: {
      // Increment a length-ish byte: shifts every field after it.
      const p = at(bytes.length);
      bytes[p] = (bytes[p] + 1 + at(4)) & 0xff;
      return { bytes, how: `byte ${p} bumped` };
    }
  }
}

describe('decoder fuzzing (fixed seed)', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => { dir = makeTempDir('fuzz'); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`survives ${MUTANTS} mutated models with clear errors`, async () => {
    const bases: Uint8Array[] = [
      encodeModel(richModel()),
      fs.readFileSync(path.join(SHARED_MODELS, 'light/light_squeezenet.onnx')),
      fs.readFileSync(path.join(SHARED_MODELS, 'node/test_if_seq.onnx')),
      fs.readFileSync(path.join(SHARED_MODELS, 'node/test_loop13_seq.onnx')),
      fs.readFileSync(path.join(SHARED_MODELS, 'pytorch-converted/test_BatchNorm2d_eval/model.onnx')),
    ];
    const random = prng(20240611);
    const file = path.join(dir, 'mutant.onnx');
    let decoded = 0, rejected = 0, slowest = 0;
    for (let i = 0; i < MUTANTS; i++) {
      const { bytes, how } = mutate(bases[i % bases.length], random);
      fs.writeFileSync(file, bytes);
      const started = performance.now();
      try {
        const model = decodeModelFile(file);
        summarizeModel(model);
        modelToText(model);
        await lintDecodedModel(model, modelRules, { nonFiniteScan: { maxBytesPerTensor: 4096, maxBytesTotal: 65536 } });
        decoded++;
      } catch (error) {
        if (!(error instanceof OnnxDecodeError)) {
          assert.fail(`mutant ${i} (${how}) threw ${(error as Error).name}: ${(error as Error).stack}`);
        }
        assert.ok(error.message.startsWith(`${file}: `), error.message);
        assert.match(error.message, /byte \d+|empty file|not an ONNX model/, `mutant ${i} (${how}): ${error.message}`);
        assert.ok(error.offset >= 0 && error.offset <= bytes.length, `offset ${error.offset} outside the file: ${error.message}`);
        rejected++;
      }
      slowest = Math.max(slowest, performance.now() - started);
    }
    assert.equal(decoded + rejected, MUTANTS);
    assert.ok(rejected > MUTANTS / 4 && decoded > MUTANTS / 20, `decoded ${decoded}, rejected ${rejected}`);
    assert.ok(slowest < 2000, `slowest mutant took ${slowest.toFixed(0)} ms`);
  });

  it('names the field path and offset of a length that runs past the end', () => {
    const bytes = encodeModel(richModel());
    fs.writeFileSync(path.join(dir, 'cut.onnx'), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    assert.throws(() => decodeModelFile(path.join(dir, 'cut.onnx')), (error: OnnxDecodeError) => {
      assert.match(error.message, /cut\.onnx: graph(\.[a-z_]+\[\d+\])*(\.[a-z_]+)?: .*(length \d+ at byte \d+ runs past end of (file \(size \d+\)|enclosing message)|cut off by end of file)/);
      return true;
    });
  });
});
