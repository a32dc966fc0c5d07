import { defineRule } from '../../../server/src/engine/rule';
import type { ValueInfo } from '../../../server/src/onnx/model';

function problem(v: ValueInfo): string | undefined {
  const t = v.type;
  if (!t || t.value.kind === 'none') return 'has no type';
  if (t.value.kind === 'tensor' || t.value.kind === 'sparse_tensor') {
    if (!t.value.elemType) return 'has no element type';
    if (!t.value.shape) return 'has no shape (not even a rank)';
    const unknown = t.value.shape.filter((d) => d.value === undefined && !d.param).length;
    if (unknown) return `has ${unknown} dimension(s) with neither a size nor a symbolic name`;
  }
  return undefined;
}

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL010',
    name: 'untyped-graph-io',
    family: 'MODEL',
    severity: 'warning',
    practice: 'P9',
    languages: ['onnx'],
    summary: 'A main-graph input or output has no type, no element type, no shape, or anonymous unknown dimensions.',
    provenance: ['onnx.checker.check_model (graph inputs/outputs must have type)', 'Netron'],
    fix: 'none',
    docs: {
      what: 'Reports inputs and outputs of the main graph whose type is missing, whose tensor type lacks an element type or a shape, or whose shape has dimensions with neither a size nor a name. (Initializers listed as inputs are not checked: their tensor says what they are.)',
      why: 'The input and output types are the model\'s contract with the serving code. Without them the caller must guess dtypes and ranks, runtimes cannot validate requests or pre-plan memory, and converters stop. Symbolic names (`batch`, `seq`) document which dimensions vary; an anonymous unknown dimension says nothing.',
      example: 'torch.onnx.export(model, x, "model.onnx")   # a dynamic batch left anonymous by a graph edit\n',
      useInstead: 'torch.onnx.export(model, x, "model.onnx", input_names=["x"], output_names=["y"],\n                  dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})\n',
      references: ['https://onnx.ai/onnx/repo-docs/IR.html#static-tensor-shapes'],
    },
  },
  check(ctx) {
    const graph = ctx.model.proto.graph;
    if (!graph) return;
    const initializers = new Set(graph.initializer.map((t) => t.name));
    for (const v of graph.input) {
      if (!v.name || initializers.has(v.name)) continue;
      const p = problem(v);
      if (p) ctx.reportModel(`graph input '${v.name}' ${p}`);
    }
    for (const v of graph.output) {
      if (!v.name) continue;
      const p = problem(v);
      if (p) ctx.reportModel(`graph output '${v.name}' ${p}`);
    }
  },
});
