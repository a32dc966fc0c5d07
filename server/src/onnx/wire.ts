/**
 * A protobuf wire-format cursor over a file read by position. It keeps a small reusable
 * window of the file in memory and decodes primitives with protobufjs' `Reader` over that
 * window; length-delimited payloads that the decoder does not need (weights) are skipped
 * by moving the position, so their bytes are never read.
 *
 * Every limit is checked against the enclosing message's end, and every failure becomes an
 * `OnnxDecodeError` naming the field path (kept as a stack of segments, turned into text
 * only when something fails) and the byte offset.
 */
import { Reader } from 'protobufjs/minimal';
import { OnnxDecodeError } from './errors';
import type { Int64 } from './model';
import type { PositionalFile } from './positional-file';

export enum WireType {
  VARINT = 0,
  FIXED64 = 1,
  LENGTH_DELIMITED = 2,
  START_GROUP = 3,
  END_GROUP = 4,
  FIXED32 = 5,
}

/** Messages nested deeper than this are refused (protobuf's own default recursion limit). */
export const MAX_NESTING_DEPTH = 100;

/**
 * Smallest read after a skip: enough for the next tensor's header plus a small payload
 * (a bias) and the header after it, so a typical layer costs one read; larger reads would
 * mostly pull in weights. Sequential reads double from here.
 */
const MIN_READ_AHEAD = 8 * 1024;
/** Read-ahead doubles while reading sequentially, up to this. */
const MAX_READ_AHEAD = 1024 * 1024;
/** Enough bytes for any tag or varint (10) plus a fixed64. */
const PRIMITIVE_BYTES = 16;

export class WireCursor {
  private window: Buffer;
  /** File offset of window[0]. */
  private windowStart = 0;
  private readonly reader: Reader;
  private readAhead = MIN_READ_AHEAD;
  /** Field path as alternating names and indices (-1: not repeated). */
  private readonly pathNames: string[] = [];
  private readonly pathIndices: number[] = [];

  /** `window`: a buffer to reuse (decoding is synchronous, so one per thread suffices). */
  constructor(private readonly file: PositionalFile, window?: Buffer) {
    this.window = window && window.length >= MAX_READ_AHEAD ? window : Buffer.allocUnsafe(MAX_READ_AHEAD);
    this.reader = Reader.create(this.window);
    this.reader.len = 0;
  }

  /** The window buffer, for reuse by the next decode. */
  get buffer(): Buffer {
    return this.window;
  }

  get size(): number {
    return this.file.size;
  }

  /** Absolute file offset of the next byte to decode. */
  get pos(): number {
    return this.windowStart + this.reader.pos;
  }

  // ---- field path ----------------------------------------------------------------------

  /** Enters a nested message; `index` is the element's index for repeated fields. */
  enter(field: string, index = -1): void {
    if (this.pathNames.length >= MAX_NESTING_DEPTH) {
      this.pathNames.push(field);
      this.pathIndices.push(index);
      this.fail(this.pos, `messages nested deeper than ${MAX_NESTING_DEPTH} levels`);
    }
    this.pathNames.push(field);
    this.pathIndices.push(index);
  }

  leave(): void {
    this.pathNames.pop();
    this.pathIndices.pop();
  }

  get depth(): number {
    return this.pathNames.length;
  }

  /** `graph.node[12].attribute[0]` */
  fieldPath(): string {
    let text = '';
    for (let i = 0; i < this.pathNames.length; i++) {
      text += (i ? '.' : '') + this.pathNames[i] + (this.pathIndices[i] >= 0 ? `[${this.pathIndices[i]}]` : '');
    }
    return text;
  }

  fail(offset: number, reason: string): never {
    const located = reason.includes(' byte ') ? reason : `${reason} (at byte ${offset})`;
    throw new OnnxDecodeError(this.file.path, this.fieldPath(), offset, located);
  }

  // ---- window management ---------------------------------------------------------------

