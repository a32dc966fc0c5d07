/**
 * The current IR end to end: a model using every newer field and data type decodes with
 * each field intact, its weights' values read correctly for every new type, Python's onnx
 * (which may predate these fields and keeps them as unknown fields) sees the same counts,
 * and the text view renders it.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModelFile } from '../../server/src/onnx/decode';
import { encodeModel } from '../../server/src/onnx/encode';
import type { OnnxModel } from '../../server/src/onnx/model';
import { summarizeModel } from '../../server/src/onnx/summary';
import { tensorStatistics } from '../../server/src/onnx/tensor-data';
import { modelToText } from '../../server/src/onnx/text';
import { makeTempDir, runPython } from './helpers';
import { NEW_DATA_TYPES, NEW_TYPE_VALUES, richModel } from './rich-model';

describe('current ONNX IR fields and data types', () => {
  let dir: string;
  let file: string;
  let model: OnnxModel;
  before(() => {
    dir = makeTempDir('rich');
    file = path.join(dir, 'rich.onnx');
    fs.writeFileSync(file, encodeModel(richModel()));
    model = decodeModelFile(file);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps model-level fields: configuration, metadata, functions, training info', () => {
    const m = model.proto;
    assert.equal(m.irVersion, 13);
    assert.equal(m.modelVersion, 7);
    assert.deepEqual(m.configuration, [{ name: 'mesh', numDevices: 2, device: ['cuda:0', 'cuda:1'] }]);
    const fn = m.functions[0];
    assert.equal(fn.overload, 'v2');
    assert.equal(fn.attributeProto[0].f, 0.5);
    assert.equal(fn.valueInfo[0].name, 'b');
    assert.deepEqual(fn.metadataProps, [{ key: 'fn_note', value: 'f' }]);
    assert.equal(fn.node[0].attribute[0].refAttrName, 'alpha');
    assert.equal(m.trainingInfo[0].algorithm?.name, 'train_step');
    assert.deepEqual(m.trainingInfo[0].updateBinding, [{ key: 'w_meta', value: 'w_next' }]);
  });

  it('keeps node, graph, value-info and tensor metadata, overloads and device configurations', () => {
    const g = model.proto.graph!;
    assert.deepEqual(g.metadataProps, [{ key: 'graph_note', value: 'g' }]);
    assert.deepEqual(g.input[0].metadataProps, [{ key: 'unit', value: 'pixels' }]);
    assert.deepEqual(g.valueInfo[0].metadataProps, [{ key: 'vi', value: '1' }]);
    assert.deepEqual(g.input[2].type?.value, { kind: 'opaque', domain: 'custom.fn', name: 'Handle' });
    assert.equal(g.input[3].type?.value.kind, 'sequence');
    const act = g.node[0];
    assert.equal(act.metadataProps.find((e) => e.key === 'namespace')?.value, 'encoder.act');
    assert.equal(act.deviceConfigurations[0].pipelineStage, 1);
    assert.deepEqual(act.deviceConfigurations[0].shardingSpec[0].device, [0, 1]);
    assert.equal(g.node[1].overload, 'v2');
    assert.deepEqual(g.initializer.find((t) => t.name === 'w_meta')?.metadataProps, [{ key: 'origin', value: 'fc.weight' }]);
    assert.deepEqual(g.initializer.find((t) => t.name === 'segmented')?.segment, { begin: 0, end: 2 });
    assert.equal(g.sparseInitializer[0].values?.name, 'sparse_w');
    assert.deepEqual(g.sparseInitializer[0].dims, [10]);
    const constant = g.node[3].attribute[0].t!;
    assert.equal(constant.payload.kind, 'typed');
    const slice = g.node[4];
    assert.deepEqual(slice.attribute[1].ints, [1, -9223372036854775808n]);
    assert.deepEqual(slice.attribute[0].strings, ['a', 'b']);
  });

  for (const dataType of NEW_DATA_TYPES) {
    it(`reads values of data type ${dataType}`, async () => {
      const tensor = model.proto.graph!.initializer.find((t) => t.name === `t${dataType}`)!;
      assert.equal(tensor.dataType, dataType);
      assert.equal(tensor.payload.kind, 'raw');
      const expected = NEW_TYPE_VALUES[dataType].values;
      const stats = await tensorStatistics(model, tensor);
      const finite = expected.filter((v) => Number.isFinite(v));
      assert.equal(stats.elementCount, 4);
      assert.equal(stats.nan, expected.filter((v) => Number.isNaN(v)).length);
      assert.equal(stats.posInf + stats.negInf, expected.filter((v) => v === Infinity || v === -Infinity).length);
      assert.equal(stats.min, Math.min(...finite));
      assert.equal(stats.max, Math.max(...finite));
    });
  }

  it('reads typed payloads: unpacked float_data, int64_data beyond 2^53, float16 and int4 bits in int32_data', async () => {
    const g = model.proto.graph!;
    const stat = (name: string) => tensorStatistics(model, g.initializer.find((t) => t.name === name)!);
    assert.deepEqual([(await stat('f_unpacked')).min, (await stat('f_unpacked')).max], [1, 3]);
    assert.equal((await stat('i64_packed')).min, -6);
    assert.deepEqual([(await stat('half_bits')).min, (await stat('half_bits')).max], [-2, 1]);
    assert.deepEqual([(await stat('int4_bits')).min, (await stat('int4_bits')).max], [-8, 7]);
    await assert.rejects(stat('names'), /STRING, which has no numeric values/);
  });

  it('Python onnx reads the same counts (unknown newer fields preserved)', () => {
    const out = path.join(dir, 'counts.json');
    runPython('oracle_counts.py', [dir, out]);
    const oracle = JSON.parse(fs.readFileSync(out, 'utf8'));
    const g = model.proto.graph!;
    assert.deepEqual(oracle.models['rich.onnx'], {
      irVersion: 13, opsets: 2, nodes: g.node.length, initializers: g.initializer.length, inputs: g.input.length,
      outputs: g.output.length, valueInfo: g.valueInfo.length, functions: 1,
    });
  });

  it('summarizes and prints it', () => {
    const summary = summarizeModel(model);
    assert.equal(summary.graph.nodes[0].metadata?.namespace, 'encoder.act');
    assert.equal(summary.graph.nodes[1].overload, 'v2');
    assert.equal(summary.graph.inputs[2].type?.text, 'opaque("custom.fn", "Handle")');
    assert.ok(summary.parameters.byDataType.some((t) => t.dataType === 'FLOAT4E2M1' && t.bytes === 2));
    const text = modelToText(model);
    assert.match(text, /\[act\] h = Relu \(x\)/);
    assert.match(text, /f = custom\.fn\.Fn:v2 <alpha: float = 0\.25> \(h\)/);
    assert.match(text, /float8e4m3fn\[4\] t17 = \.\.\./);
    assert.match(text, /c = Constant <value: tensor = int64\[1\] \.\.\.> \(\)/);
    assert.match(text, /ks: ints = \[1, -9223372036854775808\]/);
    assert.match(text, /# namespace: encoder\.act/);
    assert.match(text, /# training_info\[0\]\.algorithm\ntrain_step/);
    assert.match(text, /<\n  domain: "custom.fn",\n  overload: "v2",\n  opset_import: \["" : 25\]\n>\nFn <unused, alpha: float = 0\.5>\(a\) => \(b\)/);
    assert.doesNotMatch(text, /0\.5, -0\.5/); // weights never printed
  });
});
