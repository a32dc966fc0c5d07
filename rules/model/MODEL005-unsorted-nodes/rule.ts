import { defineRule } from '../../../server/src/engine/rule';
import { checkGraphStructure, describeNode } from '../../../server/src/onnx/graph-checks';

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL005',
    name: 'unsorted-nodes',
    family: 'MODEL',
    severity: 'error',
    practice: 'P9',
    languages: ['onnx'],
    summary: 'A node uses a value that a later node produces: the node list is not topologically sorted.',
    provenance: ['onnx.checker.check_model ("Nodes in a graph must be topologically sorted")'],
    fix: 'none',
    docs: {
      what: 'Reports each node input that is produced by a node further down the same graph\'s node list.',
      why: 'The ONNX IR requires nodes in topological order; onnx.checker rejects other orders and runtimes that execute in list order would read a value before it exists. It usually comes from graph edits that append nodes at the end.',
      example: 'y = Relu(h)        # node 0 reads h\nh = MatMul(x, W)   # node 1 produces it\n',
      useInstead: 'h = MatMul(x, W)\ny = Relu(h)\n# after editing a graph, sort it (e.g. onnx-graphsurgeon graph.toposort()).\n',
      references: ['https://onnx.ai/onnx/repo-docs/IR.html#graphs'],
    },
  },
  check(ctx) {
    for (const issue of checkGraphStructure(ctx.model)) {
      if (issue.kind !== 'unsorted') continue;
      ctx.reportModel(`${issue.graphPath}: ${describeNode(issue.node, issue.nodeIndex)} reads '${issue.input}' before node ${issue.producerIndex} produces it: nodes are not topologically sorted`);
    }
  },
});
