/**
 * Decodes an ONNX model file (ModelProto, onnx.proto of ONNX 1.22 / IR 13, plus IR 14's
 * Opaque type) into the plain objects of `model.ts`.
 *
 * The schema lives here as field numbers in one `switch` per message: a hand-written
 * decoder over protobufjs' Reader primitives, because a generated one (protobufjs static
 * code or `Type.decode`) reads every bytes field into memory, and ONNX puts the weights in
 * bytes fields. Weight payloads (raw_data and the typed *_data fields) are recorded as
 * file offsets and skipped; everything else is decoded.
 *
 * As protobuf does, a known field with an unexpected wire type is skipped like an unknown
 * field, and repeated scalars are accepted packed and unpacked.
 */
import { OnnxDecodeError } from './errors';
import {
  AttributeType,
  type Attribute,
  type BytesValue,
  type DeviceConfiguration,
  type Dimension,
  type FieldRun,
  type FunctionDef,
  type Graph,
  type Int64,
  type IntIntListEntry,
  type ModelProto,
  type Node,
  type NodeDeviceConfiguration,
  type OnnxModel,
  type OperatorSetId,
  type ShardedDim,
  type ShardingSpec,
  type SimpleShardedDim,
  type SparseTensor,
  type StringStringEntry,
  type Tensor,
  type TensorAnnotation,
  type TensorPayload,
  type TensorSegment,
  type TensorShape,
  type TrainingInfo,
  type TypedDataField,
  type TypeProto,
  type TypeValue,
  type ValueInfo,
} from './model';
import { PositionalFile } from './positional-file';
import { WireCursor, WireType } from './wire';

/** The window buffer of the last decode, reused by the next one (decoding is synchronous). */
let reusableWindow: Buffer | undefined;
const MAX_REUSED_WINDOW = 4 * 1024 * 1024;

/** Attribute bytes up to this size are decoded as text; larger ones stay in the file. */
export const INLINE_BYTES_LIMIT = 1024 * 1024;

const V = WireType.VARINT;
const L = WireType.LENGTH_DELIMITED;
const F32 = WireType.FIXED32;

/**
 * Decodes the model at `path`, reading by position. Throws `OnnxDecodeError` for anything
 * that is not a well-formed ONNX model (including an empty file, which Python's onnx.load
 * accepts as an empty model), and the fs error for a file that cannot be opened.
 */
export function decodeModelFile(path: string): OnnxModel {
  const file = PositionalFile.open(path);
  try {
    if (file.size === 0) {
      throw new OnnxDecodeError(path, '', 0, 'empty file (0 bytes): not an ONNX model');
    }
    const cursor = new WireCursor(file, reusableWindow);
    reusableWindow = undefined; // taken; a nested call (none today) would allocate its own
    let proto: ModelProto;
    try {
      proto = decodeModelProto(cursor, file.size);
    } catch (error) {
      if (error instanceof OnnxDecodeError) throw error;
      // Anything else (a RangeError from a primitive) still gets a path and an offset.
      throw new OnnxDecodeError(path, cursor.fieldPath(), cursor.pos, `${(error as Error).message} at byte ${cursor.pos}`);
    } finally {
      // Keep the window for the next decode unless a huge string made it grow.
      if (cursor.buffer.length <= MAX_REUSED_WINDOW) reusableWindow = cursor.buffer;
    }
    if (proto.irVersion === 0 && proto.graph === undefined && proto.opsetImport.length === 0 && proto.functions.length === 0) {
      throw new OnnxDecodeError(path, '', 0, 'not an ONNX model: no ir_version, opset_import, graph or functions');
    }
    return { path, fileSize: file.size, proto };
  } finally {
    file.close();
  }
}

// ---- helpers ----------------------------------------------------------------------------

type Decode<T> = (c: WireCursor, end: number) => T;

/** Decodes one embedded message; the cursor is on its length prefix. */
function embedded<T>(c: WireCursor, end: number, field: string, index: number, decode: Decode<T>): T {
  // Entered first, so a bad length prefix is reported as the field it belongs to.
  c.enter(field, index);
  const length = c.length(end);
  const value = decode(c, c.pos + length);
  c.leave();
  return value;
}

