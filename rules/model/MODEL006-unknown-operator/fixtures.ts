import { cleanModel, modelWith, type RuleFixtures } from '../fixture';

export const fixtures: RuleFixtures = {
  valid: [
    { name: 'matmul-opset-17', why: 'MatMul exists since opset 1.', model: cleanModel(), expect: [] },
    {
      name: 'custom-domain-and-local-function',
      why: 'Custom domains are not checked, and a local function call resolves to the function, whose body uses its own imports.',
      model: modelWith((m) => {
        m.opsetImport!.push({ domain: 'com.example', version: 1 });
        m.graph!.node = [
          { opType: 'FusedGelu', domain: 'com.example', input: ['x'], output: ['g'] },
          { opType: 'MyLinear', domain: 'local', input: ['g', 'W'], output: ['y'] },
        ];
        m.opsetImport!.push({ domain: 'local', version: 1 });
        m.functions = [{ name: 'MyLinear', domain: 'local', input: ['a', 'b'], output: ['c'], opsetImport: [{ domain: '', version: 17 }], node: [{ opType: 'MatMul', input: ['a', 'b'], output: ['c'] }] }];
      }),
      expect: [],
    },
  ],
  invalid: [
    {
      name: 'op-newer-than-opset',
      why: 'LayerNormalization appeared in opset 17; this model imports 11.',
      model: modelWith((m) => {
        m.opsetImport = [{ domain: '', version: 11 }];
        m.graph!.node = [{ opType: 'LayerNormalization', name: 'ln', input: ['x', 'W'], output: ['h'] }, { opType: 'MatMul', input: ['h', 'W'], output: ['y'] }];
      }),
      expect: ["LayerNormalization 'ln' (node 0): 'LayerNormalization' exists in ai.onnx only from opset 17, but the model imports opset 11"],
    },
    {
      name: 'typo',
      why: 'A misspelled operator in a hand-built graph.',
      model: modelWith((m) => { m.graph!.node![0].opType = 'Matmul'; }),
      expect: ["'Matmul' is not an operator of ai.onnx"],
    },
    {
      name: 'deprecated-upsample',
      why: 'Upsample was removed in opset 10 (use Resize); reported as a warning.',
      model: modelWith((m) => { m.graph!.node!.push({ opType: 'Upsample', input: ['y', 'W'], output: ['u'] }); }),
      expect: ["'Upsample' is deprecated in ai.onnx since opset 10"],
    },
    {
      name: 'domain-not-imported',
      why: 'A node of a domain that opset_import does not list.',
      model: modelWith((m) => { m.graph!.node!.push({ opType: 'Gelu', domain: 'com.microsoft', input: ['y'], output: ['z'] }); }),
      expect: ["uses domain 'com.microsoft', which the model does not import"],
    },
    {
      name: 'function-body-checked',
      why: 'Local function bodies are resolved against the function\'s own opset_import.',
      model: modelWith((m) => {
        m.opsetImport!.push({ domain: 'local', version: 1 });
        m.graph!.node = [{ opType: 'F', domain: 'local', input: ['x', 'W'], output: ['y'] }];
        m.functions = [{ name: 'F', domain: 'local', input: ['a', 'b'], output: ['c'], opsetImport: [{ domain: '', version: 9 }], node: [{ opType: 'Gelu', input: ['a'], output: ['c'] }] }];
      }),
      expect: ["functions[0] (local.F): Gelu (node 0): 'Gelu' exists in ai.onnx only from opset 20, but the model imports opset 9"],
    },
  ],
};
