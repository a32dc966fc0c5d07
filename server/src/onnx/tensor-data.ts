/**
 * Tensor values, read only when asked for: one tensor's statistics, or a bounded scan for
 * NaN/Inf. Payloads are streamed in fixed-size chunks from the model file (or the external
 * data file) by position, so a tensor of any size is read with bounded memory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TensorStats } from '../../../protocol/model';
import { dataTypeBits, dataTypeName, DataType, rawByteLength } from './data-types';
import type { FieldRun, OnnxModel, Tensor } from './model';
import { PositionalFile } from './positional-file';

/** Bytes read per chunk when streaming a payload. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Typed (*_data) payloads are re-parsed as a whole; writers use raw_data beyond this. */
const MAX_TYPED_PAYLOAD_BYTES = 256 * 1024 * 1024;

export class TensorDataError extends Error {
  override readonly name = 'TensorDataError';
}

/** Number of elements of a tensor (product of dims; 1 for a scalar). */
export function elementCount(dims: readonly number[]): number {
  let count = 1;
  for (const d of dims) count *= d;
  return count;
}

// ---- external data ----------------------------------------------------------------------

export type ExternalResolution = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Resolves an external_data `location` against the model's folder. Absolute paths and
 * paths that leave the folder (`../`, or a symlink pointing outside) are refused: a model
 * file must not make the reader open arbitrary files.
 */
export function resolveExternalLocation(modelPath: string, location: string): ExternalResolution {
  if (!location) return { ok: false, reason: 'external_data has no location' };
  if (path.isAbsolute(location) || /^[a-zA-Z]:[\\/]/.test(location)) {
    return { ok: false, reason: `external data location '${location}' is absolute; it must be relative to the model's folder` };
  }
  const folder = path.resolve(path.dirname(modelPath));
  const resolved = path.resolve(folder, location);
  if (!isInside(folder, resolved)) {
    return { ok: false, reason: `external data location '${location}' escapes the model's folder` };
  }
  if (!fs.existsSync(resolved)) return { ok: false, reason: `external data file '${location}' does not exist` };
  const realFolder = fs.realpathSync(folder);
  const realFile = fs.realpathSync(resolved);
  if (!isInside(realFolder, realFile)) {
    return { ok: false, reason: `external data location '${location}' links outside the model's folder` };
  }
  if (!fs.statSync(realFile).isFile()) return { ok: false, reason: `external data location '${location}' is not a file` };
  return { ok: true, path: realFile };
}

function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * What is wrong with an external tensor's data, or undefined when its bytes are all there:
 * the file resolves inside the model's folder and holds offset + the tensor's byte length.
 */
export function checkExternalData(model: OnnxModel, tensor: Tensor): string | undefined {
  const payload = tensor.payload;
  if (payload.kind !== 'external') return undefined;
  const resolution = resolveExternalLocation(model.path, payload.location);
  if (!resolution.ok) return resolution.reason;
  if (!Number.isSafeInteger(payload.offset)) return `external data offset of '${tensor.name}' is not a non-negative integer`;
  if (payload.length !== undefined && !Number.isSafeInteger(payload.length)) {
    return `external data length of '${tensor.name}' is not a non-negative integer`;
  }
  const expected = tensor.dataType === DataType.STRING ? undefined : rawByteLength(tensor.dataType, elementCount(tensor.dims));
  const needed = payload.length ?? expected ?? 0;
  if (payload.length !== undefined && expected !== undefined && payload.length < expected) {
    return `external data length ${payload.length} of '${tensor.name}' is less than the ${expected} bytes its shape needs`;
  }
  const size = fs.statSync(resolution.path).size;
  if (payload.offset + needed > size) {
    return `external data of '${tensor.name}' (offset ${payload.offset}, ${needed} bytes) runs past the end of '${payload.location}' (size ${size})`;
  }
  return undefined;
}

// ---- element decoding -------------------------------------------------------------------

/** Lookup tables for the 8-bit float formats (ONNX's float8 definitions). */
const FLOAT8_TABLES = new Map<number, Float64Array>();

function float8Table(dataType: number): Float64Array {
  let table = FLOAT8_TABLES.get(dataType);
  if (table) return table;
  table = new Float64Array(256);
  for (let b = 0; b < 256; b++) table[b] = decodeFloat8(dataType, b);
  FLOAT8_TABLES.set(dataType, table);
  return table;
}

