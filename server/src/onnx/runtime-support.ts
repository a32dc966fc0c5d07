/**
 * What the bundled onnxruntime-node (package.json pins 1.30.0) accepts. Measured by
 * creating sessions on models at each version (test/onnx/runtime-support.test.ts repeats
 * that measurement against the installed package, so an upgrade that changes these fails
 * the test until they are updated).
 */
export const BUNDLED_RUNTIME = {
  name: 'onnxruntime-node',
  version: '1.30.0',
  /** Highest ModelProto.ir_version it loads. */
  maxIrVersion: 13,
  /** Highest opset per domain it loads; domains not listed are custom (not checked). */
  maxOpset: { '': 26, 'ai.onnx.ml': 5 } as Readonly<Record<string, number>>,
} as const;
