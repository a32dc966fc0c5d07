/** Defaults of `BenchOptions`, shared by the runner and the report (no onnxruntime import here). */
export const DEFAULTS = { iterations: 100, warmup: 5, profileIterations: 10, graphOptimization: 'all', provider: 'cpu', seed: 1 } as const;
