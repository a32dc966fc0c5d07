import { defineRule } from '../../../server/src/engine/rule';
import { checkGraphStructure, describeNode } from '../../../server/src/onnx/graph-checks';

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL004',
    name: 'duplicate-value-definition',
    family: 'MODEL',
    severity: 'error',
    practice: 'P9',
    languages: ['onnx'],
    summary: 'A value name is defined twice in one graph (two nodes, or a node and an input/initializer): the graph is not in SSA form.',
    provenance: ['onnx.checker.check_model ("Graph must be in single static assignment (SSA) form")'],
    fix: 'none',
    docs: {
      what: 'Reports every value name that a graph defines more than once: as the output of two nodes, or of a node and a graph input or initializer. (An initializer that is also listed as a graph input is legal and is MODEL008\'s business.)',
      why: 'ONNX graphs are single-assignment: a name denotes one value. Runtimes reject a redefinition or, worse, silently bind consumers to one of the two producers.',
      example: 'h = Relu(x)\nh = Sigmoid(x)   # h defined twice\n',
      useInstead: 'h1 = Relu(x)\nh2 = Sigmoid(x)\n# give every node output a unique name (graph-editing tools: onnx.compose, onnxscript)\n',
      references: ['https://onnx.ai/onnx/repo-docs/IR.html#names-within-a-graph'],
    },
  },
  check(ctx) {
    for (const issue of checkGraphStructure(ctx.model)) {
      if (issue.kind !== 'duplicate-output') continue;
      const first = issue.firstDefinedBy === 'input' ? 'a graph input' : issue.firstDefinedBy === 'initializer' ? 'an initializer' : issue.firstDefinedBy;
      ctx.reportModel(`${issue.graphPath}: '${issue.output}' is defined again by ${describeNode(issue.node, issue.nodeIndex)}; it was already defined by ${first}`);
    }
  },
});
