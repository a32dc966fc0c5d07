/**
 * ONNX tensor element types (TensorProto.DataType, ONNX 1.22): names, storage widths and
 * the spelling the ONNX text syntax uses. One table so the decoder, the summary, the text
 * printer and the weight statistics agree.
 */

export enum DataType {
  UNDEFINED = 0,
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  UINT16 = 4,
  INT16 = 5,
  INT32 = 6,
  INT64 = 7,
  STRING = 8,
  BOOL = 9,
  FLOAT16 = 10,
  DOUBLE = 11,
  UINT32 = 12,
  UINT64 = 13,
  COMPLEX64 = 14,
  COMPLEX128 = 15,
  BFLOAT16 = 16,
  FLOAT8E4M3FN = 17,
  FLOAT8E4M3FNUZ = 18,
  FLOAT8E5M2 = 19,
  FLOAT8E5M2FNUZ = 20,
  UINT4 = 21,
  INT4 = 22,
  FLOAT4E2M1 = 23,
  FLOAT8E8M0 = 24,
  UINT2 = 25,
  INT2 = 26,
}

interface DataTypeInfo {
  /** TensorProto.DataType enum name, e.g. `FLOAT8E4M3FN`. */
  readonly name: string;
  /** Spelling in the ONNX text syntax (onnx/defs/parser.cc), e.g. `float8e4m3fn`. */
  readonly textName: string;
  /** Bits per element in raw_data; 0 for strings (variable length). */
  readonly bits: number;
}

const DATA_TYPES: readonly (DataTypeInfo | undefined)[] = [
  { name: 'UNDEFINED', textName: 'undefined', bits: 0 },
  { name: 'FLOAT', textName: 'float', bits: 32 },
  { name: 'UINT8', textName: 'uint8', bits: 8 },
  { name: 'INT8', textName: 'int8', bits: 8 },
  { name: 'UINT16', textName: 'uint16', bits: 16 },
  { name: 'INT16', textName: 'int16', bits: 16 },
  { name: 'INT32', textName: 'int32', bits: 32 },
  { name: 'INT64', textName: 'int64', bits: 64 },
  { name: 'STRING', textName: 'string', bits: 0 },
  { name: 'BOOL', textName: 'bool', bits: 8 },
  { name: 'FLOAT16', textName: 'float16', bits: 16 },
  { name: 'DOUBLE', textName: 'double', bits: 64 },
  { name: 'UINT32', textName: 'uint32', bits: 32 },
  { name: 'UINT64', textName: 'uint64', bits: 64 },
  { name: 'COMPLEX64', textName: 'complex64', bits: 64 },
  { name: 'COMPLEX128', textName: 'complex128', bits: 128 },
  { name: 'BFLOAT16', textName: 'bfloat16', bits: 16 },
  { name: 'FLOAT8E4M3FN', textName: 'float8e4m3fn', bits: 8 },
  { name: 'FLOAT8E4M3FNUZ', textName: 'float8e4m3fnuz', bits: 8 },
  { name: 'FLOAT8E5M2', textName: 'float8e5m2', bits: 8 },
  { name: 'FLOAT8E5M2FNUZ', textName: 'float8e5m2fnuz', bits: 8 },
  { name: 'UINT4', textName: 'uint4', bits: 4 },
  { name: 'INT4', textName: 'int4', bits: 4 },
  { name: 'FLOAT4E2M1', textName: 'float4e2m1', bits: 4 },
  { name: 'FLOAT8E8M0', textName: 'float8e8m0', bits: 8 },
  { name: 'UINT2', textName: 'uint2', bits: 2 },
  { name: 'INT2', textName: 'int2', bits: 2 },
];

/** The enum name of a data type, or `DATATYPE_<n>` for values this build does not know. */
export function dataTypeName(dataType: number): string {
  return DATA_TYPES[dataType]?.name ?? `DATATYPE_${dataType}`;
}

/** The text-syntax spelling (`float`, `int64`, ...), or `DATATYPE_<n>` when unknown. */
export function dataTypeTextName(dataType: number): string {
  return DATA_TYPES[dataType]?.textName ?? `DATATYPE_${dataType}`;
}

/** Text-syntax name -> enum value, for the ONNX text parser direction (tests and the grammar). */
export const DATA_TYPE_BY_TEXT_NAME: ReadonlyMap<string, number> = new Map(
  DATA_TYPES.flatMap((info, value) => (info && value !== 0 ? [[info.textName, value] as const] : [])),
);

export function isKnownDataType(dataType: number): boolean {
  return dataType > 0 && dataType < DATA_TYPES.length;
}

/** Bits per element, 0 for strings and unknown types. */
export function dataTypeBits(dataType: number): number {
  return DATA_TYPES[dataType]?.bits ?? 0;
}

/** Bytes that `count` elements take in raw_data (sub-byte types pack and round up). */
export function rawByteLength(dataType: number, count: number): number {
  const bits = dataTypeBits(dataType);
  return bits === 0 ? 0 : Math.ceil((count * bits) / 8);
}

export function isFloatingDataType(dataType: number): boolean {
  switch (dataType) {
    case DataType.FLOAT: case DataType.DOUBLE: case DataType.FLOAT16: case DataType.BFLOAT16:
    case DataType.FLOAT8E4M3FN: case DataType.FLOAT8E4M3FNUZ: case DataType.FLOAT8E5M2:
    case DataType.FLOAT8E5M2FNUZ: case DataType.FLOAT4E2M1: case DataType.FLOAT8E8M0:
    case DataType.COMPLEX64: case DataType.COMPLEX128:
      return true;
    default:
      return false;
  }
}
