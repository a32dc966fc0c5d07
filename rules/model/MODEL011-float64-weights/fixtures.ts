import { DataType } from '../../../server/src/onnx/data-types';
import { cleanModel, modelWith, type RuleFixtures } from '../fixture';

export const fixtures: RuleFixtures = {
  valid: [
    { name: 'float32', why: 'float32 weights.', model: cleanModel(), expect: [] },
    {
      name: 'int64-shape-constant',
      why: 'Integer initializers (shapes, indices) are not weights of concern.',
      model: modelWith((m) => { m.graph!.initializer!.push({ name: 'shape', dataType: DataType.INT64, dims: [2], int64Data: [-1, 2] }); m.graph!.node!.push({ opType: 'Reshape', input: ['y', 'shape'], output: ['z'] }); }),
      expect: [],
    },
  ],
  invalid: [
    {
      name: 'numpy-default-dtype',
      why: 'A weight exported from a float64 NumPy array.',
      model: modelWith((m) => { m.graph!.initializer = [{ name: 'W', dataType: DataType.DOUBLE, dims: [4, 2], doubleData: [1, 2, 3, 4, 5, 6, 7, 8] }]; }),
      expect: ["graph: initializer 'W' is float64 (64 bytes; 32 as float32)"],
    },
  ],
};