/**
 * The value of every repeated field of a node, attribute, tensor or value info that the
 * file leaves out: one shared, frozen empty list. Most nodes' attribute, metadata and
 * device lists and most attributes' seven value lists are empty; with an array for each
 * (and the spare room of the others, see `trimmed`), a 100,000-node transformer took
 * 129 MB of heap instead of 79 MB, and the young-generation collections that copy it all
 * were 40% of its decoding time. Frozen, so code that would append to a decoded model
 * fails loudly instead of changing every message.
 */
export const NONE: never[] = Object.freeze([]) as never[];

/**
 * `list` without the spare room that appending left at its end (V8 grows an array by
 * half its size plus 16 slots): the lists a decoded model keeps, such as a node's inputs
 * and a tensor's dims, would otherwise be mostly spare room.
 */
function trimmed<T>(list: T[]): T[] {
  return list.length > 1 ? list.slice() : list;
}

/** `list` with `value` appended (a new list in place of NONE). */
function appended<T>(list: T[], value: T): T[] {
  if (list === NONE) return [value];
  list.push(value);
  return list;
}

/** Appends a repeated int64 field, packed (wire 2) or not (wire 0); returns the list. */
function int64s(c: WireCursor, end: number, wire: number, target: Int64[]): Int64[] {
  const list = target === NONE ? [] : target;
  if (wire === L) {
    const length = c.length(end);
    const stop = c.pos + length;
    while (c.pos < stop) list.push(c.int64(stop));
  } else {
    list.push(c.int64(end));
  }
  return list;
}

function int64Numbers(c: WireCursor, end: number, wire: number, target: number[]): number[] {
  const list = target === NONE ? [] : target;
  if (wire === L) {
    const length = c.length(end);
    const stop = c.pos + length;
    while (c.pos < stop) list.push(c.int64Number(stop));
  } else {
    list.push(c.int64Number(end));
  }
  return list;
}

function bytesValue(c: WireCursor, end: number): BytesValue {
  const start = c.pos;
  const length = c.length(end);
  if (length <= INLINE_BYTES_LIMIT) {
    c.seek(start);
    return c.string(end);
  }
  const offset = c.pos;
  c.skipBytes(length);
  return { ref: { offset, length } };
}

function stringEntry(c: WireCursor, end: number): StringStringEntry {
  const entry: StringStringEntry = { key: '', value: '' };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | L: entry.key = c.string(end); break;
      case (2 << 3) | L: entry.value = c.string(end); break;
      default: c.skipField(tag, end);
    }
  }
  return entry;
}

/** Appends one entry of a repeated StringStringEntryProto field; returns the list. */
function stringEntries(c: WireCursor, end: number, field: string, target: StringStringEntry[]): StringStringEntry[] {
  return appended(target, embedded(c, end, field, target.length, stringEntry));
}

function operatorSetId(c: WireCursor, end: number): OperatorSetId {
  const id: OperatorSetId = { domain: '', version: 0 };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | L: id.domain = c.string(end); break;
      case (2 << 3) | V: id.version = c.int64Number(end); break;
      default: c.skipField(tag, end);
    }
  }
  return id;
}

// ---- ModelProto -------------------------------------------------------------------------

