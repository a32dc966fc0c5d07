import { DataType } from '../../../server/src/onnx/data-types';
import { cleanModel, modelWith, type RuleFixtures } from '../fixture';

export const fixtures: RuleFixtures = {
  valid: [
    { name: 'all-defined', why: 'x is an input, W an initializer, y a node output.', model: cleanModel(), expect: [] },
    {
      name: 'subgraph-reads-outer-scope',
      why: 'An If branch may use values of the enclosing graph (W here) without declaring them.',
      model: modelWith((m) => {
        m.graph!.input!.push({ name: 'cond', type: { tensor: { elemType: DataType.BOOL, shape: [] } } });
        const branch = (name: string) => ({ name, node: [{ opType: 'MatMul', input: ['x', 'W'], output: [`${name}_y`] }], output: [{ name: `${name}_y` }] });
        m.graph!.node = [{ opType: 'If', input: ['cond'], output: ['y'], attribute: [{ name: 'then_branch', type: 5, g: branch('then') }, { name: 'else_branch', type: 5, g: branch('else') }] }];
      }),
      expect: [],
    },
    {
      name: 'omitted-optional-input',
      why: "An empty input name marks an omitted optional input, not a reference.",
      model: modelWith((m) => { m.graph!.node = [{ opType: 'Clip', input: ['x', '', ''], output: ['c'] }, { opType: 'MatMul', input: ['c', 'W'], output: ['y'] }]; }),
      expect: [],
    },
  ],
  invalid: [
    {
      name: 'dangling-input',
      why: 'Graph surgery removed the producer of t.',
      model: modelWith((m) => { m.graph!.node = [{ opType: 'Relu', name: 'act', input: ['t'], output: ['r'] }, { opType: 'MatMul', input: ['x', 'W'], output: ['y'] }]; }),
      expect: ["graph: input 't' of Relu 'act' (node 0) is not defined"],
    },
    {
      name: 'dangling-output',
      why: 'The declared output is produced by nothing.',
      model: modelWith((m) => { m.graph!.output = [{ name: 'logits', type: { tensor: { elemType: DataType.FLOAT, shape: ['N', 2] } } }]; }),
      expect: ["graph output 'logits' is not produced"],
    },
    {
      name: 'dangling-in-subgraph',
      why: 'Subgraphs are checked too, with their own path.',
      model: modelWith((m) => {
        m.graph!.input!.push({ name: 'cond', type: { tensor: { elemType: DataType.BOOL, shape: [] } } });
        const branch = (name: string, source: string) => ({ name, node: [{ opType: 'Identity', input: [source], output: [`${name}_y`] }], output: [{ name: `${name}_y` }] });
        m.graph!.node = [{ opType: 'If', input: ['cond'], output: ['y'], attribute: [{ name: 'then_branch', type: 5, g: branch('then', 'x') }, { name: 'else_branch', type: 5, g: branch('else', 'missing') }] }];
      }),
      expect: ["graph.node[0].else_branch: input 'missing' of Identity (node 0)"],
    },
  ],
};
