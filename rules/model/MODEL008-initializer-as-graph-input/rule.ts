import { defineRule } from '../../../server/src/engine/rule';

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL008',
    name: 'initializer-as-graph-input',
    family: 'MODEL',
    severity: 'warning',
    practice: 'P9',
    languages: ['onnx'],
    summary: 'Initializers are also listed as graph inputs (the IR < 4 convention) in a model of IR 4 or later, so runtimes treat the weights as overridable inputs.',
    provenance: ['onnxruntime warning "Initializer ... appears in graph inputs and will not be treated as constant value/weight"', 'onnxruntime tools/python/remove_initializer_from_input.py'],
    fix: 'none',
    docs: {
      what: 'In models of IR version 4 or later, reports the initializers whose names are also graph inputs (one finding listing them).',
      why: 'Before IR 4 every initializer had to be a graph input; since IR 4, an initializer listed as an input is a default value the caller may override. Runtimes then cannot constant-fold it, which disables optimizations (Conv+BatchNorm fusion, constant folding) and shows weights as model inputs to every consumer.',
      example: 'torch.onnx.export(model, x, "model.onnx", keep_initializers_as_inputs=True)\n',
      useInstead: 'torch.onnx.export(model, x, "model.onnx")  # keep_initializers_as_inputs=False (default)\n# for an existing file: onnxruntime/tools/python/remove_initializer_from_input.py\n',
      references: ['https://onnx.ai/onnx/repo-docs/IR.html#graphs', 'https://github.com/microsoft/onnxruntime/blob/main/tools/python/remove_initializer_from_input.py'],
    },
  },
  check(ctx) {
    const { graph, irVersion } = ctx.model.proto;
    if (!graph || irVersion < 4) return; // required by the IR before version 4
    const initializers = new Set(graph.initializer.map((t) => t.name));
    const both = graph.input.filter((v) => initializers.has(v.name)).map((v) => v.name);
    if (!both.length) return;
    const shown = both.slice(0, 5).map((n) => `'${n}'`).join(', ') + (both.length > 5 ? `, and ${both.length - 5} more` : '');
    ctx.reportModel(`${both.length} initializer(s) are also graph inputs in an IR ${irVersion} model (${shown}): runtimes treat them as overridable inputs and do not fold them as constants`);
  },
});
