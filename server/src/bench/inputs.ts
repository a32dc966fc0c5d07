/**
 * A benchmark's inputs: which inputs the model needs (from the decoded model), the value of
 * every symbolic dimension (the user's, the batch size, or 1 stated as a default), and
 * their values: seeded random numbers in a range, or a file (`.npy`, `.json`, ONNX
 * `TensorProto` `.pb`). Plain data out (`InputValue`); the runner wraps it in ort Tensors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Reader } from 'protobufjs/minimal';
import type { BenchOptions, DimensionChoice, InputSource } from '../../../protocol/bench';
import { DataType, dataTypeName } from '../onnx/data-types';
import type { OnnxModel } from '../onnx/model';
import { BenchError } from './errors';

/** onnxruntime-node's tensor type for each ONNX element type it can feed (bfloat16, float8, complex, int2, float4: none). */
export const ORT_TYPE_BY_ONNX: Readonly<Record<number, string>> = {
  [DataType.FLOAT]: 'float32',
  [DataType.UINT8]: 'uint8',
  [DataType.INT8]: 'int8',
  [DataType.UINT16]: 'uint16',
  [DataType.INT16]: 'int16',
  [DataType.INT32]: 'int32',
  [DataType.INT64]: 'int64',
  [DataType.STRING]: 'string',
  [DataType.BOOL]: 'bool',
  [DataType.FLOAT16]: 'float16',
  [DataType.DOUBLE]: 'float64',
  [DataType.UINT32]: 'uint32',
  [DataType.UINT64]: 'uint64',
  [DataType.UINT4]: 'uint4',
  [DataType.INT4]: 'int4',
};

export type InputData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | string[];

export interface InputValue {
  name: string;
  type: string;
  dims: number[];
  data: InputData;
}

export interface InputPlan {
  name: string;
  /** ONNX element type (0 when not a tensor). */
  elemType: number;
  /** onnxruntime type name, undefined when onnxruntime-node cannot feed it. */
  ortType: string | undefined;
  /** `tensor`, or the kind of a non-tensor input (sequence, map, optional, ...). */
  kind: string;
  /** Declared dims: number, symbolic name, or null (dynamic, unnamed); null for unknown rank. */
  shape: (number | string | null)[] | null;
}

/** The graph inputs that are not initializers (IR < 4 models list weights as inputs too). */
export function planInputs(model: OnnxModel): InputPlan[] {
  const graph = model.proto.graph;
  if (!graph) return [];
  const initializers = new Set(graph.initializer.map((t) => t.name));
  return graph.input
    .filter((v) => !initializers.has(v.name))
    .map((v) => {
      const t = v.type?.value;
      if (!t || t.kind !== 'tensor') return { name: v.name, elemType: 0, ortType: undefined, kind: t?.kind ?? 'unknown', shape: null };
      return {
        name: v.name,
        elemType: t.elemType,
        ortType: ORT_TYPE_BY_ONNX[t.elemType],
        kind: 'tensor',
        shape: t.shape ? t.shape.map((d) => (d.value !== undefined ? d.value : d.param ? d.param : null)) : null,
      };
    });
}

/** The key a dynamic dim is set by: its symbolic name, or `INPUT[AXIS]` when unnamed. */
export function dimKey(input: string, axis: number, dim: string | null): string {
  return dim ?? `${input}[${axis}]`;
}

/** Element types onnxruntime-node 1.30 cannot feed or return: a clear error before any session is made. */
export function checkFeedableTypes(model: OnnxModel, plans: InputPlan[]): void {
  const explain = (what: string, name: string, type: string) =>
    `${what} '${name}' has element type ${type}, which onnxruntime-node 1.30 cannot ${what === 'input' ? 'feed' : 'return'}: its JavaScript tensors have no bfloat16, float8, float4, int2 or complex types. ` +
    `To benchmark this model, give it a float16/float32 ${what} (for example a Cast between the ${what} and the graph), or benchmark it with onnxruntime's Python or C++ API (onnxruntime_perf_test).`;
  for (const p of plans) {
    if (p.kind !== 'tensor') throw new BenchError('unsupportedType', `input '${p.name}' is a ${p.kind}, which the benchmark cannot synthesize: only tensor inputs are supported.`);
    if (!p.ortType) throw new BenchError('unsupportedType', explain('input', p.name, dataTypeName(p.elemType)));
  }
  for (const o of model.proto.graph?.output ?? []) {
    const t = o.type?.value;
    if (t?.kind === 'tensor' && !ORT_TYPE_BY_ONNX[t.elemType] && t.elemType !== 0) throw new BenchError('unsupportedType', explain('output', o.name, dataTypeName(t.elemType)));
  }
}

