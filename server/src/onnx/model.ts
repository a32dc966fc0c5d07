/**
 * The decoded ONNX model: plain objects mirroring onnx.proto (ONNX 1.22, IR 13, plus the
 * Opaque type of IR 14) with camelCase names. Tensor payloads are never held here: a
 * tensor records where its bytes are in the file (`TensorPayload`), and `tensor-data.ts`
 * reads them on request.
 */

/** An int64 field: a number when it is a safe integer, a bigint otherwise (INT64_MAX in Slice ends). */
export type Int64 = number | bigint;

export interface StringStringEntry {
  key: string;
  value: string;
}

export interface OperatorSetId {
  /** '' is the default ai.onnx domain. */
  domain: string;
  version: number;
}

/** A byte range of the model file (absolute offsets). */
export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * A run of one repeated scalar field inside a TensorProto: either one packed payload or
 * consecutive unpacked elements (tag + value each), which `tensor-data.ts` re-parses.
 */
export interface FieldRun {
  /** First byte: the packed payload's first byte, or the first element's tag. */
  start: number;
  /** One past the last byte. */
  end: number;
  packed: boolean;
}

/** TensorProto typed-data fields and their numbers. */
export type TypedDataField = 'float_data' | 'int32_data' | 'string_data' | 'int64_data' | 'double_data' | 'uint64_data';

/** Where a tensor's values live. Nothing here holds the values themselves. */
export type TensorPayload =
  | { kind: 'empty' }
  | { kind: 'raw'; range: ByteRange }
  | { kind: 'typed'; field: TypedDataField; runs: FieldRun[] }
  | {
      kind: 'external';
      /** `location` as written in the model (relative to the model's folder). */
      location: string;
      /** Byte offset in the external file (`offset` key, default 0). */
      offset: number;
      /** `length` key when present. */
      length: number | undefined;
      checksum: string | undefined;
    };

export interface TensorSegment {
  begin: Int64;
  end: Int64;
}

export interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  segment: TensorSegment | undefined;
  docString: string;
  /** `data_location`: 0 DEFAULT, 1 EXTERNAL. */
  dataLocation: number;
  externalData: StringStringEntry[];
  metadataProps: StringStringEntry[];
  payload: TensorPayload;
  /** Where this TensorProto message is in the file. */
  messageRange: ByteRange;
}

export interface SparseTensor {
  values: Tensor | undefined;
  indices: Tensor | undefined;
  dims: number[];
}

export interface Dimension {
  /** dim_value when set. */
  value: number | undefined;
  /** dim_param when set (a symbolic dimension). */
  param: string | undefined;
  denotation: string;
}

/** TensorShapeProto; `undefined` where a type has no shape (unknown rank). */
export type TensorShape = Dimension[];

export type TypeValue =
  | { kind: 'tensor'; elemType: number; shape: TensorShape | undefined }
  | { kind: 'sparse_tensor'; elemType: number; shape: TensorShape | undefined }
  | { kind: 'sequence'; elemType: TypeProto | undefined }
  | { kind: 'map'; keyType: number; valueType: TypeProto | undefined }
  | { kind: 'optional'; elemType: TypeProto | undefined }
  | { kind: 'opaque'; domain: string; name: string }
  | { kind: 'none' };

export interface TypeProto {
  value: TypeValue;
  denotation: string;
}

export interface ValueInfo {
  name: string;
  type: TypeProto | undefined;
  docString: string;
  metadataProps: StringStringEntry[];
}

/** AttributeProto.AttributeType values. */
export enum AttributeType {
  UNDEFINED = 0,
  FLOAT = 1,
  INT = 2,
  STRING = 3,
  TENSOR = 4,
  GRAPH = 5,
  FLOATS = 6,
  INTS = 7,
  STRINGS = 8,
  TENSORS = 9,
  GRAPHS = 10,
  SPARSE_TENSOR = 11,
  SPARSE_TENSORS = 12,
  TYPE_PROTO = 13,
  TYPE_PROTOS = 14,
}

/**
 * A bytes value (AttributeProto.s / strings). Text up to `INLINE_BYTES_LIMIT` is decoded as
 * UTF-8; larger blobs (EPContext nodes embed whole engine caches) stay in the file.
 */
export type BytesValue = string | { ref: ByteRange };

export interface Attribute {
  name: string;
  refAttrName: string;
  docString: string;
  /** The declared type, or the one inferred from the fields set when `type` is missing (old IR). */
  type: AttributeType;
  f: number;
  i: Int64;
  s: BytesValue;
  t: Tensor | undefined;
  g: Graph | undefined;
  sparseTensor: SparseTensor | undefined;
  tp: TypeProto | undefined;
  floats: number[];
  ints: Int64[];
  strings: BytesValue[];
  tensors: Tensor[];
  graphs: Graph[];
  sparseTensors: SparseTensor[];
  typeProtos: TypeProto[];
}

export interface IntIntListEntry {
  key: Int64;
  value: Int64[];
}

export interface SimpleShardedDim {
  dimValue: Int64 | undefined;
  dimParam: string | undefined;
  numShards: Int64;
}

export interface ShardedDim {
  axis: Int64;
  simpleSharding: SimpleShardedDim[];
}

export interface ShardingSpec {
  tensorName: string;
  device: Int64[];
  indexToDeviceGroupMap: IntIntListEntry[];
  shardedDim: ShardedDim[];
}

export interface NodeDeviceConfiguration {
  configurationId: string;
  shardingSpec: ShardingSpec[];
  pipelineStage: number;
}

export interface Node {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  overload: string;
  attribute: Attribute[];
  docString: string;
  metadataProps: StringStringEntry[];
  deviceConfigurations: NodeDeviceConfiguration[];
}

export interface TensorAnnotation {
  tensorName: string;
  quantParameterTensorNames: StringStringEntry[];
}

export interface Graph {
  node: Node[];
  name: string;
  initializer: Tensor[];
  sparseInitializer: SparseTensor[];
  docString: string;
  input: ValueInfo[];
  output: ValueInfo[];
  valueInfo: ValueInfo[];
  quantizationAnnotation: TensorAnnotation[];
  metadataProps: StringStringEntry[];
}

export interface TrainingInfo {
  initialization: Graph | undefined;
  algorithm: Graph | undefined;
  initializationBinding: StringStringEntry[];
  updateBinding: StringStringEntry[];
}

export interface FunctionDef {
  name: string;
  input: string[];
  output: string[];
  attribute: string[];
  attributeProto: Attribute[];
  node: Node[];
  docString: string;
  opsetImport: OperatorSetId[];
  domain: string;
  overload: string;
  valueInfo: ValueInfo[];
  metadataProps: StringStringEntry[];
}

export interface DeviceConfiguration {
  name: string;
  numDevices: number;
  device: string[];
}

export interface ModelProto {
  irVersion: number;
  opsetImport: OperatorSetId[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: Int64;
  docString: string;
  graph: Graph | undefined;
  metadataProps: StringStringEntry[];
  trainingInfo: TrainingInfo[];
  functions: FunctionDef[];
  configuration: DeviceConfiguration[];
}

/** A decoded model and where it came from. */
export interface OnnxModel {
  /** The model file, as given to `openModel`. */
  readonly path: string;
  readonly fileSize: number;
  readonly proto: ModelProto;
}
