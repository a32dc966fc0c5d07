/** What to ask the user before a benchmark: the model's inputs and their symbolic dimensions (no onnxruntime). */
import type { BenchInputsResult } from '../../../protocol/bench';
import { dataTypeName } from '../onnx/data-types';
import { decodeModelFile } from '../onnx/decode';
import { OnnxDecodeError } from '../onnx/errors';
import { BenchError } from './errors';
import { dimKey, planInputs } from './inputs';

export function describeInputs(modelPath: string): BenchInputsResult {
  let plans;
  try {
    plans = planInputs(decodeModelFile(modelPath));
  } catch (e) {
    if (e instanceof OnnxDecodeError) throw new BenchError('modelLoad', e.message);
    const code = (e as NodeJS.ErrnoException).code;
    throw new BenchError('modelLoad', `${modelPath}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const dims = new Map<string, { key: string; inputs: string[]; firstAxisOnly: boolean }>();
  for (const p of plans) {
    (p.shape ?? []).forEach((d, axis) => {
      if (typeof d === 'number') return;
      const key = dimKey(p.name, axis, d);
      const entry = dims.get(key) ?? { key, inputs: [], firstAxisOnly: true };
      if (!entry.inputs.includes(p.name)) entry.inputs.push(p.name);
      if (axis !== 0) entry.firstAxisOnly = false;
      dims.set(key, entry);
    });
  }
  return {
    inputs: plans.map((p) => ({ name: p.name, elemType: p.kind === 'tensor' ? dataTypeName(p.elemType) : p.kind, shape: p.shape ?? [] })),
    symbolicDims: [...dims.values()],
    unsupported: plans.filter((p) => !p.ortType).map((p) => p.name),
  };
}