export interface ResolvedShapes {
  shapes: Map<string, number[]>;
  choices: DimensionChoice[];
  /** Dims taken as 1 because nobody set them, with where they appear. */
  defaulted: { key: string; input: string; axis: number }[];
  batchApplied: boolean;
  notes: string[];
}

/**
 * Every input's concrete shape. Order of precedence per dynamic dim: `options.dims[key]`,
 * then `batchSize` for axis 0, then 1 (stated in the report as a default). Shapes of
 * inputs loaded from files come from the file and must agree with the fixed dims.
 */
export function resolveShapes(plans: InputPlan[], options: BenchOptions, fileShapes: ReadonlyMap<string, number[]> = new Map()): ResolvedShapes {
  const dims = options.dims ?? {};
  const known = new Set<string>();
  const choices = new Map<string, DimensionChoice>();
  const defaulted: ResolvedShapes['defaulted'] = [];
  const notes: string[] = [];
  let batchApplied = false;
  const shapes = new Map<string, number[]>();
  for (const p of plans) {
    const declared = p.shape;
    const fromFile = fileShapes.get(p.name);
    if (fromFile) {
      if (declared) {
        if (declared.length !== fromFile.length)
          throw new BenchError('inputFile', `the file for input '${p.name}' has shape [${fromFile}] (rank ${fromFile.length}), but the model declares rank ${declared.length}: [${declared.map((d) => d ?? '?')}]`);
        declared.forEach((d, axis) => {
          if (typeof d === 'number' && d !== fromFile[axis])
            throw new BenchError('inputFile', `the file for input '${p.name}' has ${fromFile[axis]} at axis ${axis}, but the model fixes it to ${d} (declared shape [${declared.map((x) => x ?? '?')}])`);
          if (typeof d !== 'number') {
            const key = dimKey(p.name, axis, d);
            known.add(key);
            const user = dims[key];
            if (user !== undefined && user !== fromFile[axis])
              throw new BenchError('usage', `dimension ${key} is set to ${user}, but the file for input '${p.name}' has ${fromFile[axis]} there`);
            if (!choices.has(key)) choices.set(key, { key, value: fromFile[axis], from: 'file' });
          }
        });
      }
      shapes.set(p.name, fromFile);
      continue;
    }
    if (!declared) throw new BenchError('dimensions', `input '${p.name}' has no declared shape (unknown rank), so its values cannot be synthesized: give it a file (JSON, .npy or .pb).`);
    const shape = declared.map((d, axis) => {
      if (typeof d === 'number') return d;
      const key = dimKey(p.name, axis, d);
      known.add(key);
      const previous = choices.get(key);
      if (previous) return previous.value;
      let choice: DimensionChoice;
      if (dims[key] !== undefined) choice = { key, value: dims[key], from: 'user' };
      else if (axis === 0 && options.batchSize !== undefined) {
        choice = { key, value: options.batchSize, from: 'batch' };
        batchApplied = true;
      } else {
        choice = { key, value: 1, from: 'default' };
        defaulted.push({ key, input: p.name, axis });
      }
      choices.set(key, choice);
      return choice.value;
    });
    shapes.set(p.name, shape);
  }
  for (const key of Object.keys(dims)) {
    if (!known.has(key)) {
      const all = [...known];
      throw new BenchError('usage', `the model has no dynamic dimension '${key}'; ${all.length ? `its dynamic dimensions are: ${all.join(', ')}` : 'all its input dimensions are fixed'}`);
    }
    if (!Number.isInteger(dims[key]) || dims[key] < 0) throw new BenchError('usage', `dimension ${key} must be a whole number >= 0, not ${dims[key]}`);
  }
  if (options.batchSize !== undefined && !batchApplied) {
    const first = plans.map((p) => `${p.name}[0]=${p.shape?.[0] ?? '?'}`).join(', ');
    notes.push(`batch size ${options.batchSize} was not applied: no input has a symbolic first dimension that was not set otherwise (${first})`);
  }
  return { shapes, choices: [...choices.values()], defaulted, batchApplied, notes };
}

// ---- synthesized values ----------------------------------------------------------------------

// The same seed gives the same inputs: the project's one seeded PRNG (mulberry32).
export { seededRandom } from '../prng';

