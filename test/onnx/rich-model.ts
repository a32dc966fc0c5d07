/**
 * A model that uses every part of the current ONNX IR that the decoder must keep: data
 * types 17-26, node metadata_props/overload/device_configurations, metadata on graphs,
 * tensors, value infos and functions, function value_info/attribute_proto, model
 * configuration, sparse initializers, training info, an Opaque type, If subgraphs and
 * typed (non-raw) tensor payloads, packed and unpacked. Built in TypeScript because no
 * Python onnx on the machine knows all of these fields.
 */
import { DataType } from '../../server/src/onnx/data-types';
import { float32Raw, int64Raw, type ModelSpec } from '../../server/src/onnx/encode';

export const NEW_DATA_TYPES = [
  DataType.FLOAT8E4M3FN, DataType.FLOAT8E4M3FNUZ, DataType.FLOAT8E5M2, DataType.FLOAT8E5M2FNUZ, DataType.UINT4,
  DataType.INT4, DataType.FLOAT4E2M1, DataType.FLOAT8E8M0, DataType.UINT2, DataType.INT2,
];

/** Raw bytes per new type, 4 elements each, with the values they decode to. */
export const NEW_TYPE_VALUES: Record<number, { raw: number[]; values: number[] }> = {
  [DataType.FLOAT8E4M3FN]: { raw: [0x38, 0xb8, 0x7f, 0x00], values: [1, -1, Number.NaN, 0] },
  [DataType.FLOAT8E4M3FNUZ]: { raw: [0x40, 0x80, 0x48, 0x00], values: [1, Number.NaN, 2, 0] },
  [DataType.FLOAT8E5M2]: { raw: [0x3c, 0x7c, 0xfc, 0x40], values: [1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2] },
  [DataType.FLOAT8E5M2FNUZ]: { raw: [0x40, 0x80, 0x44, 0x00], values: [1, Number.NaN, 2, 0] },
  [DataType.UINT4]: { raw: [0x21, 0xf0], values: [1, 2, 0, 15] },
  [DataType.INT4]: { raw: [0x8f, 0x07], values: [-1, -8, 7, 0] },
  [DataType.FLOAT4E2M1]: { raw: [0x72, 0x9f], values: [1, 6, -6, -0.5] },
  [DataType.FLOAT8E8M0]: { raw: [127, 128, 0xff, 126], values: [1, 2, Number.NaN, 0.5] },
  [DataType.UINT2]: { raw: [0b11100100], values: [0, 1, 2, 3] },
  [DataType.INT2]: { raw: [0b11100100], values: [0, 1, -2, -1] },
};

