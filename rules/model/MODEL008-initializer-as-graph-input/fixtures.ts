import { DataType } from '../../../server/src/onnx/data-types';
import type { ValueInfoSpec } from '../../../server/src/onnx/encode';
import { cleanModel, modelWith, type RuleFixtures } from '../fixture';

const wAsInput: ValueInfoSpec = { name: 'W', type: { tensor: { elemType: DataType.FLOAT, shape: [4, 2] } } };

export const fixtures: RuleFixtures = {
  valid: [
    { name: 'inputs-are-inputs', why: 'Only x is an input.', model: cleanModel(), expect: [] },
    {
      name: 'ir3-convention',
      why: 'In IR 3 initializers must be listed as inputs: not a finding.',
      model: modelWith((m) => { m.irVersion = 3; m.opsetImport = [{ domain: '', version: 9 }]; m.graph!.input!.push(wAsInput); }),
      expect: [],
    },
  ],
  invalid: [
    {
      name: 'keep-initializers-as-inputs',
      why: 'torch.onnx.export(keep_initializers_as_inputs=True) in an IR 8 model.',
      model: modelWith((m) => { m.graph!.input!.push(wAsInput); }),
      expect: ["1 initializer(s) are also graph inputs in an IR 8 model ('W')"],
    },
  ],
};
