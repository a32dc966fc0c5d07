import { DataType } from '../../../server/src/onnx/data-types';
import { float32Raw } from '../../../server/src/onnx/encode';
import { cleanModel, modelWith, type RuleFixtures } from '../fixture';

export const fixtures: RuleFixtures = {
  valid: [
    { name: 'finite', why: 'Ordinary weights.', model: cleanModel(), expect: [] },
    {
      name: 'integer-weights',
      why: 'Integer tensors cannot hold NaN; they are not read.',
      model: modelWith((m) => { m.graph!.initializer!.push({ name: 'idx', dataType: DataType.INT32, dims: [2], int32Data: [1, 2] }); m.graph!.node!.push({ opType: 'Gather', input: ['W', 'idx'], output: ['g'] }); }),
      expect: [],
    },
  ],
  invalid: [
    {
      name: 'diverged-run',
      why: 'A NaN and an Inf in raw_data.',
      model: modelWith((m) => { m.graph!.initializer![0].raw = float32Raw([1, Number.NaN, 3, Number.POSITIVE_INFINITY, 5, 6, 7, 8]); }),
      expect: ["graph: initializer 'W' has 1 NaN and 1 Inf among 8 values"],
    },
    {
      name: 'nan-in-float-data',
      why: 'Typed float_data payloads are scanned as well.',
      model: modelWith((m) => { m.graph!.initializer = [{ name: 'W', dataType: DataType.FLOAT, dims: [4, 2], floatData: [Number.NaN, 0, 0, 0, 0, 0, 0, 0] }]; }),
      expect: ["initializer 'W' has 1 NaN among 8 values"],
    },
    {
      name: 'float16-inf',
      why: 'Half precision: 0x7c00 is +Inf.',
      model: modelWith((m) => {
        m.graph!.initializer!.push({ name: 'H', dataType: DataType.FLOAT16, dims: [2], raw: Uint8Array.from([0x00, 0x7c, 0x00, 0x3c]) });
        m.graph!.node!.push({ opType: 'Cast', input: ['H'], output: ['h'], attribute: [{ name: 'to', type: 2, i: 1 }] });
      }),
      expect: ["initializer 'H' has 1 Inf among 2 values"],
    },
  ],
};