  /** Makes at least `n` bytes from `pos` available in the window (fewer only at end of file). */
  private ensure(n: number): void {
    const reader = this.reader;
    if (reader.len - reader.pos >= n) return;
    const start = this.windowStart + reader.pos;
    const want = Math.min(this.file.size - start, Math.max(n, this.readAhead));
    if (want > this.window.length) {
      // Only a single field larger than the window (a long string) gets here.
      let capacity = this.window.length;
      while (capacity < want) capacity *= 2;
      this.window = Buffer.allocUnsafe(capacity);
      reader.buf = this.window;
      reader.view = null;
    }
    const got = want > 0 ? this.file.readInto(this.window, 0, want, start) : 0;
    this.windowStart = start;
    reader.pos = 0;
    reader.len = got;
    this.readAhead = Math.min(this.readAhead * 2, MAX_READ_AHEAD);
  }

  /** Moves to absolute `offset`; reads nothing. */
  seek(offset: number): void {
    const reader = this.reader;
    const relative = offset - this.windowStart;
    if (relative >= 0 && relative <= reader.len) {
      reader.pos = relative;
      return;
    }
    this.windowStart = offset;
    reader.pos = 0;
    reader.len = 0;
    // A jump means we skipped a payload: the next read starts small again.
    this.readAhead = MIN_READ_AHEAD;
  }

  // ---- primitives ----------------------------------------------------------------------

  private checkWithin(start: number, end: number, what: string): void {
    if (this.pos > end) {
      this.fail(start, `${what} at byte ${start} runs past end of ${this.describeEnd(end)}`);
    }
  }

  private describeEnd(end: number): string {
    return end >= this.file.size ? `file (size ${this.file.size})` : `enclosing message (ends at byte ${end})`;
  }

  private truncated(start: number, what: string): never {
    this.fail(start, `${what} at byte ${start} is cut off by end of file (size ${this.file.size})`);
  }

  /** Reads a field tag; returns it with field number and wire type checked. */
  tag(end: number): number {
    const start = this.pos;
    this.ensure(PRIMITIVE_BYTES);
    let tag: number;
    try {
      tag = this.reader.tag();
    } catch (error) {
      if (error instanceof RangeError) this.truncated(start, 'field tag');
      this.fail(start, `invalid field tag at byte ${start}`);
    }
    this.checkWithin(start, end, 'field tag');
    if (tag >>> 3 === 0) this.fail(start, `invalid field number 0 at byte ${start}`);
    const wire = tag & 7;
    if (wire > WireType.FIXED32) this.fail(start, `invalid wire type ${wire} for field ${tag >>> 3} at byte ${start}`);
    return tag;
  }

  /** A varint as a signed 32-bit value (int32 fields and enums). */
  int32(end: number): number {
    const start = this.pos;
    this.ensure(PRIMITIVE_BYTES);
    let value: number;
    try {
      value = this.reader.int32();
    } catch (error) {
      if (error instanceof RangeError) this.truncated(start, 'varint');
      this.fail(start, `invalid varint at byte ${start}`);
    }
    this.checkWithin(start, end, 'varint');
    return value;
  }

