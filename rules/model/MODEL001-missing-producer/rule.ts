import { defineRule } from '../../../server/src/engine/rule';

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL001',
    name: 'missing-producer',
    family: 'MODEL',
    severity: 'warning',
    practice: 'P9',
    languages: ['onnx'],
    summary: 'The model does not say which tool and version produced it (producer_name / producer_version).',
    provenance: ['onnx.proto ModelProto.producer_name', 'Netron model properties'],
    fix: 'none',
    docs: {
      what: 'Reports a model whose `producer_name` or `producer_version` is empty.',
      why: 'The producer and its version are the first thing to know when a model misbehaves in production: exporter bugs are tied to versions, and runtimes work around known producers. A model that does not say where it came from cannot be reproduced or triaged.',
      example: 'import onnx\nmodel = onnx.helper.make_model(graph)  # producer_name left empty\nonnx.save(model, "model.onnx")\n',
      useInstead: 'import onnx\nmodel = onnx.helper.make_model(graph, producer_name="my-exporter", producer_version="1.4.0")\nonnx.save(model, "model.onnx")\n# torch.onnx.export sets both ("pytorch", torch.__version__).\n',
      references: ['https://onnx.ai/onnx/repo-docs/IR.html#models'],
    },
  },
  check(ctx) {
    const { producerName, producerVersion } = ctx.model.proto;
    if (!producerName && !producerVersion) {
      ctx.reportModel('model has no producer_name and no producer_version: nothing says which tool and version exported it');
    } else if (!producerName) {
      ctx.reportModel(`model has producer_version '${producerVersion}' but no producer_name`);
    } else if (!producerVersion) {
      ctx.reportModel(`model producer '${producerName}' has no producer_version`);
    }
  },
});