function decodeFloat8(dataType: number, b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  switch (dataType) {
    case DataType.FLOAT8E4M3FN: {
      const e = (b >> 3) & 0xf, m = b & 7;
      if (e === 15 && m === 7) return Number.NaN;
      return sign * (e === 0 ? (m / 8) * 2 ** -6 : (1 + m / 8) * 2 ** (e - 7));
    }
    case DataType.FLOAT8E4M3FNUZ: {
      if (b === 0x80) return Number.NaN;
      const e = (b >> 3) & 0xf, m = b & 7;
      return sign * (e === 0 ? (m / 8) * 2 ** -7 : (1 + m / 8) * 2 ** (e - 8));
    }
    case DataType.FLOAT8E5M2: {
      const e = (b >> 2) & 0x1f, m = b & 3;
      if (e === 31) return m === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
      return sign * (e === 0 ? (m / 4) * 2 ** -14 : (1 + m / 4) * 2 ** (e - 15));
    }
    case DataType.FLOAT8E5M2FNUZ: {
      if (b === 0x80) return Number.NaN;
      const e = (b >> 2) & 0x1f, m = b & 3;
      return sign * (e === 0 ? (m / 4) * 2 ** -15 : (1 + m / 4) * 2 ** (e - 16));
    }
    case DataType.FLOAT8E8M0:
      return b === 0xff ? Number.NaN : 2 ** (b - 127);
    default:
      return Number.NaN;
  }
}

function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

const bfloat16Scratch = new DataView(new ArrayBuffer(4));
function bfloat16ToNumber(bits: number): number {
  bfloat16Scratch.setUint32(0, (bits & 0xffff) << 16);
  return bfloat16Scratch.getFloat32(0);
}

function float4e2m1ToNumber(nibble: number): number {
  const sign = nibble & 8 ? -1 : 1;
  const e = (nibble >> 1) & 3, m = nibble & 1;
  return sign * (e === 0 ? m * 0.5 : (1 + m / 2) * 2 ** (e - 1));
}

/** Converts an element's storage bits (as int32_data holds them) to its value. */
function bitsToValue(dataType: number, bits: number): number {
  switch (dataType) {
    case DataType.FLOAT16: return float16ToNumber(bits & 0xffff);
    case DataType.BFLOAT16: return bfloat16ToNumber(bits);
    case DataType.FLOAT8E4M3FN: case DataType.FLOAT8E4M3FNUZ: case DataType.FLOAT8E5M2:
    case DataType.FLOAT8E5M2FNUZ: case DataType.FLOAT8E8M0:
      return float8Table(dataType)[bits & 0xff];
    case DataType.BOOL: return bits ? 1 : 0;
    case DataType.UINT8: return bits & 0xff;
    case DataType.UINT16: return bits & 0xffff;
    default: return bits;
  }
}

/**
 * Calls `visit` for every element stored little-endian in `bytes` (raw_data layout).
 * Complex types visit their real and imaginary parts as two values. `bytes` must hold
 * whole elements (chunks are multiples of 16 bytes).
 */
