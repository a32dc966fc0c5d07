import { defineRule } from '../../../server/src/engine/rule';
import type { Graph } from '../../../server/src/onnx/model';
import { tensorByteLength } from '../../../server/src/onnx/summary';

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL007',
    name: 'unused-initializer',
    family: 'MODEL',
    severity: 'warning',
    practice: 'P9',
    languages: ['onnx'],
    summary: 'An initializer (weight) is not read by any node, subgraph or graph output.',
    provenance: ['onnxruntime "Removing initializer ... It is not used by any node"', 'onnx-simplifier', 'onnxoptimizer eliminate_unused_initializer'],
    fix: 'none',
    docs: {
      what: 'Reports initializers of a graph that no node of that graph or of its subgraphs reads and that are not graph outputs.',
      why: 'Unused weights make the file bigger and slower to load and ship for nothing, and they often betray an export problem: a branch or layer that was traced away, or weights of another model left in the file.',
      example: 'graph (float[N,4] x) => (float[N,2] y) <float[4,2] W, float[4,2] W_old> { y = MatMul(x, W) }\n',
      useInstead: 'Remove them: onnxoptimizer.optimize(model, ["eliminate_unused_initializer"]) or onnxsim; or fix the export so the graph uses what it carries.',
      references: ['https://github.com/onnx/optimizer'],
    },
  },
  check(ctx) {
    const check = (graph: Graph, where: string): void => {
      const used = new Set<string>(graph.output.map((o) => o.name));
      const collect = (g: Graph): void => {
        for (const node of g.node) {
          for (const input of node.input) used.add(input);
          for (const a of node.attribute) {
            if (a.g) collect(a.g);
            a.graphs.forEach(collect);
          }
        }
      };
      collect(graph);
      for (const t of graph.initializer) {
        if (!used.has(t.name)) {
          ctx.reportModel(`${where}: initializer '${t.name}' (${t.dims.length ? t.dims.join('x') : 'scalar'}, ${tensorByteLength(t)} bytes) is not used by any node`);
        }
      }
      graph.node.forEach((node, i) => node.attribute.forEach((a) => {
        const graphs = a.g ? [a.g] : a.graphs;
        graphs.forEach((g, j) => check(g, `${where}.node[${i}].${a.name}${a.g ? '' : `[${j}]`}`));
      }));
    };
    if (ctx.model.proto.graph) check(ctx.model.proto.graph, 'graph');
  },
});
