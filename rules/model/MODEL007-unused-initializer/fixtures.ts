import { DataType } from '../../../server/src/onnx/data-types';
import { float32Raw } from '../../../server/src/onnx/encode';
import { cleanModel, modelWith, type RuleFixtures } from '../fixture';

export const fixtures: RuleFixtures = {
  valid: [
    { name: 'used', why: 'W feeds the MatMul.', model: cleanModel(), expect: [] },
    {
      name: 'used-inside-subgraph',
      why: 'A weight read only inside an If branch is used.',
      model: modelWith((m) => {
        m.graph!.input!.push({ name: 'cond', type: { tensor: { elemType: DataType.BOOL, shape: [] } } });
        const branch = (name: string) => ({ name, node: [{ opType: 'MatMul', input: ['x', 'W'], output: [`${name}_y`] }], output: [{ name: `${name}_y` }] });
        m.graph!.node = [{ opType: 'If', input: ['cond'], output: ['y'], attribute: [{ name: 'then_branch', type: 5, g: branch('then') }, { name: 'else_branch', type: 5, g: branch('else') }] }];
      }),
      expect: [],
    },
  ],
  invalid: [
    {
      name: 'leftover-weight',
      why: 'W_old is carried but never read.',
      model: modelWith((m) => { m.graph!.initializer!.push({ name: 'W_old', dataType: DataType.FLOAT, dims: [4, 2], raw: float32Raw(new Array(8).fill(0)) }); }),
      expect: ["graph: initializer 'W_old' (4x2, 32 bytes) is not used by any node"],
    },
  ],
};
