/**
 * A small ModelProto encoder (protobufjs Writer), the mirror of `decode.ts`. It builds the
 * models that rule fixtures, tests and benchmarks need in TypeScript, including the fields
 * and data types newer than any Python onnx on the machine (node metadata_props, overload,
 * device configurations, float8/int4/int2...). Every field is optional; absent means unset.
 */
import { Writer } from 'protobufjs/minimal';
import type { Int64 } from './model';

export interface EntrySpec { key: string; value: string }
export interface DimSpec { value?: number; param?: string; denotation?: string }

export type TypeSpec =
  | { tensor: { elemType: number; shape?: (number | string | null)[] } }
  | { sparseTensor: { elemType: number; shape?: (number | string | null)[] } }
  | { sequence: TypeSpec }
  | { optional: TypeSpec }
  | { map: { keyType: number; valueType: TypeSpec } }
  | { opaque: { domain?: string; name?: string } };

export interface ValueInfoSpec { name: string; type?: TypeSpec; docString?: string; metadataProps?: EntrySpec[] }

export interface TensorSpec {
  name?: string;
  dims?: number[];
  dataType: number;
  raw?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: Int64[];
  doubleData?: number[];
  uint64Data?: Int64[];
  stringData?: string[];
  /** Writes typed data element by element instead of packed. */
  unpacked?: boolean;
  externalData?: EntrySpec[];
  dataLocation?: number;
  docString?: string;
  metadataProps?: EntrySpec[];
  segment?: { begin: Int64; end: Int64 };
}

export interface SparseTensorSpec { values?: TensorSpec; indices?: TensorSpec; dims?: number[] }

export interface AttributeSpec {
  name: string;
  type?: number;
  refAttrName?: string;
  docString?: string;
  f?: number;
  i?: Int64;
  s?: string | Uint8Array;
  t?: TensorSpec;
  g?: GraphSpec;
  sparseTensor?: SparseTensorSpec;
  tp?: TypeSpec;
  floats?: number[];
  ints?: Int64[];
  strings?: string[];
  tensors?: TensorSpec[];
  graphs?: GraphSpec[];
  typeProtos?: TypeSpec[];
}

export interface NodeSpec {
  opType: string;
  input?: string[];
  output?: string[];
  name?: string;
  domain?: string;
  overload?: string;
  attribute?: AttributeSpec[];
  docString?: string;
  metadataProps?: EntrySpec[];
  deviceConfigurations?: { configurationId?: string; pipelineStage?: number; shardingSpec?: { tensorName?: string; device?: Int64[] }[] }[];
}

export interface GraphSpec {
  name?: string;
  node?: NodeSpec[];
  initializer?: TensorSpec[];
  sparseInitializer?: SparseTensorSpec[];
  input?: ValueInfoSpec[];
  output?: ValueInfoSpec[];
  valueInfo?: ValueInfoSpec[];
  docString?: string;
  metadataProps?: EntrySpec[];
}

export interface FunctionSpec {
  name: string;
  domain: string;
  overload?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  attributeProto?: AttributeSpec[];
  node?: NodeSpec[];
  opsetImport?: { domain: string; version: number }[];
  valueInfo?: ValueInfoSpec[];
  metadataProps?: EntrySpec[];
  docString?: string;
}

