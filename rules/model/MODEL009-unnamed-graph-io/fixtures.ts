import { DataType } from '../../../server/src/onnx/data-types';
import { cleanModel, modelWith, type RuleFixtures } from '../fixture';

export const fixtures: RuleFixtures = {
  valid: [{ name: 'named', why: 'x and y are named.', model: cleanModel(), expect: [] }],
  invalid: [
    {
      name: 'empty-output-name',
      why: 'A hand-built graph whose second output lost its name.',
      model: modelWith((m) => { m.graph!.output!.push({ name: '', type: { tensor: { elemType: DataType.FLOAT, shape: [2] } } }); }),
      expect: ['graph output 1 has no name'],
    },
    {
      name: 'empty-input-name',
      why: 'An unnamed input cannot be fed.',
      model: modelWith((m) => { m.graph!.input!.push({ name: '', type: { tensor: { elemType: DataType.FLOAT, shape: [2] } } }); }),
      expect: ['graph input 1 has no name'],
    },
  ],
};