function decodeModelProto(c: WireCursor, end: number): ModelProto {
  const model: ModelProto = {
    irVersion: 0, opsetImport: [], producerName: '', producerVersion: '', domain: '', modelVersion: 0,
    docString: '', graph: undefined, metadataProps: [], trainingInfo: [], functions: [], configuration: [],
  };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | V: model.irVersion = c.int64Number(end); break;
      case (2 << 3) | L: model.producerName = c.string(end); break;
      case (3 << 3) | L: model.producerVersion = c.string(end); break;
      case (4 << 3) | L: model.domain = c.string(end); break;
      case (5 << 3) | V: model.modelVersion = c.int64(end); break;
      case (6 << 3) | L: model.docString = c.string(end); break;
      // A repeated occurrence of an embedded message merges in protobuf; ONNX writers emit
      // one graph, so a second one replaces the first (as onnx.load's result shows it).
      case (7 << 3) | L: model.graph = embedded(c, end, 'graph', -1, decodeGraph); break;
      case (8 << 3) | L: model.opsetImport.push(embedded(c, end, 'opset_import', model.opsetImport.length, operatorSetId)); break;
      case (14 << 3) | L: model.metadataProps = stringEntries(c, end, 'metadata_props', model.metadataProps); break;
      case (20 << 3) | L: model.trainingInfo.push(embedded(c, end, 'training_info', model.trainingInfo.length, decodeTrainingInfo)); break;
      case (25 << 3) | L: model.functions.push(embedded(c, end, 'functions', model.functions.length, decodeFunction)); break;
      case (26 << 3) | L: model.configuration.push(embedded(c, end, 'configuration', model.configuration.length, decodeDeviceConfiguration)); break;
      default: c.skipField(tag, end);
    }
  }
  return model;
}

function decodeDeviceConfiguration(c: WireCursor, end: number): DeviceConfiguration {
  const config: DeviceConfiguration = { name: '', numDevices: 0, device: [] };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | L: config.name = c.string(end); break;
      case (2 << 3) | V: config.numDevices = c.int32(end); break;
      case (3 << 3) | L: config.device.push(c.string(end)); break;
      default: c.skipField(tag, end);
    }
  }
  return config;
}

function decodeTrainingInfo(c: WireCursor, end: number): TrainingInfo {
  const info: TrainingInfo = { initialization: undefined, algorithm: undefined, initializationBinding: [], updateBinding: [] };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | L: info.initialization = embedded(c, end, 'initialization', -1, decodeGraph); break;
      case (2 << 3) | L: info.algorithm = embedded(c, end, 'algorithm', -1, decodeGraph); break;
      case (3 << 3) | L: info.initializationBinding = stringEntries(c, end, 'initialization_binding', info.initializationBinding); break;
      case (4 << 3) | L: info.updateBinding = stringEntries(c, end, 'update_binding', info.updateBinding); break;
      default: c.skipField(tag, end);
    }
  }
  return info;
}

function decodeFunction(c: WireCursor, end: number): FunctionDef {
  const fn: FunctionDef = {
    name: '', input: [], output: [], attribute: [], attributeProto: [], node: [], docString: '',
    opsetImport: [], domain: '', overload: '', valueInfo: [], metadataProps: [],
  };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | L: fn.name = c.string(end); break;
      case (4 << 3) | L: fn.input.push(c.string(end)); break;
      case (5 << 3) | L: fn.output.push(c.string(end)); break;
      case (6 << 3) | L: fn.attribute.push(c.string(end)); break;
      case (7 << 3) | L: fn.node.push(embedded(c, end, 'node', fn.node.length, decodeNode)); break;
      case (8 << 3) | L: fn.docString = c.string(end); break;
      case (9 << 3) | L: fn.opsetImport.push(embedded(c, end, 'opset_import', fn.opsetImport.length, operatorSetId)); break;
      case (10 << 3) | L: fn.domain = c.string(end); break;
      case (11 << 3) | L: fn.attributeProto.push(embedded(c, end, 'attribute_proto', fn.attributeProto.length, decodeAttribute)); break;
      case (12 << 3) | L: fn.valueInfo.push(embedded(c, end, 'value_info', fn.valueInfo.length, decodeValueInfo)); break;
      case (13 << 3) | L: fn.overload = c.string(end); break;
      case (14 << 3) | L: fn.metadataProps = stringEntries(c, end, 'metadata_props', fn.metadataProps); break;
      default: c.skipField(tag, end);
    }
  }
  return fn;
}

// ---- GraphProto and NodeProto -----------------------------------------------------------

