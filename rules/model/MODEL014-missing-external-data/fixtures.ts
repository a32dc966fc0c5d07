import { DataType } from '../../../server/src/onnx/data-types';
import { float32Raw, type ModelSpec } from '../../../server/src/onnx/encode';
import { modelWith, type RuleFixtures } from '../fixture';

const external = (location: string, extra: { key: string; value: string }[] = []): ModelSpec =>
  modelWith((m) => {
    m.graph!.initializer = [{ name: 'W', dataType: DataType.FLOAT, dims: [4, 2], dataLocation: 1, externalData: [{ key: 'location', value: location }, ...extra] }];
  });

const weights = float32Raw([1, 2, 3, 4, 5, 6, 7, 8]);

export const fixtures: RuleFixtures = {
  valid: [
    { name: 'data-beside-model', why: 'model.data next to model.onnx, 32 bytes as needed.', model: external('model.data'), files: { 'model.data': weights }, expect: [] },
    {
      name: 'offset-into-shared-file',
      why: 'Several tensors share one file at offsets.',
      model: external('weights/all.bin', [{ key: 'offset', value: '16' }, { key: 'length', value: '32' }]),
      files: { 'weights/all.bin': new Uint8Array(48) },
      expect: [],
    },
  ],
  invalid: [
    { name: 'missing-file', why: 'The .onnx was copied without its data file.', model: external('model.data'), expect: ["initializer 'W': external data file 'model.data' does not exist"] },
    { name: 'escapes-folder', why: 'A location that leaves the model folder is refused, not read.', model: external('../secrets.bin'), expect: ["external data location '../secrets.bin' escapes the model's folder"] },
    { name: 'absolute-path', why: 'Absolute locations are refused.', model: external('/etc/passwd'), expect: ["external data location '/etc/passwd' is absolute"] },
    { name: 'file-too-short', why: 'A truncated data file (interrupted copy).', model: external('model.data'), files: { 'model.data': weights.subarray(0, 20) }, expect: ["runs past the end of 'model.data' (size 20)"] },
  ],
};
