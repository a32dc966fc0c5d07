import { DataType } from '../../../server/src/onnx/data-types';
import { cleanModel, modelWith, type RuleFixtures } from '../fixture';

export const fixtures: RuleFixtures = {
  valid: [
    { name: 'unique-names', why: 'Every value defined once.', model: cleanModel(), expect: [] },
    {
      name: 'initializer-listed-as-input',
      why: 'IR < 4 requires initializers to be listed as inputs too; that is not a redefinition.',
      model: modelWith((m) => { m.graph!.input!.push({ name: 'W', type: { tensor: { elemType: DataType.FLOAT, shape: [4, 2] } } }); }),
      expect: [],
    },
  ],
  invalid: [
    {
      name: 'two-producers',
      why: 'Two nodes write h.',
      model: modelWith((m) => {
        m.graph!.node = [
          { opType: 'MatMul', input: ['x', 'W'], output: ['h'] },
          { opType: 'Sigmoid', name: 'gate', input: ['x'], output: ['h'] },
          { opType: 'Relu', input: ['h'], output: ['y'] },
        ];
      }),
      expect: ["graph: 'h' is defined again by Sigmoid 'gate' (node 1); it was already defined by node 0"],
    },
    {
      name: 'node-overwrites-input',
      why: 'A node output that shadows a graph input.',
      model: modelWith((m) => { m.graph!.node!.push({ opType: 'Identity', input: ['y'], output: ['x'] }); }),
      expect: ["'x' is defined again by Identity (node 1); it was already defined by a graph input"],
    },
  ],
};