function decodeGraph(c: WireCursor, end: number): Graph {
  const graph: Graph = {
    node: [], name: '', initializer: [], sparseInitializer: [], docString: '', input: [], output: [],
    valueInfo: [], quantizationAnnotation: [], metadataProps: [],
  };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | L: graph.node.push(embedded(c, end, 'node', graph.node.length, decodeNode)); break;
      case (2 << 3) | L: graph.name = c.string(end); break;
      case (5 << 3) | L: graph.initializer.push(embedded(c, end, 'initializer', graph.initializer.length, decodeTensor)); break;
      case (10 << 3) | L: graph.docString = c.string(end); break;
      case (11 << 3) | L: graph.input.push(embedded(c, end, 'input', graph.input.length, decodeValueInfo)); break;
      case (12 << 3) | L: graph.output.push(embedded(c, end, 'output', graph.output.length, decodeValueInfo)); break;
      case (13 << 3) | L: graph.valueInfo.push(embedded(c, end, 'value_info', graph.valueInfo.length, decodeValueInfo)); break;
      case (14 << 3) | L:
        graph.quantizationAnnotation.push(embedded(c, end, 'quantization_annotation', graph.quantizationAnnotation.length, decodeTensorAnnotation));
        break;
      case (15 << 3) | L:
        graph.sparseInitializer.push(embedded(c, end, 'sparse_initializer', graph.sparseInitializer.length, decodeSparseTensor));
        break;
      case (16 << 3) | L: graph.metadataProps = stringEntries(c, end, 'metadata_props', graph.metadataProps); break;
      default: c.skipField(tag, end);
    }
  }
  return graph;
}

function decodeTensorAnnotation(c: WireCursor, end: number): TensorAnnotation {
  const annotation: TensorAnnotation = { tensorName: '', quantParameterTensorNames: [] };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | L: annotation.tensorName = c.string(end); break;
      case (2 << 3) | L: annotation.quantParameterTensorNames = stringEntries(c, end, 'quant_parameter_tensor_names', annotation.quantParameterTensorNames); break;
      default: c.skipField(tag, end);
    }
  }
  return annotation;
}

function decodeNode(c: WireCursor, end: number): Node {
  const node: Node = {
    input: NONE, output: NONE, name: '', opType: '', domain: '', overload: '', attribute: NONE, docString: '',
    metadataProps: NONE, deviceConfigurations: NONE,
  };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | L: node.input = appended(node.input, c.string(end)); break;
      case (2 << 3) | L: node.output = appended(node.output, c.string(end)); break;
      case (3 << 3) | L: node.name = c.string(end); break;
      case (4 << 3) | L: node.opType = c.string(end); break;
      case (5 << 3) | L: node.attribute = appended(node.attribute, embedded(c, end, 'attribute', node.attribute.length, decodeAttribute)); break;
      case (6 << 3) | L: node.docString = c.string(end); break;
      case (7 << 3) | L: node.domain = c.string(end); break;
      case (8 << 3) | L: node.overload = c.string(end); break;
      case (9 << 3) | L: node.metadataProps = stringEntries(c, end, 'metadata_props', node.metadataProps); break;
      case (10 << 3) | L:
        node.deviceConfigurations = appended(node.deviceConfigurations, embedded(c, end, 'device_configurations', node.deviceConfigurations.length, decodeNodeDeviceConfiguration));
        break;
      default: c.skipField(tag, end);
    }
  }
  node.input = trimmed(node.input);
  node.output = trimmed(node.output);
  node.attribute = trimmed(node.attribute);
  return node;
}

function decodeNodeDeviceConfiguration(c: WireCursor, end: number): NodeDeviceConfiguration {
  const config: NodeDeviceConfiguration = { configurationId: '', shardingSpec: [], pipelineStage: 0 };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | L: config.configurationId = c.string(end); break;
      case (2 << 3) | L: config.shardingSpec.push(embedded(c, end, 'sharding_spec', config.shardingSpec.length, decodeShardingSpec)); break;
      case (3 << 3) | V: config.pipelineStage = c.int32(end); break;
      default: c.skipField(tag, end);
    }
  }
  return config;
}

