import { cleanModel, modelWith, type RuleFixtures } from '../fixture';

export const fixtures: RuleFixtures = {
  valid: [{ name: 'producer-and-version', why: 'Both fields set, as torch.onnx.export writes them.', model: cleanModel(), expect: [] }],
  invalid: [
    {
      name: 'no-producer',
      why: 'onnx.helper.make_model without producer arguments leaves both empty.',
      model: modelWith((m) => { delete m.producerName; delete m.producerVersion; }),
      expect: ['no producer_name and no producer_version'],
    },
    {
      name: 'name-without-version',
      why: 'A name alone does not pin the exporter version that bugs are tied to.',
      model: modelWith((m) => { delete m.producerVersion; }),
      expect: ["producer 'pytorch' has no producer_version"],
    },
  ],
};