function visitRawElements(dataType: number, bytes: Buffer, visit: (value: number) => void): void {
  const n = bytes.length;
  switch (dataType) {
    case DataType.FLOAT: case DataType.COMPLEX64: for (let i = 0; i + 4 <= n; i += 4) visit(bytes.readFloatLE(i)); return;
    case DataType.DOUBLE: case DataType.COMPLEX128: for (let i = 0; i + 8 <= n; i += 8) visit(bytes.readDoubleLE(i)); return;
    case DataType.FLOAT16: for (let i = 0; i + 2 <= n; i += 2) visit(float16ToNumber(bytes.readUInt16LE(i))); return;
    case DataType.BFLOAT16: for (let i = 0; i + 2 <= n; i += 2) visit(bfloat16ToNumber(bytes.readUInt16LE(i))); return;
    case DataType.INT8: for (let i = 0; i < n; i++) visit(bytes.readInt8(i)); return;
    case DataType.UINT8: for (let i = 0; i < n; i++) visit(bytes[i]); return;
    case DataType.BOOL: for (let i = 0; i < n; i++) visit(bytes[i] ? 1 : 0); return;
    case DataType.INT16: for (let i = 0; i + 2 <= n; i += 2) visit(bytes.readInt16LE(i)); return;
    case DataType.UINT16: for (let i = 0; i + 2 <= n; i += 2) visit(bytes.readUInt16LE(i)); return;
    case DataType.INT32: for (let i = 0; i + 4 <= n; i += 4) visit(bytes.readInt32LE(i)); return;
    case DataType.UINT32: for (let i = 0; i + 4 <= n; i += 4) visit(bytes.readUInt32LE(i)); return;
    case DataType.INT64: for (let i = 0; i + 8 <= n; i += 8) visit(Number(bytes.readBigInt64LE(i))); return;
    case DataType.UINT64: for (let i = 0; i + 8 <= n; i += 8) visit(Number(bytes.readBigUInt64LE(i))); return;
    case DataType.FLOAT8E4M3FN: case DataType.FLOAT8E4M3FNUZ: case DataType.FLOAT8E5M2:
    case DataType.FLOAT8E5M2FNUZ: case DataType.FLOAT8E8M0: {
      const table = float8Table(dataType);
      for (let i = 0; i < n; i++) visit(table[bytes[i]]);
      return;
    }
    case DataType.INT4: case DataType.UINT4: case DataType.FLOAT4E2M1:
      for (let i = 0; i < n; i++) {
        visit(nibbleValue(dataType, bytes[i] & 0xf));
        visit(nibbleValue(dataType, bytes[i] >> 4));
      }
      return;
    case DataType.INT2: case DataType.UINT2:
      for (let i = 0; i < n; i++) {
        for (let shift = 0; shift < 8; shift += 2) {
          const v = (bytes[i] >> shift) & 3;
          visit(dataType === DataType.INT2 && v & 2 ? v - 4 : v);
        }
      }
      return;
    default:
      throw new TensorDataError(`values of data type ${dataTypeName(dataType)} cannot be read as numbers`);
  }
}

function nibbleValue(dataType: number, nibble: number): number {
  if (dataType === DataType.FLOAT4E2M1) return float4e2m1ToNumber(nibble);
  if (dataType === DataType.INT4) return nibble & 8 ? nibble - 16 : nibble;
  return nibble;
}

/** Values per int32_data element: sub-byte types pack several into one. */
function valuesPerInt32(dataType: number): number {
  const bits = dataTypeBits(dataType);
  return bits === 4 ? 2 : bits === 2 ? 4 : 1;
}

// ---- payload streaming ------------------------------------------------------------------

/** The file and byte range holding a tensor's raw little-endian values. */
interface RawLocation {
  file: string;
  offset: number;
  length: number;
}

function rawLocation(model: OnnxModel, tensor: Tensor): RawLocation | undefined {
  const payload = tensor.payload;
  if (payload.kind === 'raw') return { file: model.path, offset: payload.range.offset, length: payload.range.length };
  if (payload.kind === 'external') {
    const problem = checkExternalData(model, tensor);
    if (problem) throw new TensorDataError(problem);
    const resolution = resolveExternalLocation(model.path, payload.location);
    if (!resolution.ok) throw new TensorDataError(resolution.reason);
    const length = payload.length ?? rawByteLength(tensor.dataType, elementCount(tensor.dims));
    return { file: resolution.path, offset: payload.offset, length };
  }
  return undefined;
}

/**
 * Streams a tensor's values to `visit`. `window` limits the read to byte ranges of the raw
 * payload (used by the sampled NaN scan); typed payloads are always read whole.
 */