const INT_LIMITS: Record<string, [number, number]> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], int32: [-2147483648, 2147483647], uint32: [0, 4294967295],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], uint64: [0, Number.MAX_SAFE_INTEGER], int4: [-8, 7], uint4: [0, 15],
};

const FLOAT_TYPES = new Set(['float32', 'float64', 'float16']);

/** Default range of synthesized values: floats [0, 1], integers [0, 9] (safe as indices into most tables). */
export function defaultRange(type: string, options: BenchOptions): { min: number; max: number } {
  if (options.valueRange) return options.valueRange;
  return FLOAT_TYPES.has(type) ? { min: 0, max: 1 } : { min: 0, max: type === 'int4' || type === 'uint4' ? 7 : 9 };
}

/** float32 -> IEEE half bits (round to nearest even), for float16 inputs. */
export function toHalfBits(value: number): number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  e = half >>> 10;
  return sign | half;
}

/** Seeded random values of an input: uniform in [min, max] (integers inclusive; bool: fair coin). */
export function synthesizeInput(name: string, type: string, dims: number[], source: Extract<InputSource, { kind: 'random' }>, options: BenchOptions, rng: () => number): InputValue {
  const count = dims.reduce((a, b) => a * b, 1);
  const base = defaultRange(type, options);
  const min = source.min ?? base.min;
  const max = source.max ?? base.max;
  if (!(min <= max)) throw new BenchError('usage', `value range of input '${name}' is empty: min ${min} > max ${max}`);
  const uniform = () => min + (max - min) * rng();
  const limits = INT_LIMITS[type];
  const int = () => {
    const lo = Math.max(Math.ceil(min), limits[0]);
    const hi = Math.min(Math.floor(max), limits[1]);
    if (lo > hi) throw new BenchError('usage', `value range [${min}, ${max}] of input '${name}' holds no ${type} value`);
    return lo + Math.floor(rng() * (hi - lo + 1));
  };
  let data: InputData;
  switch (type) {
    case 'float32': data = Float32Array.from({ length: count }, uniform); break;
    case 'float64': data = Float64Array.from({ length: count }, uniform); break;
    case 'float16': data = Uint16Array.from({ length: count }, () => toHalfBits(uniform())); break;
    case 'bool': data = Uint8Array.from({ length: count }, () => (rng() < 0.5 ? 0 : 1)); break;
    case 'string': data = Array.from({ length: count }, () => Math.floor(rng() * 2 ** 32).toString(36)); break;
    case 'int8': data = Int8Array.from({ length: count }, int); break;
    case 'uint8': data = Uint8Array.from({ length: count }, int); break;
    case 'int16': data = Int16Array.from({ length: count }, int); break;
    case 'uint16': data = Uint16Array.from({ length: count }, int); break;
    case 'int32': data = Int32Array.from({ length: count }, int); break;
    case 'uint32': data = Uint32Array.from({ length: count }, int); break;
    case 'int64': data = BigInt64Array.from({ length: count }, () => BigInt(int())); break;
    case 'uint64': data = BigUint64Array.from({ length: count }, () => BigInt(int())); break;
    case 'int4':
    case 'uint4': {
      // Two elements per byte, low nibble first.
      const packed = new Uint8Array(Math.ceil(count / 2));
      for (let i = 0; i < count; i++) packed[i >> 1] |= (int() & 0xf) << ((i & 1) * 4);
      data = packed;
      break;
    }
    default:
      throw new BenchError('unsupportedType', `input '${name}' has type ${type}, which the benchmark cannot synthesize`);
  }
  return { name, type, dims, data };
}

// ---- input files ----------------------------------------------------------------------------

const NPY_TYPES: Record<string, string> = {
  f4: 'float32', f8: 'float64', f2: 'float16', i1: 'int8', u1: 'uint8', i2: 'int16', u2: 'uint16', i4: 'int32', u4: 'uint32', i8: 'int64', u8: 'uint64', b1: 'bool',
};

