/**
 * Every model of the ONNX project's backend test data (../shared/models/onnx-backend:
 * 1,800+ single-operator models, real architectures, PyTorch-converted ones) decodes, and
 * its node, initializer, input and output counts equal what Python's onnx reads (Debian
 * python3-onnx as the oracle, one Python run for all files). Summary, text view and lint
 * must also run on each without throwing: opening a model is all of them.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModelFile } from '../../server/src/onnx/decode';
import { lintDecodedModel } from '../../server/src/onnx/lint';
import { summarizeModel } from '../../server/src/onnx/summary';
import { modelToText } from '../../server/src/onnx/text';
import { modelRules } from '../../rules/model/index';
import { makeTempDir, onnxFilesUnder, runPython, SHARED_MODELS } from './helpers';

interface OracleCounts { irVersion: number; opsets: number; nodes: number; initializers: number; inputs: number; outputs: number; valueInfo: number; functions: number }
interface Oracle { onnx_version: string; models: Record<string, OracleCounts>; failures: Record<string, string> }

describe('ONNX backend test models against Python onnx', function () {
  this.timeout(300_000);
  let oracle: Oracle;
  const files = onnxFilesUnder(SHARED_MODELS);

  before(() => {
    const dir = makeTempDir('oracle');
    const out = path.join(dir, 'counts.json');
    runPython('oracle_counts.py', [SHARED_MODELS, out]);
    oracle = JSON.parse(fs.readFileSync(out, 'utf8')) as Oracle;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds the shared models', () => {
    assert.ok(files.length > 1900, `expected the ~1,950 backend models, found ${files.length}`);
  });

  it('decodes every model with the same counts as onnx.load', () => {
    const mismatches: string[] = [];
    for (const file of files) {
      const rel = path.relative(SHARED_MODELS, file);
      const expected = oracle.models[rel];
      if (!expected) {
        // onnx itself could not load it: we must fail with our error type, not crash.
        assert.ok(oracle.failures[rel], `${rel} missing from the oracle`);
        assert.throws(() => decodeModelFile(file), { name: 'OnnxDecodeError' });
        continue;
      }
      const m = decodeModelFile(file).proto;
      const actual: OracleCounts = {
        irVersion: m.irVersion, opsets: m.opsetImport.length, nodes: m.graph?.node.length ?? 0,
        initializers: m.graph?.initializer.length ?? 0, inputs: m.graph?.input.length ?? 0, outputs: m.graph?.output.length ?? 0,
        valueInfo: m.graph?.valueInfo.length ?? 0, functions: m.functions.length,
      };
      if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push(`${rel}: ours ${JSON.stringify(actual)} onnx ${JSON.stringify(expected)}`);
    }
    assert.deepEqual(mismatches, []);
    // Files Python's onnx fails to load are listed with its reason (none in this data set today).
    if (Object.keys(oracle.failures).length) console.log('      onnx.load failures:', oracle.failures);
  });

  it('summarizes, prints and lints every model without throwing', async () => {
    for (const file of files) {
      const model = decodeModelFile(file);
      const summary = summarizeModel(model);
      assert.equal(summary.graph.nodeCount, model.proto.graph?.node.length ?? 0);
      const text = modelToText(model);
      assert.ok(text.startsWith('<\n  ir_version: '), file);
      await lintDecodedModel(model, modelRules, { only: modelRules.map((r) => r.meta.id).filter((id) => id !== 'MODEL013') });
    }
  });

  it('infers the shapes and costs of the real architectures', () => {
    const expectations: Record<string, { gmacs: number; output: string }> = {
      // Published figures: ResNet-50 4.1 GMACs, VGG-19 19.6 GMACs at 224x224.
      'light/light_resnet50.onnx': { gmacs: 4.09, output: 'float[1,1000]' },
      'light/light_vgg19.onnx': { gmacs: 19.63, output: 'float[1,1000]' },
    };
    for (const [rel, expected] of Object.entries(expectations)) {
      const summary = summarizeModel(decodeModelFile(path.join(SHARED_MODELS, rel)));
      assert.ok(Math.abs(summary.flops.macs / 1e9 - expected.gmacs) < 0.02, `${rel}: ${summary.flops.macs}`);
      assert.equal(summary.flops.uncostedNodes, 0);
      const last = summary.graph.nodes[summary.graph.nodes.length - 1];
      assert.equal(last.outputs[0].type?.text, expected.output);
    }
  });
});