function decodeShardingSpec(c: WireCursor, end: number): ShardingSpec {
  const spec: ShardingSpec = { tensorName: '', device: [], indexToDeviceGroupMap: [], shardedDim: [] };
  while (c.pos < end) {
    const tag = c.tag(end);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === L) spec.tensorName = c.string(end);
    else if (field === 2 && (wire === V || wire === L)) spec.device = int64s(c, end, wire, spec.device);
    else if (field === 3 && wire === L) {
      spec.indexToDeviceGroupMap.push(embedded(c, end, 'index_to_device_group_map', spec.indexToDeviceGroupMap.length, decodeIntIntListEntry));
    } else if (field === 4 && wire === L) spec.shardedDim.push(embedded(c, end, 'sharded_dim', spec.shardedDim.length, decodeShardedDim));
    else c.skipField(tag, end);
  }
  return spec;
}

function decodeIntIntListEntry(c: WireCursor, end: number): IntIntListEntry {
  const entry: IntIntListEntry = { key: 0, value: [] };
  while (c.pos < end) {
    const tag = c.tag(end);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === V) entry.key = c.int64(end);
    else if (field === 2 && (wire === V || wire === L)) entry.value = int64s(c, end, wire, entry.value);
    else c.skipField(tag, end);
  }
  return entry;
}

function decodeShardedDim(c: WireCursor, end: number): ShardedDim {
  const dim: ShardedDim = { axis: 0, simpleSharding: [] };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | V: dim.axis = c.int64(end); break;
      case (2 << 3) | L: dim.simpleSharding.push(embedded(c, end, 'simple_sharding', dim.simpleSharding.length, decodeSimpleShardedDim)); break;
      default: c.skipField(tag, end);
    }
  }
  return dim;
}

function decodeSimpleShardedDim(c: WireCursor, end: number): SimpleShardedDim {
  const dim: SimpleShardedDim = { dimValue: undefined, dimParam: undefined, numShards: 0 };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      // A oneof: the last one set wins.
      case (1 << 3) | V: dim.dimValue = c.int64(end); dim.dimParam = undefined; break;
      case (2 << 3) | L: dim.dimParam = c.string(end); dim.dimValue = undefined; break;
      case (3 << 3) | V: dim.numShards = c.int64(end); break;
      default: c.skipField(tag, end);
    }
  }
  return dim;
}

// ---- AttributeProto ---------------------------------------------------------------------

function decodeAttribute(c: WireCursor, end: number): Attribute {
  const attr: Attribute = {
    name: '', refAttrName: '', docString: '', type: AttributeType.UNDEFINED, f: 0, i: 0, s: '',
    t: undefined, g: undefined, sparseTensor: undefined, tp: undefined, floats: NONE, ints: NONE, strings: NONE,
    tensors: NONE, graphs: NONE, sparseTensors: NONE, typeProtos: NONE,
  };
  // Which value fields were present, to infer `type` for writers that omit it (IR < 2).
  let present: AttributeType = AttributeType.UNDEFINED;
  while (c.pos < end) {
    const tag = c.tag(end);
    const field = tag >>> 3;
    const wire = tag & 7;
    switch (field) {
      case 1: if (wire === L) { attr.name = c.string(end); continue; } break;
      case 2: if (wire === F32) { attr.f = c.float(end); present ||= AttributeType.FLOAT; continue; } break;
      case 3: if (wire === V) { attr.i = c.int64(end); present ||= AttributeType.INT; continue; } break;
      case 4: if (wire === L) { attr.s = bytesValue(c, end); present ||= AttributeType.STRING; continue; } break;
      case 5: if (wire === L) { attr.t = embedded(c, end, 't', -1, decodeTensor); present ||= AttributeType.TENSOR; continue; } break;
      case 6: if (wire === L) { attr.g = embedded(c, end, 'g', -1, decodeGraph); present ||= AttributeType.GRAPH; continue; } break;
      case 7:
        if (wire === L) {
          const length = c.length(end);
          const stop = c.pos + length;
          if (attr.floats === NONE) attr.floats = [];
          while (c.pos < stop) attr.floats.push(c.float(stop));
        } else if (wire === F32) {
          attr.floats = appended(attr.floats, c.float(end));
        } else break;
        present ||= AttributeType.FLOATS;
        continue;
      case 8:
        if (wire === L || wire === V) { attr.ints = int64s(c, end, wire, attr.ints); present ||= AttributeType.INTS; continue; }
        break;
      case 9: if (wire === L) { attr.strings = appended(attr.strings, bytesValue(c, end)); present ||= AttributeType.STRINGS; continue; } break;
      case 10:
        if (wire === L) { attr.tensors = appended(attr.tensors, embedded(c, end, 'tensors', attr.tensors.length, decodeTensor)); present ||= AttributeType.TENSORS; continue; }
        break;
      case 11:
        if (wire === L) { attr.graphs = appended(attr.graphs, embedded(c, end, 'graphs', attr.graphs.length, decodeGraph)); present ||= AttributeType.GRAPHS; continue; }
        break;
      case 13: if (wire === L) { attr.docString = c.string(end); continue; } break;
      case 14: if (wire === L) { attr.tp = embedded(c, end, 'tp', -1, decodeTypeProto); present ||= AttributeType.TYPE_PROTO; continue; } break;
      case 15:
        if (wire === L) {
          attr.typeProtos = appended(attr.typeProtos, embedded(c, end, 'type_protos', attr.typeProtos.length, decodeTypeProto));
          present ||= AttributeType.TYPE_PROTOS;
          continue;
        }
        break;
      case 20: if (wire === V) { attr.type = c.int32(end); continue; } break;
      case 21: if (wire === L) { attr.refAttrName = c.string(end); continue; } break;
      case 22:
        if (wire === L) { attr.sparseTensor = embedded(c, end, 'sparse_tensor', -1, decodeSparseTensor); present ||= AttributeType.SPARSE_TENSOR; continue; }
        break;
      case 23:
        if (wire === L) {
          attr.sparseTensors = appended(attr.sparseTensors, embedded(c, end, 'sparse_tensors', attr.sparseTensors.length, decodeSparseTensor));
          present ||= AttributeType.SPARSE_TENSORS;
          continue;
        }
        break;
    }
    c.skipField(tag, end);
  }
  if (attr.type === AttributeType.UNDEFINED) attr.type = present;
  attr.ints = trimmed(attr.ints);
  attr.floats = trimmed(attr.floats);
  attr.strings = trimmed(attr.strings);
  return attr;
}

