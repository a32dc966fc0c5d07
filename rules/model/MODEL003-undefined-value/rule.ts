import { defineRule } from '../../../server/src/engine/rule';
import { checkGraphStructure, describeNode } from '../../../server/src/onnx/graph-checks';

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL003',
    name: 'undefined-value',
    family: 'MODEL',
    severity: 'error',
    practice: 'P9',
    languages: ['onnx'],
    summary: 'A node input or graph output names a value that no graph input, initializer or node defines.',
    provenance: ['onnx.checker.check_model ("input ... of node ... is not output of any previous nodes")'],
    fix: 'none',
    docs: {
      what: 'Checks, in every graph and subgraph, that each node input is a graph input, an initializer, an output of an earlier node, or a value of an enclosing graph; and that each graph output is defined. Empty names (omitted optional inputs) are fine.',
      why: 'A dangling reference makes the model fail to load in every runtime. It usually comes from graph surgery (removing a node, renaming a value) that left a consumer behind.',
      example: 'y = Relu(t)   # t is produced by no node and is not an input or initializer\n',
      useInstead: 'Fix the graph edit that removed the producer of `t`, or feed `t` as a graph input; validate with onnx.checker.check_model(model, full_check=True).',
      references: ['https://onnx.ai/onnx/repo-docs/IR.html#graphs', 'https://onnx.ai/onnx/api/checker.html'],
    },
  },
  check(ctx) {
    for (const issue of checkGraphStructure(ctx.model)) {
      if (issue.kind === 'undefined-input') {
        ctx.reportModel(`${issue.graphPath}: input '${issue.input}' of ${describeNode(issue.node, issue.nodeIndex)} is not defined by any graph input, initializer or node`);
      } else if (issue.kind === 'undefined-graph-output') {
        ctx.reportModel(`${issue.graphPath}: graph output '${issue.output}' is not produced by any node, input or initializer`);
      }
    }
  },
});
