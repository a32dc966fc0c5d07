/** Small models for the benchmark tests, built with the project's ONNX encoder. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeModel, float32Raw, type ModelSpec } from '../../server/src/onnx/encode';

export const SHARED_NODE = path.join(__dirname, '..', '..', '..', 'shared', 'models', 'onnx-backend', 'node');
export const SQUEEZENET = path.join(__dirname, '..', '..', 'examples', 'models', 'squeezenet.onnx');

const FLOAT = 1;
const INT64 = 7;
const BFLOAT16 = 16;

function write(dir: string, name: string, spec: ModelSpec): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, encodeModel(spec));
  return file;
}

const base = { irVersion: 8, opsetImport: [{ domain: '', version: 17 }] };

export function buildModels(): {
  dir: string;
  dynamic: string;
  reshape: string;
  bfloat16: string;
  badOp: string;
  garbage: string;
  matmulChain: string;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-bench-models-'));
  const w = Float32Array.from({ length: 16 * 8 }, (_, i) => ((i * 37) % 11) / 11 - 0.5);
  // X[batch, seq, 16] x W[16, 8] + 1: two symbolic dims.
  const dynamic = write(dir, 'dynamic.onnx', {
    ...base,
    graph: {
      name: 'dynamic',
      node: [
        { opType: 'MatMul', input: ['X', 'W'], output: ['H'], name: 'matmul' },
        { opType: 'Relu', input: ['H'], output: ['Y'], name: 'relu' },
      ],
      initializer: [{ name: 'W', dims: [16, 8], dataType: FLOAT, raw: float32Raw(w) }],
      input: [{ name: 'X', type: { tensor: { elemType: FLOAT, shape: ['batch', 'seq', 16] } } }],
      output: [{ name: 'Y', type: { tensor: { elemType: FLOAT, shape: ['batch', 'seq', 8] } } }],
    },
  });
  // Reshape [n] -> [-1, 4]: fails with n = 1, the default of an unset dimension.
  const reshape = write(dir, 'reshape.onnx', {
    ...base,
    graph: {
      name: 'reshape',
      node: [{ opType: 'Reshape', input: ['X', 'S'], output: ['Y'], name: 'reshape' }],
      initializer: [{ name: 'S', dims: [2], dataType: INT64, int64Data: [-1, 4] }],
      input: [{ name: 'X', type: { tensor: { elemType: FLOAT, shape: ['n'] } } }],
      output: [{ name: 'Y', type: { tensor: { elemType: FLOAT, shape: [null, 4] } } }],
    },
  });
  const bfloat16 = write(dir, 'bfloat16.onnx', {
    ...base,
    graph: {
      name: 'bf16',
      node: [{ opType: 'Cast', input: ['X'], output: ['Y'], name: 'cast', attribute: [{ name: 'to', type: 2, i: FLOAT }] }],
      input: [{ name: 'X', type: { tensor: { elemType: BFLOAT16, shape: [4] } } }],
      output: [{ name: 'Y', type: { tensor: { elemType: FLOAT, shape: [4] } } }],
    },
  });
  // Decodes fine; onnxruntime refuses the unknown operator.
  const badOp = write(dir, 'bad-op.onnx', {
    ...base,
    graph: {
      name: 'bad',
      node: [{ opType: 'NoSuchOperator', input: ['X'], output: ['Y'], name: 'mystery' }],
      input: [{ name: 'X', type: { tensor: { elemType: FLOAT, shape: [4] } } }],
      output: [{ name: 'Y', type: { tensor: { elemType: FLOAT, shape: [4] } } }],
    },
  });
  const garbage = path.join(dir, 'garbage.onnx');
  fs.writeFileSync(garbage, Buffer.from('this is not a protobuf model at all \x00\xff\xff\xff\xff'));
  // Four chained 256x256 MatMuls: MatMul-heavy, for the roofline.
  const n = 256;
  const weights = [0, 1, 2, 3].map((k) => ({ name: `W${k}`, dims: [n, n], dataType: FLOAT, raw: float32Raw(Float32Array.from({ length: n * n }, (_, i) => (((i + k) * 31) % 17) / 170 - 0.05)) }));
  const matmulChain = write(dir, 'matmul-chain.onnx', {
    ...base,
    graph: {
      name: 'matmul_chain',
      node: [0, 1, 2, 3].map((k) => ({ opType: 'MatMul', input: [k ? `H${k}` : 'X', `W${k}`], output: [k === 3 ? 'Y' : `H${k + 1}`], name: `mm${k}` })),
      initializer: weights,
      input: [{ name: 'X', type: { tensor: { elemType: FLOAT, shape: ['batch', n] } } }],
      output: [{ name: 'Y', type: { tensor: { elemType: FLOAT, shape: ['batch', n] } } }],
    },
  });
  return { dir, dynamic, reshape, bfloat16, badOp, garbage, matmulChain };
}
