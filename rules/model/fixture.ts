/**
 * Fixtures of the MODEL rules: models built in TypeScript (server/src/onnx/encode.ts), each
 * with the findings it must produce and why it exists. test/onnx/model-rules.test.ts writes
 * every fixture to a temporary folder and lints it with its rule alone.
 */
import { DataType } from '../../server/src/onnx/data-types';
import { float32Raw, type ModelSpec } from '../../server/src/onnx/encode';

export interface ModelFixture {
  name: string;
  /** Why the case is here: what it shows about the rule. */
  why: string;
  model: ModelSpec;
  /** Model file name in the fixture folder (default `model.onnx`). */
  fileName?: string;
  /** Other files written beside the model (external data), by relative path. */
  files?: Record<string, Uint8Array>;
  /** Expected findings of the rule, in order: each a substring of one finding's message. `[]` for valid fixtures. */
  expect: string[];
}

export interface RuleFixtures {
  valid: ModelFixture[];
  invalid: ModelFixture[];
}

/**
 * A model that every MODEL rule accepts: traceable metadata, named and typed I/O, one
 * MatMul over a used float32 initializer, opset 17 / IR 8. Fixtures change one thing.
 */
export function cleanModel(): ModelSpec {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'pytorch',
    producerVersion: '2.5.1',
    metadataProps: [
      { key: 'git_commit', value: '3f2c1e9' },
      { key: 'training_config', value: 'configs/train.yaml' },
    ],
    graph: {
      name: 'linear',
      node: [{ opType: 'MatMul', name: 'fc', input: ['x', 'W'], output: ['y'] }],
      initializer: [{ name: 'W', dataType: DataType.FLOAT, dims: [4, 2], raw: float32Raw([1, 2, 3, 4, 5, 6, 7, 8]) }],
      input: [{ name: 'x', type: { tensor: { elemType: DataType.FLOAT, shape: ['N', 4] } } }],
      output: [{ name: 'y', type: { tensor: { elemType: DataType.FLOAT, shape: ['N', 2] } } }],
    },
  };
}

/** A fresh `cleanModel()` with `change` applied. */
export function modelWith(change: (model: ModelSpec) => void): ModelSpec {
  const model = cleanModel();
  change(model);
  return model;
}