  /**
   * A varint as int64: a number while exact, a bigint beyond 2^53 (protobufjs' own int64
   * allocates a Long per value; int64 fields are frequent in ONNX: dims, ints attributes).
   */
  int64(end: number): Int64 {
    const start = this.pos;
    this.ensure(PRIMITIVE_BYTES);
    const buf = this.window;
    const reader = this.reader;
    let p = reader.pos;
    const limit = reader.len;
    let value = 0;
    let scale = 1;
    // Up to 7 bytes (49 bits) fit a double exactly.
    for (let i = 0; i < 7; i++) {
      if (p >= limit) this.truncated(start, 'varint');
      const byte = buf[p++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        reader.pos = p;
        this.checkWithin(start, end, 'varint');
        return value;
      }
      scale *= 128;
    }
    let big = BigInt(value);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      if (p >= limit) this.truncated(start, 'varint');
      const byte = buf[p++];
      big |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (byte < 0x80) {
        reader.pos = p;
        this.checkWithin(start, end, 'varint');
        const signed = BigInt.asIntN(64, big);
        const asNumber = Number(signed);
        return Number.isSafeInteger(asNumber) ? asNumber : signed;
      }
    }
    reader.pos = p;
    this.fail(start, `varint longer than 10 bytes at byte ${start}`);
  }

  /** An int64 that must be a plain number (dims, versions); huge values are clamped to a double. */
  int64Number(end: number): number {
    const value = this.int64(end);
    return typeof value === 'bigint' ? Number(value) : value;
  }

  float(end: number): number {
    const start = this.pos;
    this.ensure(4);
    if (this.reader.len - this.reader.pos < 4) this.truncated(start, 'fixed32 value');
    const value = this.reader.float();
    this.checkWithin(start, end, 'fixed32 value');
    return value;
  }

  double(end: number): number {
    const start = this.pos;
    this.ensure(8);
    if (this.reader.len - this.reader.pos < 8) this.truncated(start, 'fixed64 value');
    const value = this.reader.double();
    this.checkWithin(start, end, 'fixed64 value');
    return value;
  }

  /**
   * Reads a length prefix and checks that the payload fits in the enclosing message and
   * in the file. Returns the payload's length; the cursor is at the payload's first byte.
   */
  length(end: number): number {
    const start = this.pos;
    const length = this.int64(end);
    if (typeof length === 'bigint' || length < 0) {
      this.fail(start, `length ${length} at byte ${start} is not a valid size`);
    }
    if (this.pos + length > end) {
      this.fail(start, `length ${length} at byte ${start} runs past end of ${this.describeEnd(end)}`);
    }
    return length;
  }

  /** A length-delimited UTF-8 string. */
  string(end: number): string {
    const length = this.length(end);
    if (length === 0) return '';
    this.ensure(length);
    const from = this.reader.pos;
    this.reader.pos = from + length;
    // Buffer's own utf8Slice: toString's argument and encoding checks cost as much as the
    // decoding itself for the short strings (names) that make up most of a graph.
    return (this.window as Buffer & { utf8Slice(start: number, end: number): string }).utf8Slice(from, from + length);
  }

  /** Skips `length` bytes without reading them. */
  skipBytes(length: number): void {
    this.seek(this.pos + length);
  }

  /** Skips one field's value of the given wire type (unknown fields, as protobuf keeps them). */
  skipField(tag: number, end: number): void {
    const wire = tag & 7;
    const start = this.pos;
    switch (wire) {
      case WireType.VARINT:
        this.int64(end);
        return;
      case WireType.FIXED64:
        if (start + 8 > end) this.fail(start, `fixed64 value at byte ${start} runs past end of ${this.describeEnd(end)}`);
        this.skipBytes(8);
        return;
      case WireType.LENGTH_DELIMITED:
        this.skipBytes(this.length(end));
        return;
      case WireType.FIXED32:
        if (start + 4 > end) this.fail(start, `fixed32 value at byte ${start} runs past end of ${this.describeEnd(end)}`);
        this.skipBytes(4);
        return;
      case WireType.START_GROUP: {
        // Deprecated groups may appear as unknown fields; skip up to the matching end tag.
        this.enter(`<group ${tag >>> 3}>`);
        for (;;) {
          if (this.pos >= end) this.fail(start, `group for field ${tag >>> 3} at byte ${start} has no end tag`);
          const inner = this.tag(end);
          if ((inner & 7) === WireType.END_GROUP) {
            if (inner >>> 3 !== tag >>> 3) this.fail(this.pos, `end-group tag for field ${inner >>> 3} does not match group ${tag >>> 3}`);
            break;
          }
          this.skipField(inner, end);
        }
        this.leave();
        return;
      }
      default:
        this.fail(start, `unexpected end-group tag for field ${tag >>> 3} at byte ${start}`);
    }
  }
}