export function richModel(): ModelSpec {
  const branch = (name: string, op: string) => ({
    name,
    node: [{ opType: op, input: ['x'], output: [`${name}_out`] }],
    output: [{ name: `${name}_out`, type: { tensor: { elemType: DataType.FLOAT, shape: ['N', 4] } } }],
  });
  return {
    irVersion: 13,
    opsetImport: [{ domain: '', version: 25 }, { domain: 'custom.fn', version: 1 }],
    producerName: 'ml-hygiene-tests',
    producerVersion: '1',
    modelVersion: 7,
    docString: 'every field',
    metadataProps: [{ key: 'git_commit', value: 'abc123' }, { key: 'training_config', value: 'cfg.yaml' }],
    configuration: [{ name: 'mesh', numDevices: 2, device: ['cuda:0', 'cuda:1'] }],
    graph: {
      name: 'rich',
      metadataProps: [{ key: 'graph_note', value: 'g' }],
      input: [
        { name: 'x', type: { tensor: { elemType: DataType.FLOAT, shape: ['N', 4] } }, metadataProps: [{ key: 'unit', value: 'pixels' }] },
        { name: 'cond', type: { tensor: { elemType: DataType.BOOL, shape: [] } } },
        { name: 'handle', type: { opaque: { domain: 'custom.fn', name: 'Handle' } } },
        { name: 'seq_in', type: { sequence: { tensor: { elemType: DataType.FLOAT, shape: [3] } } } },
      ],
      output: [{ name: 'y', type: { tensor: { elemType: DataType.FLOAT, shape: ['N', 4] } } }],
      valueInfo: [{ name: 'h', type: { tensor: { elemType: DataType.FLOAT, shape: ['N', 4] } }, metadataProps: [{ key: 'vi', value: '1' }] }],
      initializer: [
        ...NEW_DATA_TYPES.map((dataType) => ({ name: `t${dataType}`, dataType, dims: [4], raw: Uint8Array.from(NEW_TYPE_VALUES[dataType].raw) })),
        { name: 'w_meta', dataType: DataType.FLOAT, dims: [2], raw: float32Raw([0.5, -0.5]), metadataProps: [{ key: 'origin', value: 'fc.weight' }] },
        { name: 'shape_const', dataType: DataType.INT64, dims: [2], raw: int64Raw([-1, 4]) },
        { name: 'f_unpacked', dataType: DataType.FLOAT, dims: [3], floatData: [1, 2, 3], unpacked: true },
        { name: 'i64_packed', dataType: DataType.INT64, dims: [3], int64Data: [5, -6, 9007199254740993n] },
        { name: 'half_bits', dataType: DataType.FLOAT16, dims: [2], int32Data: [0x3c00, 0xc000] },
        { name: 'int4_bits', dataType: DataType.INT4, dims: [4], int32Data: [0x8f, 0x07] },
        { name: 'names', dataType: DataType.STRING, dims: [2], stringData: ['cat', 'dog'] },
        { name: 'segmented', dataType: DataType.FLOAT, dims: [2], raw: float32Raw([1, 2]), segment: { begin: 0, end: 2 } },
      ],
      sparseInitializer: [{
        dims: [10],
        values: { name: 'sparse_w', dataType: DataType.FLOAT, dims: [2], raw: float32Raw([1.5, 2.5]) },
        indices: { name: 'sparse_w_indices', dataType: DataType.INT64, dims: [2], raw: int64Raw([1, 7]) },
      }],
      node: [
        {
          opType: 'Relu', name: 'act', input: ['x'], output: ['h'],
          metadataProps: [{ key: 'stack_trace', value: 'File "model.py", line 12, in forward\n    x = relu(x)' }, { key: 'namespace', value: 'encoder.act' }],
          deviceConfigurations: [{ configurationId: 'mesh', pipelineStage: 1, shardingSpec: [{ tensorName: 'x', device: [0, 1] }] }],
        },
        { opType: 'Fn', domain: 'custom.fn', overload: 'v2', input: ['h'], output: ['f'], attribute: [{ name: 'alpha', type: 1, f: 0.25 }] },
        {
          opType: 'If', input: ['cond'], output: ['y'],
          attribute: [{ name: 'then_branch', type: 5, g: branch('then_g', 'Relu') }, { name: 'else_branch', type: 5, g: branch('else_g', 'Neg') }],
        },
        {
          opType: 'Constant', output: ['c'],
          attribute: [{ name: 'value', type: 4, t: { dataType: DataType.INT64, dims: [1], int64Data: [9223372036854775807n] } }],
        },
        { opType: 'Slice', input: ['x', 'c', 'c'], output: ['s'], attribute: [{ name: 'note', type: 8, strings: ['a', 'b'] }, { name: 'ks', type: 7, ints: [1, -9223372036854775808n] }] },
      ],
    },
    functions: [{
      name: 'Fn', domain: 'custom.fn', overload: 'v2', input: ['a'], output: ['b'], attribute: ['unused'],
      attributeProto: [{ name: 'alpha', type: 1, f: 0.5 }],
      opsetImport: [{ domain: '', version: 25 }],
      node: [{ opType: 'LeakyRelu', input: ['a'], output: ['b'], attribute: [{ name: 'alpha', type: 1, refAttrName: 'alpha' }] }],
      valueInfo: [{ name: 'b', type: { tensor: { elemType: DataType.FLOAT, shape: ['N', 4] } } }],
      metadataProps: [{ key: 'fn_note', value: 'f' }],
    }],
    trainingInfo: [{
      algorithm: { name: 'train_step', node: [{ opType: 'Identity', input: ['w_meta'], output: ['w_next'] }], output: [{ name: 'w_next' }] },
      updateBinding: [{ key: 'w_meta', value: 'w_next' }],
    }],
  };
}
