import { DataType } from '../../../server/src/onnx/data-types';
import { cleanModel, modelWith, type RuleFixtures } from '../fixture';

export const fixtures: RuleFixtures = {
  valid: [
    { name: 'typed-with-symbolic-batch', why: 'float[N,4] -> float[N,2]: N is named.', model: cleanModel(), expect: [] },
  ],
  invalid: [
    {
      name: 'output-without-type',
      why: 'Graph edits often drop output types.',
      model: modelWith((m) => { m.graph!.output = [{ name: 'y' }]; }),
      expect: ["graph output 'y' has no type"],
    },
    {
      name: 'input-without-shape',
      why: 'An element type but no shape: not even the rank is known.',
      model: modelWith((m) => { m.graph!.input = [{ name: 'x', type: { tensor: { elemType: DataType.FLOAT } } }]; }),
      expect: ["graph input 'x' has no shape"],
    },
    {
      name: 'anonymous-dimension',
      why: 'A dimension with neither size nor name.',
      model: modelWith((m) => { m.graph!.input = [{ name: 'x', type: { tensor: { elemType: DataType.FLOAT, shape: [null, 4] } } }]; }),
      expect: ["graph input 'x' has 1 dimension(s) with neither a size nor a symbolic name"],
    },
  ],
};