async function visitTensorValues(
  model: OnnxModel,
  tensor: Tensor,
  visit: (value: number) => void,
  windows?: readonly { offset: number; length: number }[],
): Promise<void> {
  if (tensor.dataType === DataType.STRING || dataTypeBits(tensor.dataType) === 0) {
    throw new TensorDataError(`tensor '${tensor.name}' has data type ${dataTypeName(tensor.dataType)}, which has no numeric values`);
  }
  const raw = rawLocation(model, tensor);
  if (raw) {
    const file = PositionalFile.open(raw.file);
    try {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(raw.length, 1)));
      for (const w of windows ?? [{ offset: 0, length: raw.length }]) {
        for (let done = 0; done < w.length; ) {
          const want = Math.min(buffer.length, w.length - done);
          const got = await file.readIntoAsync(buffer, 0, want, raw.offset + w.offset + done);
          if (got < want) throw new TensorDataError(`tensor '${tensor.name}': data is cut off at byte ${raw.offset + w.offset + done + got} of '${raw.file}'`);
          visitRawElements(tensor.dataType, buffer.subarray(0, got), visit);
          done += got;
        }
      }
    } finally {
      file.close();
    }
    return;
  }
  if (tensor.payload.kind === 'typed') await visitTypedValues(model, tensor, tensor.payload.field, tensor.payload.runs, visit);
}

async function visitTypedValues(model: OnnxModel, tensor: Tensor, field: string, runs: readonly FieldRun[], visit: (value: number) => void): Promise<void> {
  const total = runs.reduce((sum, run) => sum + (run.end - run.start), 0);
  if (total > MAX_TYPED_PAYLOAD_BYTES) throw new TensorDataError(`tensor '${tensor.name}': ${field} payload of ${total} bytes is too large to re-parse`);
  const file = PositionalFile.open(model.path);
  try {
    for (const run of runs) {
      const bytes = Buffer.allocUnsafe(run.end - run.start);
      const got = await file.readIntoAsync(bytes, 0, bytes.length, run.start);
      if (got < bytes.length) throw new TensorDataError(`tensor '${tensor.name}': ${field} is cut off at byte ${run.start + got}`);
      visitTypedRun(tensor.dataType, field, bytes, run.packed, visit);
    }
  } finally {
    file.close();
  }
}

/** Parses one run of a typed field: a packed payload, or tag-value pairs when unpacked. */
function visitTypedRun(dataType: number, field: string, bytes: Buffer, packed: boolean, visit: (value: number) => void): void {
  let p = 0;
  const varint = (): number => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (p >= bytes.length) throw new TensorDataError(`${field}: varint cut off`);
      const b = bytes[p++];
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (b < 0x80) break;
      if (shift > 63n) throw new TensorDataError(`${field}: varint longer than 10 bytes`);
    }
    return field === 'uint64_data' ? Number(BigInt.asUintN(64, result)) : Number(BigInt.asIntN(64, result));
  };
  const emitInt32 = (bits: number): void => {
    const per = valuesPerInt32(dataType);
    if (per === 1) visit(bitsToValue(dataType, bits));
    else if (per === 2) {
      visit(nibbleValue(dataType, bits & 0xf));
      visit(nibbleValue(dataType, (bits >> 4) & 0xf));
    } else {
      for (let shift = 0; shift < 8; shift += 2) {
        const v = (bits >> shift) & 3;
        visit(dataType === DataType.INT2 && v & 2 ? v - 4 : v);
      }
    }
  };
  while (p < bytes.length) {
    if (!packed) varint(); // the element's tag
    switch (field) {
      case 'float_data': visit(bytes.readFloatLE(p)); p += 4; break;
      case 'double_data': visit(bytes.readDoubleLE(p)); p += 8; break;
      case 'int32_data': emitInt32(varint()); break;
      case 'int64_data': case 'uint64_data': visit(varint()); break;
      default: throw new TensorDataError(`${field} has no numeric values`);
    }
  }
}

// ---- statistics -------------------------------------------------------------------------

export interface TensorStatsOptions {
  /** Histogram buckets between min and max (default 64). */
  bins?: number;
}

/**
 * Statistics of one tensor's values: min, max, mean, std, zeros, NaN/Inf counts and a
 * histogram. Reads only that tensor, in two streaming passes (the histogram needs the
 * range first), with memory bounded by one chunk.
 */
