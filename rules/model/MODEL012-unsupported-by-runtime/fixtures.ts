import { cleanModel, modelWith, type RuleFixtures } from '../fixture';

export const fixtures: RuleFixtures = {
  valid: [
    { name: 'opset-17', why: 'Well within the runtime.', model: cleanModel(), expect: [] },
    { name: 'newest-supported', why: 'IR 13 / opset 26 load in onnxruntime-node 1.30.', model: modelWith((m) => { m.irVersion = 13; m.opsetImport = [{ domain: '', version: 26 }]; }), expect: [] },
  ],
  invalid: [
    {
      name: 'onnx-1.22-defaults',
      why: 'ONNX 1.22 defines opset 27 and IR 13; the bundled runtime stops at opset 26.',
      model: modelWith((m) => { m.irVersion = 14; m.opsetImport = [{ domain: '', version: 27 }, { domain: 'ai.onnx.ml', version: 6 }]; }),
      expect: ['ir_version 14 is newer than onnxruntime-node 1.30.0 loads (up to 13)', 'opset 27 of ai.onnx is newer', 'opset 6 of ai.onnx.ml is newer'],
    },
  ],
};
