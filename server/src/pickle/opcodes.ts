/**
 * The pickle opcodes, as CPython's `pickletools` documents them (protocols 0-5): one byte
 * each, followed by an argument whose layout depends on the opcode. The reader decodes
 * arguments from this table, so an opcode missing here is, by construction, rejected as
 * an invalid load key, exactly as CPython's unpickler rejects it.
 */

/**
 * How an opcode's argument is laid out after the opcode byte.
 * - `none`: no argument.
 * - `u1`, `u2`, `u4`, `i4`, `u8`: fixed-size little-endian integer (`i4` signed).
 * - `f8`: big-endian IEEE double (BINFLOAT).
 * - `line`: bytes up to and including a newline (protocol 0 text arguments).
 * - `line2`: two such lines (`module\nname\n` of GLOBAL and INST).
 * - `len1`, `len4`, `len4s`, `len8`: a little-endian length (1, 4, 4 signed, 8 bytes)
 *   followed by that many payload bytes.
 */
export type ArgLayout = 'none' | 'u1' | 'u2' | 'u4' | 'i4' | 'u8' | 'f8' | 'line' | 'line2' | 'len1' | 'len4' | 'len4s' | 'len8';

export interface OpcodeInfo {
  readonly code: number;
  readonly name: OpcodeName;
  readonly arg: ArgLayout;
  /** The first protocol that emits it; used to tell protocol 0 from 1 when there is no PROTO. */
  readonly proto: number;
}

/** Opcode byte values by name. */
export const OP = {
  MARK: 0x28, // (
  STOP: 0x2e, // .
  POP: 0x30, // 0
  POP_MARK: 0x31, // 1
  DUP: 0x32, // 2
  FLOAT: 0x46, // F
  INT: 0x49, // I
  BININT: 0x4a, // J
  BININT1: 0x4b, // K
  LONG: 0x4c, // L
  BININT2: 0x4d, // M
  NONE: 0x4e, // N
  PERSID: 0x50, // P
  BINPERSID: 0x51, // Q
  REDUCE: 0x52, // R
  STRING: 0x53, // S
  BINSTRING: 0x54, // T
  SHORT_BINSTRING: 0x55, // U
  UNICODE: 0x56, // V
  BINUNICODE: 0x58, // X
  APPEND: 0x61, // a
  BUILD: 0x62, // b
  GLOBAL: 0x63, // c
  DICT: 0x64, // d
  EMPTY_DICT: 0x7d, // }
  APPENDS: 0x65, // e
  GET: 0x67, // g
  BINGET: 0x68, // h
  INST: 0x69, // i
  LONG_BINGET: 0x6a, // j
  LIST: 0x6c, // l
  EMPTY_LIST: 0x5d, // ]
  OBJ: 0x6f, // o
  PUT: 0x70, // p
  BINPUT: 0x71, // q
  LONG_BINPUT: 0x72, // r
  SETITEM: 0x73, // s
  TUPLE: 0x74, // t
  EMPTY_TUPLE: 0x29, // )
  SETITEMS: 0x75, // u
  BINFLOAT: 0x47, // G
  // Protocol 2
  PROTO: 0x80,
  NEWOBJ: 0x81,
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  // Protocol 3
  BINBYTES: 0x42, // B
  SHORT_BINBYTES: 0x43, // C
  // Protocol 4
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  // Protocol 5
  BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;

export type OpcodeName = keyof typeof OP;

/** Argument layout and first protocol of every opcode (68 in all, as in pickletools). */
const LAYOUT: Record<OpcodeName, [ArgLayout, number]> = {
  MARK: ['none', 0],
  STOP: ['none', 0],
  POP: ['none', 0],
  POP_MARK: ['none', 1],
  DUP: ['none', 0],
  FLOAT: ['line', 0],
  INT: ['line', 0],
  BININT: ['i4', 1],
  BININT1: ['u1', 1],
  LONG: ['line', 0],
  BININT2: ['u2', 1],
  NONE: ['none', 0],
  PERSID: ['line', 0],
  BINPERSID: ['none', 1],
  REDUCE: ['none', 0],
  STRING: ['line', 0],
  BINSTRING: ['len4s', 1],
  SHORT_BINSTRING: ['len1', 1],
  UNICODE: ['line', 0],
  BINUNICODE: ['len4', 1],
  APPEND: ['none', 0],
  BUILD: ['none', 0],
  GLOBAL: ['line2', 0],
  DICT: ['none', 0],
  EMPTY_DICT: ['none', 1],
  APPENDS: ['none', 1],
  GET: ['line', 0],
  BINGET: ['u1', 1],
  INST: ['line2', 0],
  LONG_BINGET: ['u4', 1],
  LIST: ['none', 0],
  EMPTY_LIST: ['none', 1],
  OBJ: ['none', 1],
  PUT: ['line', 0],
  BINPUT: ['u1', 1],
  LONG_BINPUT: ['u4', 1],
  SETITEM: ['none', 0],
  TUPLE: ['none', 0],
  EMPTY_TUPLE: ['none', 1],
  SETITEMS: ['none', 1],
  BINFLOAT: ['f8', 1],
  PROTO: ['u1', 2],
  NEWOBJ: ['none', 2],
  EXT1: ['u1', 2],
  EXT2: ['u2', 2],
  EXT4: ['i4', 2],
  TUPLE1: ['none', 2],
  TUPLE2: ['none', 2],
  TUPLE3: ['none', 2],
  NEWTRUE: ['none', 2],
  NEWFALSE: ['none', 2],
  LONG1: ['len1', 2],
  LONG4: ['len4s', 2],
  BINBYTES: ['len4', 3],
  SHORT_BINBYTES: ['len1', 3],
  SHORT_BINUNICODE: ['len1', 4],
  BINUNICODE8: ['len8', 4],
  BINBYTES8: ['len8', 4],
  EMPTY_SET: ['none', 4],
  ADDITEMS: ['none', 4],
  FROZENSET: ['none', 4],
  NEWOBJ_EX: ['none', 4],
  STACK_GLOBAL: ['none', 4],
  MEMOIZE: ['none', 4],
  FRAME: ['u8', 4],
  BYTEARRAY8: ['len8', 5],
  NEXT_BUFFER: ['none', 5],
  READONLY_BUFFER: ['none', 5],
};

/** Indexed by opcode byte; `undefined` for the 188 byte values that are not opcodes. */
export const OPCODES: readonly (OpcodeInfo | undefined)[] = (() => {
  const table: (OpcodeInfo | undefined)[] = new Array(256).fill(undefined);
  for (const name of Object.keys(OP) as OpcodeName[]) {
    const [arg, proto] = LAYOUT[name];
    table[OP[name]] = { code: OP[name], name, arg, proto };
  }
  return table;
})();

/** The highest protocol this reader understands (and CPython writes, as of 3.14). */
export const HIGHEST_PROTOCOL = 5;

/** `0x41 'A'` style label for an opcode byte in messages. */
export function describeOpcodeByte(byte: number): string {
  const hex = `0x${byte.toString(16).padStart(2, '0')}`;
  return byte >= 0x21 && byte <= 0x7e ? `${hex} '${String.fromCharCode(byte)}'` : hex;
}
