import { defineRule } from '../../../server/src/engine/rule';

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL009',
    name: 'unnamed-graph-io',
    family: 'MODEL',
    severity: 'error',
    practice: 'P9',
    languages: ['onnx'],
    summary: 'A graph input or output of the main graph has an empty name.',
    provenance: ['onnx.checker.check_model (value info name must not be empty)'],
    fix: 'none',
    docs: {
      what: 'Reports inputs and outputs of the main graph whose name is empty.',
      why: 'Callers feed inputs and fetch outputs by name: an unnamed one cannot be fed or fetched, and the model does not load in onnxruntime.',
      example: 'graph (float[N,4] "") => (float[N,2] y) { ... }\n',
      useInstead: 'torch.onnx.export(model, x, "model.onnx", input_names=["pixels"], output_names=["logits"])\n',
      references: ['https://onnx.ai/onnx/repo-docs/IR.html#graphs'],
    },
  },
  check(ctx) {
    const graph = ctx.model.proto.graph;
    if (!graph) return;
    graph.input.forEach((v, i) => { if (!v.name) ctx.reportModel(`graph input ${i} has no name: callers cannot feed it`); });
    graph.output.forEach((v, i) => { if (!v.name) ctx.reportModel(`graph output ${i} has no name: callers cannot fetch it`); });
  },
});
