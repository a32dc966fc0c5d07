/**
 * Synchronous reads of tiny integer tensors (Reshape targets, Slice bounds, axes): a few
 * bytes at known offsets, read only when shape propagation asks, never for weights.
 */
import { DataType } from './data-types';
import type { Int64, OnnxModel, Tensor } from './model';
import { PositionalFile } from './positional-file';
import { resolveExternalLocation } from './tensor-data';

/**
 * The values of an INT64/INT32 tensor with at most `maxElements` elements, or undefined
 * when it is larger, of another type, or its bytes are missing.
 */
export function readSmallIntegerTensor(model: OnnxModel, tensor: Tensor, maxElements: number): Int64[] | undefined {
  if (tensor.dataType !== DataType.INT64 && tensor.dataType !== DataType.INT32) return undefined;
  let count = 1;
  for (const d of tensor.dims) count *= d;
  if (!(count >= 0 && count <= maxElements)) return undefined;
  const width = tensor.dataType === DataType.INT64 ? 8 : 4;
  const payload = tensor.payload;
  let file = model.path;
  let offset: number;
  if (payload.kind === 'raw') {
    if (payload.range.length !== count * width) return undefined;
    offset = payload.range.offset;
  } else if (payload.kind === 'external') {
    const resolved = resolveExternalLocation(model.path, payload.location);
    if (!resolved.ok || !Number.isSafeInteger(payload.offset)) return undefined;
    file = resolved.path;
    offset = payload.offset;
  } else if (payload.kind === 'typed' && (payload.field === 'int64_data' || payload.field === 'int32_data')) {
    return readTypedIntegers(model.path, payload.runs, count);
  } else {
    return count === 0 ? [] : undefined;
  }
  const bytes = Buffer.alloc(count * width);
  try {
    const source = PositionalFile.open(file);
    try {
      if (source.readInto(bytes, 0, bytes.length, offset) !== bytes.length) return undefined;
    } finally {
      source.close();
    }
  } catch {
    return undefined;
  }
  const values: Int64[] = [];
  for (let i = 0; i < count; i++) {
    values.push(width === 8 ? toInt64(bytes.readBigInt64LE(i * 8)) : bytes.readInt32LE(i * 4));
  }
  return values;
}

function toInt64(value: bigint): Int64 {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

function readTypedIntegers(path: string, runs: readonly { start: number; end: number; packed: boolean }[], count: number): Int64[] | undefined {
  const values: Int64[] = [];
  const source = PositionalFile.open(path);
  try {
    for (const run of runs) {
      const bytes = Buffer.alloc(run.end - run.start);
      if (bytes.length > count * 11 * 2 + 64) return undefined;
      if (source.readInto(bytes, 0, bytes.length, run.start) !== bytes.length) return undefined;
      let p = 0;
      const varint = (): bigint | undefined => {
        let result = 0n;
        let shift = 0n;
        while (p < bytes.length && shift < 70n) {
          const b = bytes[p++];
          result |= BigInt(b & 0x7f) << shift;
          shift += 7n;
          if (b < 0x80) return result;
        }
        return undefined;
      };
      while (p < bytes.length) {
        if (!run.packed && varint() === undefined) return undefined;
        const v = varint();
        if (v === undefined) return undefined;
        values.push(toInt64(BigInt.asIntN(64, v)));
      }
    }
  } finally {
    source.close();
  }
  return values.length === count ? values : undefined;
}