export async function tensorStatistics(model: OnnxModel, tensor: Tensor, options: TensorStatsOptions = {}): Promise<TensorStats> {
  const bins = Math.max(1, Math.min(options.bins ?? 64, 4096));
  let count = 0, finite = 0, zeros = 0, nan = 0, posInf = 0, negInf = 0;
  let min = Number.POSITIVE_INFINITY, max = Number.NEGATIVE_INFINITY;
  // Welford's update keeps the variance accurate over hundreds of millions of values.
  let mean = 0, m2 = 0;
  await visitTensorValues(model, tensor, (v) => {
    count++;
    if (v !== v) { nan++; return; }
    if (v === Number.POSITIVE_INFINITY) { posInf++; return; }
    if (v === Number.NEGATIVE_INFINITY) { negInf++; return; }
    if (v === 0) zeros++;
    if (v < min) min = v;
    if (v > max) max = v;
    finite++;
    const delta = v - mean;
    mean += delta / finite;
    m2 += delta * (v - mean);
  });
  const counts = new Array<number>(bins).fill(0);
  if (finite > 0) {
    const width = (max - min) / bins;
    await visitTensorValues(model, tensor, (v) => {
      if (v !== v || v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) return;
      const bucket = width > 0 ? Math.min(bins - 1, Math.floor((v - min) / width)) : 0;
      counts[bucket]++;
    });
  }
  return {
    name: tensor.name,
    dataType: dataTypeName(tensor.dataType),
    dims: [...tensor.dims],
    elementCount: count,
    min: finite ? min : null,
    max: finite ? max : null,
    mean: finite ? mean : null,
    std: finite ? Math.sqrt(m2 / finite) : null,
    zeros,
    nan,
    posInf,
    negInf,
    histogram: { min: finite ? min : 0, max: finite ? max : 0, counts },
  };
}

// ---- bounded NaN/Inf scan ---------------------------------------------------------------

export interface NonFiniteScanOptions {
  /** Bytes read at most for one tensor; larger tensors are sampled in evenly spaced windows. */
  maxBytesPerTensor?: number;
  /** Number of windows when sampling. */
  sampleWindows?: number;
}

export interface NonFiniteScan {
  nan: number;
  inf: number;
  /** Values looked at. */
  scanned: number;
  /** Whether only a sample of the tensor was read. */
  sampled: boolean;
}

/** Whether a data type can hold NaN or Inf (integer types cannot). */
export function canHoldNonFinite(dataType: number): boolean {
  switch (dataType) {
    case DataType.FLOAT: case DataType.DOUBLE: case DataType.FLOAT16: case DataType.BFLOAT16:
    case DataType.FLOAT8E4M3FN: case DataType.FLOAT8E4M3FNUZ: case DataType.FLOAT8E5M2:
    case DataType.FLOAT8E5M2FNUZ: case DataType.FLOAT8E8M0: case DataType.COMPLEX64: case DataType.COMPLEX128:
      return true;
    default:
      return false;
  }
}

/**
 * Counts NaN and Inf values of a floating-point tensor, reading at most
 * `maxBytesPerTensor` (default 4 MiB): a larger tensor is sampled in `sampleWindows`
 * evenly spaced windows over its whole length. Training divergence poisons whole tensors,
 * so a sample finds it while a 1 GB model costs a few milliseconds per tensor.
 */
export async function scanNonFinite(model: OnnxModel, tensor: Tensor, options: NonFiniteScanOptions = {}): Promise<NonFiniteScan> {
  const maxBytes = options.maxBytesPerTensor ?? 4 * 1024 * 1024;
  const windowsWanted = Math.max(1, options.sampleWindows ?? 16);
  let nan = 0, inf = 0, scanned = 0;
  const visit = (v: number): void => {
    scanned++;
    if (v !== v) nan++;
    else if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) inf++;
  };
  const raw = tensor.payload.kind === 'raw' || tensor.payload.kind === 'external' ? rawLocation(model, tensor) : undefined;
  if (raw && raw.length > maxBytes) {
    // Windows aligned to 16 bytes so each holds whole elements of every type.
    const windowBytes = Math.max(16, Math.floor(maxBytes / windowsWanted / 16) * 16);
    const stride = (raw.length - windowBytes) / Math.max(1, windowsWanted - 1);
    const windows = [];
    for (let i = 0; i < windowsWanted; i++) {
      const offset = Math.floor((i * stride) / 16) * 16;
      windows.push({ offset, length: Math.min(windowBytes, raw.length - offset) });
    }
    await visitTensorValues(model, tensor, visit, windows);
    return { nan, inf, scanned, sampled: true };
  }
  await visitTensorValues(model, tensor, visit);
  return { nan, inf, scanned, sampled: false };
}