export interface ModelSpec {
  irVersion?: number;
  opsetImport?: { domain: string; version: number }[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: Int64;
  docString?: string;
  graph?: GraphSpec;
  metadataProps?: EntrySpec[];
  trainingInfo?: { initialization?: GraphSpec; algorithm?: GraphSpec; initializationBinding?: EntrySpec[]; updateBinding?: EntrySpec[] }[];
  functions?: FunctionSpec[];
  configuration?: { name?: string; numDevices?: number; device?: string[] }[];
}

const VARINT = 0, FIXED64 = 1, LEN = 2, FIXED32 = 5;
const tag = (field: number, wire: number): number => ((field << 3) | wire) >>> 0;

/** int64 values go through a decimal string so bigints survive (protobufjs parses it with Long). */
function int64(w: Writer, value: Int64): void {
  w.int64(typeof value === 'bigint' ? (value.toString() as unknown as number) : value);
}

function message(w: Writer, field: number, body: (w: Writer) => void): void {
  w.uint32(tag(field, LEN)).fork();
  body(w);
  w.ldelim();
}

function str(w: Writer, field: number, value: string | undefined): void {
  if (value !== undefined && value !== '') w.uint32(tag(field, LEN)).string(value);
}

function entries(w: Writer, field: number, list: EntrySpec[] | undefined): void {
  for (const e of list ?? []) message(w, field, (m) => { str(m, 1, e.key); str(m, 2, e.value); });
}

function packedInt64s(w: Writer, field: number, values: Int64[] | undefined, unpacked = false): void {
  if (!values?.length) return;
  if (unpacked) { for (const v of values) { w.uint32(tag(field, VARINT)); int64(w, v); } return; }
  w.uint32(tag(field, LEN)).fork();
  for (const v of values) int64(w, v);
  w.ldelim();
}

function writeType(w: Writer, t: TypeSpec): void {
  const shape = (m: Writer, dims: (number | string | null)[] | undefined): void => {
    if (!dims) return;
    message(m, 2, (s) => {
      for (const d of dims) message(s, 1, (dim) => {
        if (typeof d === 'number') { dim.uint32(tag(1, VARINT)); int64(dim, d); }
        else if (typeof d === 'string') str(dim, 2, d);
      });
    });
  };
  if ('tensor' in t) message(w, 1, (m) => { m.uint32(tag(1, VARINT)).int32(t.tensor.elemType); shape(m, t.tensor.shape); });
  else if ('sparseTensor' in t) message(w, 8, (m) => { m.uint32(tag(1, VARINT)).int32(t.sparseTensor.elemType); shape(m, t.sparseTensor.shape); });
  else if ('sequence' in t) message(w, 4, (m) => message(m, 1, (e) => writeType(e, t.sequence)));
  else if ('optional' in t) message(w, 9, (m) => message(m, 1, (e) => writeType(e, t.optional)));
  else if ('map' in t) message(w, 5, (m) => { m.uint32(tag(1, VARINT)).int32(t.map.keyType); message(m, 2, (e) => writeType(e, t.map.valueType)); });
  else if ('opaque' in t) message(w, 7, (m) => { str(m, 1, t.opaque.domain); str(m, 2, t.opaque.name); });
}

function writeValueInfo(w: Writer, v: ValueInfoSpec): void {
  str(w, 1, v.name);
  if (v.type) message(w, 2, (m) => writeType(m, v.type!));
  str(w, 3, v.docString);
  entries(w, 4, v.metadataProps);
}

export function writeTensor(w: Writer, t: TensorSpec): void {
  packedInt64s(w, 1, t.dims);
  w.uint32(tag(2, VARINT)).int32(t.dataType);
  if (t.segment) message(w, 3, (m) => { m.uint32(tag(1, VARINT)); int64(m, t.segment!.begin); m.uint32(tag(2, VARINT)); int64(m, t.segment!.end); });
  if (t.floatData?.length) {
    if (t.unpacked) for (const f of t.floatData) w.uint32(tag(4, FIXED32)).float(f);
    else { w.uint32(tag(4, LEN)).fork(); for (const f of t.floatData) w.float(f); w.ldelim(); }
  }
  if (t.int32Data?.length) {
    if (t.unpacked) for (const v of t.int32Data) w.uint32(tag(5, VARINT)).int32(v);
    else { w.uint32(tag(5, LEN)).fork(); for (const v of t.int32Data) w.int32(v); w.ldelim(); }
  }
  for (const s of t.stringData ?? []) w.uint32(tag(6, LEN)).bytes(Buffer.from(s, 'utf8'));
  packedInt64s(w, 7, t.int64Data, t.unpacked);
  str(w, 8, t.name);
  if (t.raw) w.uint32(tag(9, LEN)).bytes(t.raw);
  if (t.doubleData?.length) {
    if (t.unpacked) for (const d of t.doubleData) w.uint32(tag(10, FIXED64)).double(d);
    else { w.uint32(tag(10, LEN)).fork(); for (const d of t.doubleData) w.double(d); w.ldelim(); }
  }
  packedInt64s(w, 11, t.uint64Data, t.unpacked);
  str(w, 12, t.docString);
  entries(w, 13, t.externalData);
  if (t.dataLocation !== undefined) w.uint32(tag(14, VARINT)).int32(t.dataLocation);
  entries(w, 16, t.metadataProps);
}

function writeSparse(w: Writer, s: SparseTensorSpec): void {
  if (s.values) message(w, 1, (m) => writeTensor(m, s.values!));
  if (s.indices) message(w, 2, (m) => writeTensor(m, s.indices!));
  packedInt64s(w, 3, s.dims);
}

function writeAttribute(w: Writer, a: AttributeSpec): void {
  str(w, 1, a.name);
  if (a.f !== undefined) w.uint32(tag(2, FIXED32)).float(a.f);
  if (a.i !== undefined) { w.uint32(tag(3, VARINT)); int64(w, a.i); }
  if (a.s !== undefined) w.uint32(tag(4, LEN)).bytes(typeof a.s === 'string' ? Buffer.from(a.s, 'utf8') : a.s);
  if (a.t) message(w, 5, (m) => writeTensor(m, a.t!));
  if (a.g) message(w, 6, (m) => writeGraph(m, a.g!));
  if (a.floats?.length) { w.uint32(tag(7, LEN)).fork(); for (const f of a.floats) w.float(f); w.ldelim(); }
  packedInt64s(w, 8, a.ints);
  for (const s of a.strings ?? []) w.uint32(tag(9, LEN)).bytes(Buffer.from(s, 'utf8'));
  for (const t of a.tensors ?? []) message(w, 10, (m) => writeTensor(m, t));
  for (const g of a.graphs ?? []) message(w, 11, (m) => writeGraph(m, g));
  str(w, 13, a.docString);
  if (a.tp) message(w, 14, (m) => writeType(m, a.tp!));
  for (const t of a.typeProtos ?? []) message(w, 15, (m) => writeType(m, t));
  if (a.type !== undefined) w.uint32(tag(20, VARINT)).int32(a.type);
  str(w, 21, a.refAttrName);
  if (a.sparseTensor) message(w, 22, (m) => writeSparse(m, a.sparseTensor!));
}

function writeNode(w: Writer, n: NodeSpec): void {
  for (const i of n.input ?? []) w.uint32(tag(1, LEN)).string(i);
  for (const o of n.output ?? []) w.uint32(tag(2, LEN)).string(o);
  str(w, 3, n.name);
  str(w, 4, n.opType);
  for (const a of n.attribute ?? []) message(w, 5, (m) => writeAttribute(m, a));
  str(w, 6, n.docString);
  str(w, 7, n.domain);
  str(w, 8, n.overload);
  entries(w, 9, n.metadataProps);
  for (const d of n.deviceConfigurations ?? []) {
    message(w, 10, (m) => {
      str(m, 1, d.configurationId);
      for (const s of d.shardingSpec ?? []) message(m, 2, (spec) => { str(spec, 1, s.tensorName); packedInt64s(spec, 2, s.device); });
      if (d.pipelineStage !== undefined) m.uint32(tag(3, VARINT)).int32(d.pipelineStage);
    });
  }
}

function writeGraph(w: Writer, g: GraphSpec): void {
  for (const n of g.node ?? []) message(w, 1, (m) => writeNode(m, n));
  str(w, 2, g.name);
  for (const t of g.initializer ?? []) message(w, 5, (m) => writeTensor(m, t));
  str(w, 10, g.docString);
  for (const v of g.input ?? []) message(w, 11, (m) => writeValueInfo(m, v));
  for (const v of g.output ?? []) message(w, 12, (m) => writeValueInfo(m, v));
  for (const v of g.valueInfo ?? []) message(w, 13, (m) => writeValueInfo(m, v));
  for (const s of g.sparseInitializer ?? []) message(w, 15, (m) => writeSparse(m, s));
  entries(w, 16, g.metadataProps);
}

function writeFunction(w: Writer, f: FunctionSpec): void {
  str(w, 1, f.name);
  for (const i of f.input ?? []) w.uint32(tag(4, LEN)).string(i);
  for (const o of f.output ?? []) w.uint32(tag(5, LEN)).string(o);
  for (const a of f.attribute ?? []) w.uint32(tag(6, LEN)).string(a);
  for (const n of f.node ?? []) message(w, 7, (m) => writeNode(m, n));
  str(w, 8, f.docString);
  for (const o of f.opsetImport ?? []) message(w, 9, (m) => { str(m, 1, o.domain); m.uint32(tag(2, VARINT)); int64(m, o.version); });
  str(w, 10, f.domain);
  for (const a of f.attributeProto ?? []) message(w, 11, (m) => writeAttribute(m, a));
  for (const v of f.valueInfo ?? []) message(w, 12, (m) => writeValueInfo(m, v));
  str(w, 13, f.overload);
  entries(w, 14, f.metadataProps);
}

/** Encodes a model; fields are written in field-number order as protobuf serializers do. */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const w = Writer.create();
  if (spec.irVersion !== undefined) { w.uint32(tag(1, VARINT)); int64(w, spec.irVersion); }
  str(w, 2, spec.producerName);
  str(w, 3, spec.producerVersion);
  str(w, 4, spec.domain);
  if (spec.modelVersion !== undefined) { w.uint32(tag(5, VARINT)); int64(w, spec.modelVersion); }
  str(w, 6, spec.docString);
  if (spec.graph) message(w, 7, (m) => writeGraph(m, spec.graph!));
  for (const o of spec.opsetImport ?? []) message(w, 8, (m) => { str(m, 1, o.domain); m.uint32(tag(2, VARINT)); int64(m, o.version); });
  entries(w, 14, spec.metadataProps);
  for (const t of spec.trainingInfo ?? []) {
    message(w, 20, (m) => {
      if (t.initialization) message(m, 1, (g) => writeGraph(g, t.initialization!));
      if (t.algorithm) message(m, 2, (g) => writeGraph(g, t.algorithm!));
      entries(m, 3, t.initializationBinding);
      entries(m, 4, t.updateBinding);
    });
  }
  for (const f of spec.functions ?? []) message(w, 25, (m) => writeFunction(m, f));
  for (const c of spec.configuration ?? []) {
    message(w, 26, (m) => {
      str(m, 1, c.name);
      if (c.numDevices !== undefined) m.uint32(tag(2, VARINT)).int32(c.numDevices);
      for (const d of c.device ?? []) m.uint32(tag(3, LEN)).string(d);
    });
  }
  return w.finish();
}

/** Float32 values as raw_data bytes (little-endian). */
export function float32Raw(values: ArrayLike<number>): Uint8Array {
  const out = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i], i * 4);
  return out;
}

/** Int64 values as raw_data bytes (little-endian). */
export function int64Raw(values: readonly Int64[]): Uint8Array {
  const out = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => out.writeBigInt64LE(BigInt(v), i * 8));
  return out;
}
