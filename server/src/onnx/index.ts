/**
 * The model side of the engine: decode an .onnx file (lazily: weights stay on disk),
 * summarize it, read one tensor's statistics, print it as ONNX text, lint it (MODEL rules).
 * Pure functions and plain data; the LSP server and the CLI present them.
 */
export { decodeModelFile, INLINE_BYTES_LIMIT } from './decode';
export { OnnxDecodeError } from './errors';
export type * from './model';
export { summarizeModel, summarizeParameters, forEachGraph, tensorByteLength } from './summary';
export { tensorStatistics, scanNonFinite, checkExternalData, resolveExternalLocation, TensorDataError } from './tensor-data';
export type { TensorStatsOptions, NonFiniteScan, NonFiniteScanOptions } from './tensor-data';
export { modelToText, typeToText } from './text';
export { lintModel, lintDecodedModel, MODEL_FILE_RANGE } from './lint';
export type { ModelContext, ModelRule, LintModelOptions, ModelReportOptions } from './lint';
export { inferGraphTypes, type Dim, type ValueType } from './shapes';
export { nodeCost } from './flops';
export { resolveOperator } from './operators';
export { BUNDLED_RUNTIME } from './runtime-support';
export { dataTypeName, DataType } from './data-types';