function typedFromBytes(type: string, bytes: Uint8Array, count: number, file: string): InputData {
  const copy = bytes.slice(); // aligned copy
  const buf = copy.buffer;
  const need = (width: number) => {
    if (copy.byteLength < count * width) throw new BenchError('inputFile', `${file}: holds ${copy.byteLength} bytes of data, but its shape needs ${count * width}`);
  };
  switch (type) {
    case 'float32': need(4); return new Float32Array(buf, 0, count);
    case 'float64': need(8); return new Float64Array(buf, 0, count);
    case 'float16': case 'uint16': need(2); return new Uint16Array(buf, 0, count);
    case 'int16': need(2); return new Int16Array(buf, 0, count);
    case 'int8': need(1); return new Int8Array(buf, 0, count);
    case 'uint8': case 'bool': need(1); return new Uint8Array(buf, 0, count);
    case 'int32': need(4); return new Int32Array(buf, 0, count);
    case 'uint32': need(4); return new Uint32Array(buf, 0, count);
    case 'int64': need(8); return new BigInt64Array(buf, 0, count);
    case 'uint64': need(8); return new BigUint64Array(buf, 0, count);
    default: throw new BenchError('inputFile', `${file}: element type ${type} cannot be loaded`);
  }
}

/** An `.npy` array (little-endian, C order; no object arrays: nothing is unpickled). */
export function loadNpy(file: string, bytes: Uint8Array): { type: string; dims: number[]; data: InputData } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) throw new BenchError('inputFile', `${file}: not an .npy file (the \\x93NUMPY magic is missing)`);
  const major = bytes[6];
  const lengthSize = major === 1 ? 2 : 4;
  let headerLength = 0;
  for (let i = lengthSize - 1; i >= 0; i--) headerLength = headerLength * 256 + bytes[8 + i];
  const start = 8 + lengthSize;
  const header = Buffer.from(bytes.subarray(start, start + headerLength)).toString('latin1');
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*True/.test(header);
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new BenchError('inputFile', `${file}: .npy header without a plain 'descr' and 'shape' (structured and object arrays are not inputs): ${header.trim().slice(0, 80)}`);
  if (fortran) throw new BenchError('inputFile', `${file}: the array is in Fortran order; save it with np.ascontiguousarray(a) first`);
  const m = /^([<>|=])([a-zA-Z]\d+)$/.exec(descr);
  const type = m && NPY_TYPES[m[2]];
  if (!m || !type) throw new BenchError('inputFile', `${file}: numpy dtype '${descr}' is not a type onnxruntime-node can feed`);
  if (m[1] === '>') throw new BenchError('inputFile', `${file}: the array is big-endian ('${descr}'); save it with a.astype(a.dtype.newbyteorder('<'))`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  return { type, dims, data: typedFromBytes(type, bytes.subarray(start + headerLength), count, file) };
}

/** JSON: `{ "dims": [..], "data": [..flat..], "type"?: "float32" }` or a nested array (type from the model). */
export function loadJson(file: string, text: string, expectedType: string): { type: string; dims: number[]; data: InputData } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BenchError('inputFile', `${file}: not valid JSON: ${(e as Error).message}`);
  }
  let dims: number[];
  let flat: unknown[];
  let type = expectedType;
  if (Array.isArray(value)) {
    dims = [];
    let level: unknown = value;
    while (Array.isArray(level)) {
      dims.push(level.length);
      level = level[0];
    }
    flat = (value as unknown[]).flat(dims.length);
    if (flat.length !== dims.reduce((a, b) => a * b, 1)) throw new BenchError('inputFile', `${file}: the nested array is ragged: rows of different lengths`);
  } else if (value && typeof value === 'object' && Array.isArray((value as { data?: unknown }).data)) {
    const v = value as { dims?: unknown; data: unknown[]; type?: unknown };
    flat = v.data;
    dims = Array.isArray(v.dims) ? v.dims.map(Number) : [flat.length];
    if (typeof v.type === 'string') type = v.type;
    if (flat.length !== dims.reduce((a, b) => a * b, 1)) throw new BenchError('inputFile', `${file}: "data" has ${flat.length} values but "dims" [${dims}] needs ${dims.reduce((a, b) => a * b, 1)}`);
  } else {
    throw new BenchError('inputFile', `${file}: expected a nested array or { "dims": [...], "data": [...] }`);
  }
  const num = (x: unknown) => (typeof x === 'boolean' ? Number(x) : Number(x));
  let data: InputData;
  switch (type) {
    case 'float32': data = Float32Array.from(flat, num); break;
    case 'float64': data = Float64Array.from(flat, num); break;
    case 'float16': data = Uint16Array.from(flat, (x) => toHalfBits(num(x))); break;
    case 'int8': data = Int8Array.from(flat, num); break;
    case 'uint8': case 'bool': data = Uint8Array.from(flat, num); break;
    case 'int16': data = Int16Array.from(flat, num); break;
    case 'uint16': data = Uint16Array.from(flat, num); break;
    case 'int32': data = Int32Array.from(flat, num); break;
    case 'uint32': data = Uint32Array.from(flat, num); break;
    case 'int64': data = BigInt64Array.from(flat, (x) => BigInt(x as number | string)); break;
    case 'uint64': data = BigUint64Array.from(flat, (x) => BigInt(x as number | string)); break;
    case 'string': data = flat.map(String); break;
    default: throw new BenchError('inputFile', `${file}: element type ${type} cannot be loaded from JSON`);
  }
  return { type, dims, data };
}

