import { defineRule } from '../../../server/src/engine/rule';
import { DataType } from '../../../server/src/onnx/data-types';
import { forEachGraph, tensorByteLength } from '../../../server/src/onnx/summary';

/** Findings listed one by one up to this; the rest are summed up in one. */
const LISTED = 10;

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL011',
    name: 'float64-weights',
    family: 'MODEL',
    severity: 'warning',
    practice: 'P9',
    languages: ['onnx'],
    summary: 'Weights are stored as float64 (double), twice the size of float32, and most runtime kernels do not support double.',
    provenance: ['onnxruntime (many CPU/GPU kernels are float-only)', 'skl2onnx float64 guidance'],
    fix: 'none',
    docs: {
      what: 'Reports initializers of type DOUBLE (float64) in any graph.',
      why: 'Training in NumPy or scikit-learn defaults to float64, and the export carries it over: the file doubles in size, inference slows down, and many operators (Conv, most GPU kernels) have no double implementation, so the model fails to load or falls back to slow paths. Inference almost never needs 64-bit weights.',
      example: 'W = np.random.randn(4, 2)                # float64\ninit = onnx.numpy_helper.from_array(W, "W")\n',
      useInstead: 'W = np.random.randn(4, 2).astype(np.float32)\ninit = onnx.numpy_helper.from_array(W, "W")\n# skl2onnx: convert_sklearn(model, initial_types=[("x", FloatTensorType([None, 4]))])\n',
      references: ['https://onnxruntime.ai/docs/reference/operators/OperatorKernels.html'],
    },
  },
  check(ctx) {
    const doubles: { name: string; bytes: number; where: string }[] = [];
    forEachGraph(ctx.model, (graph, where) => {
      for (const t of graph.initializer) if (t.dataType === DataType.DOUBLE) doubles.push({ name: t.name, bytes: tensorByteLength(t), where });
    });
    for (const d of doubles.slice(0, LISTED)) {
      ctx.reportModel(`${d.where}: initializer '${d.name}' is float64 (${d.bytes} bytes; ${d.bytes / 2} as float32)`);
    }
    if (doubles.length > LISTED) {
      const rest = doubles.slice(LISTED);
      ctx.reportModel(`${rest.length} more float64 initializers (${rest.reduce((s, d) => s + d.bytes, 0)} bytes)`);
    }
  },
});
