/**
 * Plain JSON types of the model side that cross process boundaries: the model summary
 * (`ml-hygiene inspect --format json`, the graph webview), node details and tensor
 * statistics. Produced by server/src/onnx; nothing here holds weight values except the
 * statistics of one tensor asked for.
 */
import type { Finding } from './findings';

/** A dimension: a number, a symbolic name (`N`, `batch`), or null when unknown. */
export type DimSummary = number | string | null;

/** A value's type: element type and shape; `shape` null means unknown rank. */
export interface ValueTypeSummary {
  /** `tensor`, `sparse_tensor`, `sequence`, `map`, `optional`, `opaque`, or `unknown`. */
  kind: string;
  /** Element type name (`FLOAT`, `INT64`, ...), '' when not a tensor or unknown. */
  elemType: string;
  shape: DimSummary[] | null;
  /** The type as ONNX's text syntax spells it, e.g. `float[N,3,224,224]`, `seq(float[3])`. */
  text: string;
}

export interface ValueSummary {
  name: string;
  type: ValueTypeSummary | null;
  docString?: string;
  /** Where the type came from: declared in the model, or inferred by ML Hygiene. */
  typeSource?: 'declared' | 'inferred';
}

export interface AttributeSummary {
  name: string;
  /** AttributeType name: `INT`, `FLOATS`, `GRAPH`, ... */
  type: string;
  /** The value rendered as in ONNX's text syntax; tensors show dtype and shape only. */
  value: string;
  /** For `ref_attr_name` inside functions. */
  refAttrName?: string;
}

export interface NodeSummary {
  /** Index in its graph's node list. */
  index: number;
  name: string;
  opType: string;
  /** '' for the default ai.onnx domain. */
  domain: string;
  overload?: string;
  attributes: AttributeSummary[];
  inputs: ValueSummary[];
  outputs: ValueSummary[];
  /** Floating-point operations (a multiply-add counts 2); null when shapes are unknown or the op is not costed. */
  flops: number | null;
  /** Multiply-accumulates of the op's dominant product (Conv, MatMul, Gemm, attention); null when not applicable. */
  macs: number | null;
  /** NodeProto.metadata_props (PyTorch writes `stack_trace`, `namespace`, `class_hierarchy`). */
  metadata?: Record<string, string>;
  docString?: string;
  /** Graph-valued attributes (If branches, Loop/Scan bodies), by attribute name. */
  subgraphs?: { attribute: string; graph: GraphSummary }[];
}

export interface GraphSummary {
  name: string;
  /** Nodes of this graph (not counting nested subgraphs). */
  nodeCount: number;
  initializerCount: number;
  sparseInitializerCount: number;
  inputs: ValueSummary[];
  outputs: ValueSummary[];
  nodes: NodeSummary[];
  metadata?: Record<string, string>;
}

export interface ParametersByType {
  dataType: string;
  tensors: number;
  elements: number;
  bytes: number;
}

export interface ParameterSummary {
  /** Elements of all initializers (main graph, subgraphs and sparse initializers' values). */
  count: number;
  bytes: number;
  /** Of `bytes`, what lives in external data files. */
  externalBytes: number;
  tensors: number;
  byDataType: ParametersByType[];
}

export interface FlopsSummary {
  /** Total FLOPs of the costed nodes, symbolic dimensions taken as 1 (so: per unit of each). */
  total: number;
  macs: number;
  byOpType: Record<string, number>;
  /** Symbolic dimensions that were taken as 1. */
  symbolicDims: string[];
  /** Nodes of costed op types whose shapes were not known, so their cost is missing from the totals. */
  uncostedNodes: number;
}

export interface ModelSummary {
  path: string;
  fileSize: number;
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: { name: string; version: string };
  domain: string;
  modelVersion: string;
  docString: string;
  metadata: Record<string, string>;
  graph: GraphSummary;
  functions: { domain: string; name: string; overload?: string; inputs: string[]; outputs: string[]; nodeCount: number }[];
  trainingInfoCount: number;
  parameters: ParameterSummary;
  flops: FlopsSummary;
  /** Present in the CLI's JSON: the MODEL rules' findings. */
  findings?: Finding[];
}

export interface HistogramSummary {
  /** Range that the buckets split evenly. */
  min: number;
  max: number;
  counts: number[];
}

/** Statistics of one tensor's values (`null` where there is no finite value). */
export interface TensorStats {
  name: string;
  dataType: string;
  dims: number[];
  elementCount: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  zeros: number;
  nan: number;
  posInf: number;
  negInf: number;
  histogram: HistogramSummary;
}