// ---- TensorProto ------------------------------------------------------------------------

/** Typed data fields by field number, with the wire type of an unpacked element. */
const TYPED_DATA_FIELDS: Readonly<Record<number, { name: TypedDataField; elementWire: number }>> = {
  4: { name: 'float_data', elementWire: WireType.FIXED32 },
  5: { name: 'int32_data', elementWire: WireType.VARINT },
  6: { name: 'string_data', elementWire: WireType.LENGTH_DELIMITED },
  7: { name: 'int64_data', elementWire: WireType.VARINT },
  10: { name: 'double_data', elementWire: WireType.FIXED64 },
  11: { name: 'uint64_data', elementWire: WireType.VARINT },
};

function decodeTensor(c: WireCursor, end: number): Tensor {
  const messageStart = c.pos;
  const tensor: Tensor = {
    name: '', dims: NONE, dataType: 0, segment: undefined, docString: '', dataLocation: 0, externalData: NONE,
    metadataProps: NONE, payload: { kind: 'empty' }, messageRange: { offset: messageStart, length: end - messageStart },
  };
  let raw: { offset: number; length: number } | undefined;
  let typedField = 0;
  let typedRuns: FieldRun[] | undefined;
  while (c.pos < end) {
    const tagStart = c.pos;
    const tag = c.tag(end);
    const field = tag >>> 3;
    const wire = tag & 7;
    switch (field) {
      case 1: if (wire === V || wire === L) { tensor.dims = int64Numbers(c, end, wire, tensor.dims); continue; } break;
      case 2: if (wire === V) { tensor.dataType = c.int32(end); continue; } break;
      case 3: if (wire === L) { tensor.segment = embedded(c, end, 'segment', -1, decodeSegment); continue; } break;
      case 8: if (wire === L) { tensor.name = c.string(end); continue; } break;
      case 9:
        if (wire === L) {
          const length = c.length(end);
          raw = { offset: c.pos, length };
          c.skipBytes(length);
          continue;
        }
        break;
      case 12: if (wire === L) { tensor.docString = c.string(end); continue; } break;
      case 13: if (wire === L) { tensor.externalData = stringEntries(c, end, 'external_data', tensor.externalData); continue; } break;
      case 14: if (wire === V) { tensor.dataLocation = c.int32(end); continue; } break;
      case 16: if (wire === L) { tensor.metadataProps = stringEntries(c, end, 'metadata_props', tensor.metadataProps); continue; } break;
      default: {
        const typed = TYPED_DATA_FIELDS[field];
        if (!typed) break;
        const packable = typed.elementWire !== WireType.LENGTH_DELIMITED;
        if (packable && wire === L) {
          // One packed payload: remember where, skip it.
          const length = c.length(end);
          if (typedField === 0) typedField = field;
          if (typedField === field) (typedRuns ??= []).push({ start: c.pos, end: c.pos + length, packed: true });
          c.skipBytes(length);
          continue;
        }
        if (wire !== typed.elementWire) break;
        // One unpacked element: skip it, and extend the run when it directly follows the last one.
        c.skipField(tag, end);
        if (typedField === 0) typedField = field;
        if (typedField === field) {
          const runs = (typedRuns ??= []);
          const last = runs[runs.length - 1];
          if (last && !last.packed && last.end === tagStart) last.end = c.pos;
          else runs.push({ start: tagStart, end: c.pos, packed: false });
        }
        continue;
      }
    }
    c.skipField(tag, end);
  }
  tensor.payload = tensorPayload(tensor, raw, typedField, typedRuns);
  tensor.dims = trimmed(tensor.dims);
  return tensor;
}