/** An ONNX TensorProto (`.pb`, as in the ONNX backend tests' test_data_set_N/input_M.pb). */
export function loadTensorProto(file: string, bytes: Uint8Array): { type: string; dims: number[]; data: InputData; name: string } {
  const r = Reader.create(bytes);
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  const int32s: number[] = [];
  const int64s: bigint[] = [];
  const doubles: number[] = [];
  const uint64s: bigint[] = [];
  const strings: string[] = [];
  const packed = (read: () => void, wire: number) => {
    if (wire === 2) {
      const end = r.uint32() + r.pos;
      while (r.pos < end) read();
    } else read();
  };
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      switch (field) {
        case 1: packed(() => dims.push(Number(r.int64().toString())), wire); break;
        case 2: dataType = r.int32(); break;
        case 4: packed(() => floats.push(r.float()), wire); break;
        case 5: packed(() => int32s.push(r.int32()), wire); break;
        case 6: strings.push(Buffer.from(r.bytes()).toString('utf8')); break;
        case 7: packed(() => int64s.push(BigInt(r.int64().toString())), wire); break;
        case 8: name = r.string(); break;
        case 9: raw = r.bytes(); break;
        case 10: packed(() => doubles.push(r.double()), wire); break;
        case 11: packed(() => uint64s.push(BigInt(r.uint64().toString())), wire); break;
        case 14: if (r.int32() === 1) throw new BenchError('inputFile', `${file}: the tensor keeps its data in an external file, which is not supported for inputs`); break;
        default: r.skipType(wire);
      }
    }
  } catch (e) {
    if (e instanceof BenchError) throw e;
    throw new BenchError('inputFile', `${file}: not a valid ONNX TensorProto: ${(e as Error).message} (at byte ${r.pos})`);
  }
  const type = ORT_TYPE_BY_ONNX[dataType];
  if (!type) throw new BenchError('inputFile', `${file}: element type ${dataTypeName(dataType)} cannot be fed by onnxruntime-node`);
  const count = dims.reduce((a, b) => a * b, 1);
  let data: InputData;
  if (raw) data = typedFromBytes(type, raw, count, file);
  else if (type === 'string') data = strings;
  else if (type === 'float32') data = Float32Array.from(floats);
  else if (type === 'float64') data = Float64Array.from(doubles);
  else if (type === 'int64') data = BigInt64Array.from(int64s);
  else if (type === 'uint64') data = BigUint64Array.from(uint64s);
  else if (type === 'uint32') data = Uint32Array.from(uint64s, Number);
  else if (type === 'float16') data = Uint16Array.from(int32s);
  else if (type === 'int8') data = Int8Array.from(int32s);
  else if (type === 'uint8' || type === 'bool') data = Uint8Array.from(int32s);
  else if (type === 'int16') data = Int16Array.from(int32s);
  else if (type === 'uint16') data = Uint16Array.from(int32s);
  else data = Int32Array.from(int32s);
  const length = Array.isArray(data) ? data.length : data.length;
  if (length !== count) throw new BenchError('inputFile', `${file}: holds ${length} values but its dims [${dims}] need ${count}`);
  return { type, dims, data, name };
}

/** Loads an input file by extension and checks its element type against the model's input. */
export function loadInputFile(file: string, input: string, expectedType: string): InputValue {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BenchError('inputFile', `input '${input}': cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const ext = path.extname(file).toLowerCase();
  const loaded = ext === '.npy' ? loadNpy(file, bytes) : ext === '.json' ? loadJson(file, Buffer.from(bytes).toString('utf8'), expectedType) : ext === '.pb' ? loadTensorProto(file, bytes) : undefined;
  if (!loaded) throw new BenchError('inputFile', `input '${input}': ${file} is not an .npy, .json or .pb file`);
  if (loaded.type !== expectedType) throw new BenchError('inputFile', `input '${input}' is ${expectedType}, but ${file} holds ${loaded.type}`);
  return { name: input, type: loaded.type, dims: loaded.dims, data: loaded.data };
}
