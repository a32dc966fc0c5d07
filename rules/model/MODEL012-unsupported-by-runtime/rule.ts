import { defineRule } from '../../../server/src/engine/rule';
import { normalizeDomain } from '../../../server/src/onnx/operators';
import { BUNDLED_RUNTIME } from '../../../server/src/onnx/runtime-support';

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL012',
    name: 'unsupported-by-runtime',
    family: 'MODEL',
    severity: 'error',
    practice: 'P9',
    languages: ['onnx'],
    summary: `The model's IR version or an opset is newer than the bundled onnxruntime-node (${BUNDLED_RUNTIME.version}) loads.`,
    provenance: ['onnxruntime model_load_utils ValidateOpsetForDomain', 'onnxruntime "Unsupported model IR version"'],
    fix: 'none',
    docs: {
      what: `Compares \`ir_version\` and the imported versions of ai.onnx and ai.onnx.ml with what onnxruntime-node ${BUNDLED_RUNTIME.version} loads (IR ${BUNDLED_RUNTIME.maxIrVersion}, ai.onnx opset ${BUNDLED_RUNTIME.maxOpset['']}, ai.onnx.ml opset ${BUNDLED_RUNTIME.maxOpset['ai.onnx.ml']}).`,
      why: 'A model exported with the newest exporter defaults can be too new for the runtime that serves it; it then fails at load time in production, not at export time. Exporting to the opset the serving runtime supports keeps the two in step.',
      example: 'torch.onnx.export(model, x, "model.onnx", opset_version=27)\n',
      useInstead: `torch.onnx.export(model, x, "model.onnx", opset_version=${BUNDLED_RUNTIME.maxOpset['']})\n# or: onnx.version_converter.convert_version(model, ${BUNDLED_RUNTIME.maxOpset['']})\n`,
      references: ['https://onnxruntime.ai/docs/reference/compatibility.html'],
    },
  },
  check(ctx) {
    const { irVersion, opsetImport } = ctx.model.proto;
    const runtime = `${BUNDLED_RUNTIME.name} ${BUNDLED_RUNTIME.version}`;
    if (irVersion > BUNDLED_RUNTIME.maxIrVersion) {
      ctx.reportModel(`ir_version ${irVersion} is newer than ${runtime} loads (up to ${BUNDLED_RUNTIME.maxIrVersion})`);
    }
    for (const o of opsetImport) {
      const domain = normalizeDomain(o.domain);
      const max = BUNDLED_RUNTIME.maxOpset[domain];
      if (max !== undefined && o.version > max) {
        ctx.reportModel(`opset ${o.version} of ${domain || 'ai.onnx'} is newer than ${runtime} supports (up to ${max})`);
      }
    }
  },
});