function tensorPayload(tensor: Tensor, raw: { offset: number; length: number } | undefined, typedField: number, typedRuns: FieldRun[] | undefined): TensorPayload {
  if (tensor.dataLocation === 1) {
    const entries = new Map(tensor.externalData.map((e) => [e.key, e.value]));
    return {
      kind: 'external',
      location: entries.get('location') ?? '',
      offset: entries.has('offset') ? parseExternalNumber(entries.get('offset')!) : 0,
      length: entries.has('length') ? parseExternalNumber(entries.get('length')!) : undefined,
      checksum: entries.get('checksum'),
    };
  }
  if (raw) return { kind: 'raw', range: raw };
  if (typedRuns) return { kind: 'typed', field: TYPED_DATA_FIELDS[typedField].name, runs: typedRuns };
  return { kind: 'empty' };
}

/** `offset`/`length` of external data are decimal strings; anything else becomes NaN for the lint to report. */
function parseExternalNumber(text: string): number {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
}

function decodeSegment(c: WireCursor, end: number): TensorSegment {
  const segment: TensorSegment = { begin: 0, end: 0 };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | V: segment.begin = c.int64(end); break;
      case (2 << 3) | V: segment.end = c.int64(end); break;
      default: c.skipField(tag, end);
    }
  }
  return segment;
}

function decodeSparseTensor(c: WireCursor, end: number): SparseTensor {
  const sparse: SparseTensor = { values: undefined, indices: undefined, dims: [] };
  while (c.pos < end) {
    const tag = c.tag(end);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === L) sparse.values = embedded(c, end, 'values', -1, decodeTensor);
    else if (field === 2 && wire === L) sparse.indices = embedded(c, end, 'indices', -1, decodeTensor);
    else if (field === 3 && (wire === V || wire === L)) sparse.dims = int64Numbers(c, end, wire, sparse.dims);
    else c.skipField(tag, end);
  }
  return sparse;
}

// ---- ValueInfoProto and TypeProto -------------------------------------------------------

function decodeValueInfo(c: WireCursor, end: number): ValueInfo {
  const info: ValueInfo = { name: '', type: undefined, docString: '', metadataProps: NONE };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | L: info.name = c.string(end); break;
      case (2 << 3) | L: info.type = embedded(c, end, 'type', -1, decodeTypeProto); break;
      case (3 << 3) | L: info.docString = c.string(end); break;
      case (4 << 3) | L: info.metadataProps = stringEntries(c, end, 'metadata_props', info.metadataProps); break;
      default: c.skipField(tag, end);
    }
  }
  return info;
}

