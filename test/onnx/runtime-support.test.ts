/**
 * The limits MODEL012 checks against are the bundled onnxruntime-node's real ones: a child
 * process creates sessions on models at the limit (must load) and one past it (must not).
 * A child process, because a native session belongs outside the test runner (DESIGN: the
 * runtime runs in its own process).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeModel } from '../../server/src/onnx/encode';
import { BUNDLED_RUNTIME } from '../../server/src/onnx/runtime-support';
import { makeTempDir } from './helpers';

function reluModel(irVersion: number, opsets: { domain: string; version: number }[]): Uint8Array {
  return encodeModel({
    irVersion,
    opsetImport: opsets,
    graph: {
      name: 'g',
      node: [{ opType: 'Relu', input: ['x'], output: ['y'] }],
      input: [{ name: 'x', type: { tensor: { elemType: 1, shape: [2] } } }],
      output: [{ name: 'y', type: { tensor: { elemType: 1, shape: [2] } } }],
    },
  });
}

describe('bundled onnxruntime-node limits', function () {
  this.timeout(120_000);
  it(`loads IR ${BUNDLED_RUNTIME.maxIrVersion} / opset ${BUNDLED_RUNTIME.maxOpset['']} / ml ${BUNDLED_RUNTIME.maxOpset['ai.onnx.ml']} and refuses one more`, () => {
    const dir = makeTempDir('ort');
    try {
      const max = BUNDLED_RUNTIME.maxOpset[''];
      const ml = BUNDLED_RUNTIME.maxOpset['ai.onnx.ml'];
      const cases: Record<string, [Uint8Array, boolean]> = {
        atLimit: [reluModel(BUNDLED_RUNTIME.maxIrVersion, [{ domain: '', version: max }, { domain: 'ai.onnx.ml', version: ml }]), true],
        irTooNew: [reluModel(BUNDLED_RUNTIME.maxIrVersion + 1, [{ domain: '', version: max }]), false],
        opsetTooNew: [reluModel(BUNDLED_RUNTIME.maxIrVersion, [{ domain: '', version: max + 1 }]), false],
        mlTooNew: [reluModel(BUNDLED_RUNTIME.maxIrVersion, [{ domain: '', version: max }, { domain: 'ai.onnx.ml', version: ml + 1 }]), false],
      };
      for (const [name, [bytes]] of Object.entries(cases)) fs.writeFileSync(path.join(dir, `${name}.onnx`), bytes);
      const script = `
        const ort = require(${JSON.stringify(require.resolve('onnxruntime-node'))});
        (async () => {
          const result = {};
          for (const name of ${JSON.stringify(Object.keys(cases))}) {
            try { await ort.InferenceSession.create(${JSON.stringify(dir)} + '/' + name + '.onnx'); result[name] = true; }
            catch (e) { result[name] = false; }
          }
          process.stdout.write(JSON.stringify(result));
        })();`;
      const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(child.status, 0, child.stderr);
      const loaded = JSON.parse(child.stdout) as Record<string, boolean>;
      for (const [name, [, expected]] of Object.entries(cases)) assert.equal(loaded[name], expected, name);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
