import { cleanModel, modelWith, type RuleFixtures } from '../fixture';

export const fixtures: RuleFixtures = {
  valid: [
    { name: 'sorted', why: 'Producers come first.', model: cleanModel(), expect: [] },
    {
      name: 'chain-in-order',
      why: 'A longer chain in order.',
      model: modelWith((m) => { m.graph!.node = [{ opType: 'MatMul', input: ['x', 'W'], output: ['h'] }, { opType: 'Relu', input: ['h'], output: ['y'] }]; }),
      expect: [],
    },
  ],
  invalid: [
    {
      name: 'consumer-first',
      why: 'Node appended after its consumer by a graph edit.',
      model: modelWith((m) => { m.graph!.node = [{ opType: 'Relu', name: 'act', input: ['h'], output: ['y'] }, { opType: 'MatMul', input: ['x', 'W'], output: ['h'] }]; }),
      expect: ["Relu 'act' (node 0) reads 'h' before node 1 produces it"],
    },
  ],
};