function decodeTypeProto(c: WireCursor, end: number): TypeProto {
  const type: TypeProto = { value: { kind: 'none' }, denotation: '' };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | L: type.value = embedded(c, end, 'tensor_type', -1, decodeTensorTypeValue); break;
      case (4 << 3) | L: type.value = embedded(c, end, 'sequence_type', -1, decodeSequenceTypeValue); break;
      case (5 << 3) | L: type.value = embedded(c, end, 'map_type', -1, decodeMapType); break;
      case (6 << 3) | L: type.denotation = c.string(end); break;
      case (7 << 3) | L: type.value = embedded(c, end, 'opaque_type', -1, decodeOpaqueType); break;
      case (8 << 3) | L: type.value = embedded(c, end, 'sparse_tensor_type', -1, decodeSparseTensorTypeValue); break;
      case (9 << 3) | L: type.value = embedded(c, end, 'optional_type', -1, decodeOptionalTypeValue); break;
      default: c.skipField(tag, end);
    }
  }
  return type;
}

// TypeProto.Tensor and TypeProto.SparseTensor share a layout, as do Sequence and Optional.
const decodeTensorTypeValue = makeTensorTypeDecoder('tensor');
const decodeSparseTensorTypeValue = makeTensorTypeDecoder('sparse_tensor');
const decodeSequenceTypeValue = makeElementTypeDecoder('sequence');
const decodeOptionalTypeValue = makeElementTypeDecoder('optional');

function makeTensorTypeDecoder(kind: 'tensor' | 'sparse_tensor'): Decode<TypeValue> {
  return (c, end) => {
    let elemType = 0;
    let shape: TensorShape | undefined;
    while (c.pos < end) {
      const tag = c.tag(end);
      switch (tag) {
        case (1 << 3) | V: elemType = c.int32(end); break;
        case (2 << 3) | L: shape = embedded(c, end, 'shape', -1, decodeShape); break;
        default: c.skipField(tag, end);
      }
    }
    return { kind, elemType, shape };
  };
}

function makeElementTypeDecoder(kind: 'sequence' | 'optional'): Decode<TypeValue> {
  return (c, end) => {
    let elemType: TypeProto | undefined;
    while (c.pos < end) {
      const tag = c.tag(end);
      if (tag === ((1 << 3) | L)) elemType = embedded(c, end, 'elem_type', -1, decodeTypeProto);
      else c.skipField(tag, end);
    }
    return { kind, elemType };
  };
}

function decodeMapType(c: WireCursor, end: number): TypeValue {
  let keyType = 0;
  let valueType: TypeProto | undefined;
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | V: keyType = c.int32(end); break;
      case (2 << 3) | L: valueType = embedded(c, end, 'value_type', -1, decodeTypeProto); break;
      default: c.skipField(tag, end);
    }
  }
  return { kind: 'map', keyType, valueType };
}

function decodeOpaqueType(c: WireCursor, end: number): TypeValue {
  let domain = '';
  let name = '';
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | L: domain = c.string(end); break;
      case (2 << 3) | L: name = c.string(end); break;
      default: c.skipField(tag, end);
    }
  }
  return { kind: 'opaque', domain, name };
}

function decodeShape(c: WireCursor, end: number): TensorShape {
  const dims: Dimension[] = [];
  while (c.pos < end) {
    const tag = c.tag(end);
    if (tag === ((1 << 3) | L)) dims.push(embedded(c, end, 'dim', dims.length, decodeDimension));
    else c.skipField(tag, end);
  }
  return dims;
}

function decodeDimension(c: WireCursor, end: number): Dimension {
  const dim: Dimension = { value: undefined, param: undefined, denotation: '' };
  while (c.pos < end) {
    const tag = c.tag(end);
    switch (tag) {
      case (1 << 3) | V: dim.value = c.int64Number(end); dim.param = undefined; break;
      case (2 << 3) | L: dim.param = c.string(end); dim.value = undefined; break;
      case (3 << 3) | L: dim.denotation = c.string(end); break;
      default: c.skipField(tag, end);
    }
  }
  return dim;
}
