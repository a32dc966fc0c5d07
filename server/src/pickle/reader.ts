/**
 * A pickle reader that never unpickles: it decodes opcodes one by one and runs them on a
 * symbolic stack and memo, to learn which globals loading the stream would import and
 * which of them it would call. Nothing is ever executed or imported.
 *
 * The reader is a resumable state machine over windows of bytes, so the same code reads
 * an in-memory buffer (one window holding everything), a file by position, or a
 * decompressed zip member as a stream, without ever holding a large file in memory:
 * `run(windowStart, bytes, eof)` either finishes or answers which bytes it needs next.
 * Payloads (tensor bytes, long strings) are skipped by offset and never copied, and every
 * declared length is checked against what is there before anything is read.
 *
 * Where the reader and CPython's unpickler could disagree, the reader leans towards
 * reporting more: it keeps going past problems that would stop a real load (recording
 * them as errors), treats any STACK_GLOBAL operand it cannot prove to be a constant string
 * as an unresolvable global, and when a hostile file exhausts its limits (deep MARK
 * nesting, a huge stack) it stops tracking the stack but still sweeps the remaining
 * opcodes for every global they name.
 */
import type { PickleGlobalRef } from '../engine/rule';
import { HIGHEST_PROTOCOL, OPCODES, describeOpcodeByte, type OpcodeInfo } from './opcodes';
import { canonicalName, UNRESOLVED_MODULE } from './names';

export { UNRESOLVED_MODULE };

/** How the reader came to know a global. */
export type GlobalSource =
  | 'GLOBAL'
  | 'STACK_GLOBAL'
  | 'INST'
  | 'EXT'
  /** `getattr(os, 'system')` on a known object: the attribute it fetches. */
  | 'getattr'
  /** Imported by a pickle nested in this one (`pickle.loads(b'...')`, a joblib object array). */
  | 'nested';

/** A global as the reader reports it: the engine's `PickleGlobalRef` plus what the reader learned. */
export interface PickleGlobal extends PickleGlobalRef {
  /**
   * Whether loading runs its code: it is the target of REDUCE, NEWOBJ, NEWOBJ_EX, INST or
   * OBJ, or an instance of it receives BUILD (`__setstate__`), APPEND, SETITEM or ADDITEMS.
   */
  called: boolean;
  source: GlobalSource;
  /** For `nested` globals: their offset inside the nested pickle; `offset` is the nested load's call. */
  nestedOffset?: number;
}

/** A problem found while reading; `offset` is a byte offset within `member` when there is one. */
export interface PickleReadError {
  message: string;
  offset: number;
  member?: string;
}

export interface ReaderOptions {
  /** Offset of the first opcode in the stream (the bytes after an `.npy` header). */
  start?: number;
  /** The stream's length when known up front; lets a huge declared length fail at once. */
  length?: number;
  /**
   * Reads a pickle nested as bytes in this one (`pickle.loads(b'...')`), with offsets
   * inside those bytes. Omit to only report the nested load itself.
   */
  scanNested?: (bytes: Uint8Array) => { globals: PickleGlobal[]; errors: PickleReadError[] };
}

export interface ReaderResult {
  globals: PickleGlobal[];
  errors: PickleReadError[];
  /** The first pickle's PROTO, or 0/1 judged from its opcodes when it has none. */
  protocol: number | undefined;
  /** Complete pickles read (a STOP each). */
  pickles: number;
  /** The stream is a pre-1.6 `torch.save` file: five pickles, then raw storage bytes. */
  legacyTorch: boolean;
  /** The stream holds joblib's inline numpy arrays (NumpyArrayWrapper). */
  joblib: boolean;
}

/** Bytes the reader asks for before it can go on: at least `min` bytes from `pos`. */
export interface ReadRequest {
  pos: number;
  min: number;
}

// Limits. Each is far above what a real pickle needs; a hostile file that passes one
// gets an error naming the offset, never a hang or a huge allocation.
/** Longest protocol-0 text argument (a line). */
export const MAX_LINE = 4 * 1024 * 1024;
/** Payloads up to this size are always decoded (module and attribute names are short). */
const ALWAYS_KEPT = 256;
/** Longest payload kept at all (a nested pickle passed to `pickle.loads`). */
export const MAX_KEPT_PAYLOAD = 1024 * 1024;
/** Bytes of payload one read may keep in total, beyond the short ones. */
const KEPT_BUDGET = 16 * 1024 * 1024;
const MAX_NAME = 512;
const MAX_STACK_ITEMS = 1_000_000;
const MAX_MARK_DEPTH = 100_000;
const MAX_MEMO = 1 << 20;
const MAX_CONTAINER_ITEMS = 1024;
const MAX_DISTINCT_GLOBALS = 10_000;
const MAX_ERRORS = 20;
/** joblib object arrays nest whole pickles inside the outer one. */
const MAX_NESTED_STREAMS = 8;

/** The first pickle of a legacy `torch.save` file holds this number. */
const TORCH_LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
/** Pickles in a legacy torch file before its raw storage bytes. */
const TORCH_LEGACY_PICKLES = 5;

// ---------------------------------------------------------------------------
// Symbolic values: what the reader knows about each stack item.

type SeqType = 'tuple' | 'list' | 'set' | 'frozenset';

type Sym =
  /** `s` undefined: too long to keep, or computed. `raw`: the bytes of a protocol-0/1 (py2) string. */
  | { k: 'str'; s: string | undefined; raw?: Uint8Array }
  | { k: 'bytes'; data: Uint8Array | undefined }
  | { k: 'int'; v: bigint | undefined }
  | { k: 'float' }
  | { k: 'bool' }
  | { k: 'none' }
  | { k: 'seq'; type: SeqType; items: Sym[]; dropped: number }
  | { k: 'dict'; entries: Array<[Sym, Sym]>; dropped: number }
  | { k: 'global'; index: number }
  /** A module object, as `__import__('os')` returns it. */
  | { k: 'module'; name: string }
  /** The result of calling `callee`; `state` is what BUILD gave it. */
  | { k: 'obj'; callee: Sym; args: Sym | undefined; state?: Sym }
  /** Something the reader does not model (a persistent id's object, a buffer, a missing item). */
  | { k: 'opaque'; what: string };

const NONE: Sym = { k: 'none' };
const BOOL: Sym = { k: 'bool' };
const FLOAT: Sym = { k: 'float' };
const MISSING: Sym = { k: 'opaque', what: 'missing' };

/** Thrown inside `run` when the window ends before the current opcode does. */
class NeedBytes {
  constructor(
    readonly pos: number,
    readonly min: number,
  ) {}
}

/** Thrown inside `run` when the stream cannot be decoded any further. */
class Fatal {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/** One pickle being read: its stack, memo and protocol. */
interface PickleState {
  start: number;
  stack: Sym[];
  metastack: Sym[][];
  /** Items on the stack and the metastack together. */
  depth: number;
  memo: Map<number, Sym>;
  memoOverflow: boolean;
  proto: number | undefined;
  /** Highest protocol among the opcodes seen, for pickles without PROTO. */
  opcodeProto: number;
  /** Stop tracking values; only collect the globals the remaining opcodes name. */
  sweep: boolean;
}

/** What must happen between two opcodes: joblib's raw array bytes, or a nested pickle. */
type Pending =
  | { kind: 'raw'; at: number; bytes: bigint; aligned: boolean }
  | { kind: 'nested'; at: number };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

export class PickleReader {
  private readonly globals: PickleGlobal[] = [];
  private readonly globalIndex = new Map<string, number>();
  private readonly errors: PickleReadError[] = [];
  private suppressedErrors = 0;
  private keptBytes = 0;

  private pos: number;
  private win: Uint8Array = new Uint8Array(0);
  private winStart = 0;
  private eof = false;
  private finished = false;

  private state: PickleState | undefined;
  /** Outer pickles suspended while a nested one (joblib object array) is read. */
  private readonly outer: PickleState[] = [];
  private pending: Pending | undefined;
  private pickles = 0;
  private lastStop = -1;
  private protocol: number | undefined;
  private legacyTorch = false;
  private joblib = false;
  /** The last payload skipped without reading, to name it if the stream ends inside it. */
  private lastSkip: { op: string; at: number; length: bigint } | undefined;

  constructor(private readonly options: ReaderOptions = {}) {
    this.pos = options.start ?? 0;
  }

  /**
   * Reads opcodes from `bytes`, which hold the stream from offset `windowStart` on; `eof`
   * says the stream ends where `bytes` do. Returns undefined when done, or the bytes it
   * needs next (never before an offset it already asked for).
   */
  run(windowStart: number, bytes: Uint8Array, eof: boolean): ReadRequest | undefined {
    this.win = bytes;
    this.winStart = windowStart;
    this.eof = eof;
    try {
      while (!this.finished) {
        const request = this.step();
        if (request) return request;
      }
      return undefined;
    } catch (signal) {
      if (signal instanceof NeedBytes) return { pos: signal.pos, min: signal.min };
      if (signal instanceof Fatal) {
        this.fail(signal.message, signal.offset);
        return undefined;
      }
      throw signal;
    }
  }

  /** Ends the read early with an error (the caller's source failed). */
  abort(message: string, offset: number): void {
    this.fail(message, offset);
  }

  result(): ReaderResult {
    const errors = [...this.errors];
    if (this.suppressedErrors > 0) {
      errors.push({ message: `${this.suppressedErrors} more problems not listed`, offset: errors[errors.length - 1]?.offset ?? 0 });
    }
    return {
      globals: this.globals.map((g) => ({ ...g })),
      errors,
      protocol: this.protocol,
      pickles: this.pickles,
      legacyTorch: this.legacyTorch,
      joblib: this.joblib,
    };
  }

  // -------------------------------------------------------------------------
  // Window access

  private get windowEnd(): number {
    return this.winStart + this.win.length;
  }

  private byteAt(offset: number): number {
    return this.win[offset - this.winStart];
  }

  /**
   * True when the window holds `[from, from + count)`. When it does not and more may come,
   * asks for the bytes from `opStart` (the opcode is decoded again from its start); when the
   * stream ends first, returns false and the caller reports the truncation.
   */
  private have(opStart: number, from: number, count: number): boolean {
    if (from + count <= this.windowEnd) return true;
    if (this.eof) return false;
    throw new NeedBytes(opStart, from + count - opStart);
  }

  private readUint(offset: number, size: number): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + this.byteAt(offset + i);
    return v;
  }

  private readUint64(offset: number): bigint {
    return (BigInt(this.readUint(offset + 4, 4)) << 32n) | BigInt(this.readUint(offset, 4));
  }

  // -------------------------------------------------------------------------
  // Errors and globals

  /** Ends the read; the error that ended it is always listed, past the cap on errors too. */
  private fail(message: string, offset: number): void {
    this.finished = true;
    this.errors.push({ message, offset });
  }

  private addError(message: string, offset: number): void {
    if (this.errors.length >= MAX_ERRORS) {
      this.suppressedErrors++;
      return;
    }
    this.errors.push({ message, offset });
  }

  private addGlobal(module: string, name: string, offset: number, source: GlobalSource, nestedOffset?: number): number {
    module = clip(module);
    name = clip(name);
    const key = `${module}\0${name}`;
    const known = this.globalIndex.get(key);
    if (known !== undefined) return known;
    if (this.globals.length >= MAX_DISTINCT_GLOBALS) {
      // Past the cap, every further name collapses into one unresolved global, so a file
      // cannot push a dangerous name out of view by naming thousands of harmless ones first.
      const overflowKey = `${UNRESOLVED_MODULE}\0overflow`;
      const overflow = this.globalIndex.get(overflowKey);
      if (overflow !== undefined) return overflow;
      const index = this.globals.length;
      this.globals.push({
        module: UNRESOLVED_MODULE,
        name: `more than ${MAX_DISTINCT_GLOBALS} distinct globals; the rest were not recorded`,
        offset,
        called: false,
        source,
      });
      this.globalIndex.set(overflowKey, index);
      return index;
    }
    const index = this.globals.length;
    const g: PickleGlobal = { module, name, offset, called: false, source };
    if (nestedOffset !== undefined) g.nestedOffset = nestedOffset;
    this.globals.push(g);
    this.globalIndex.set(key, index);
    return index;
  }

  private addUnresolved(reason: string, offset: number, source: GlobalSource): number {
    return this.addGlobal(UNRESOLVED_MODULE, reason, offset, source);
  }

  /** Marks the global behind `sym` as called (its code runs on load): a callable, or an instance's class. */
  private markCalled(sym: Sym): void {
    const target = sym.k === 'obj' ? this.classOf(sym) : sym;
    if (target.k === 'global') this.globals[target.index].called = true;
  }

  /**
   * The class of an instance: what created it, except for copyreg's helpers, which create
   * an instance of their first argument (`copyreg._reconstructor(cls, object, None)`, the
   * protocol 0/1 spelling of `cls.__new__(cls)`).
   */
  private classOf(obj: Sym & { k: 'obj' }): Sym {
    const creator = this.globalName(obj.callee);
    if (creator && COPYREG_CONSTRUCTORS.has(creator) && obj.args?.k === 'seq' && obj.args.items[0]) return obj.args.items[0];
    return obj.callee;
  }

  private globalName(sym: Sym): string | undefined {
    if (sym.k !== 'global') return undefined;
    const g = this.globals[sym.index];
    return g.module === UNRESOLVED_MODULE ? undefined : canonicalName(g.module, g.name);
  }

  // -------------------------------------------------------------------------
  // The loop

  /** Reads one opcode; returns a request when the window ends exactly before it (the common case, without a throw). */
  private step(): ReadRequest | undefined {
    if (this.pending) {
      this.runPending(this.pending);
      return undefined;
    }
    const at = this.pos;
    if (at >= this.windowEnd) {
      if (!this.eof) return { pos: at, min: 1 };
      this.endOfData(at);
      return undefined;
    }
    const byte = this.byteAt(at);
    const info = OPCODES[byte];
    if (!this.state) {
      if (!info) {
        const where = this.pickles > 0
          ? `bytes after the pickle that ended at byte ${this.lastStop} are not a pickle: ${describeOpcodeByte(byte)} at byte ${at} is not a pickle opcode`
          : `not a pickle: ${describeOpcodeByte(byte)} at byte ${at} is not a pickle opcode`;
        throw new Fatal(where, at);
      }
      this.state = newState(at);
    }
    if (!info) throw new Fatal(`invalid opcode ${describeOpcodeByte(byte)} at byte ${at}`, at);
    const arg = this.decodeArg(info, at);
    this.pos = arg.end;
    const state = this.state;
    if (info.proto > state.opcodeProto) state.opcodeProto = info.proto;
    if (state.sweep) this.sweepOp(info, arg, at);
    else this.execute(info, arg, at);
    return undefined;
  }

  /** The stream ended at `at` (or before it, inside a skipped payload). */
  private endOfData(at: number): void {
    const end = this.windowEnd;
    if (at > end && this.lastSkip) {
      const s = this.lastSkip;
      throw new Fatal(`truncated: ${s.op} at byte ${s.at} declares ${s.length} bytes but the data ends at byte ${end}`, s.at);
    }
    if (this.state) {
      throw new Fatal(`truncated: the data ends at byte ${end}, inside the pickle that starts at byte ${this.state.start} (no STOP opcode)`, end);
    }
    if (this.pickles === 0) {
      const start = this.options.start ?? 0;
      throw new Fatal(end === 0 ? 'empty file: no pickle data (0 bytes)' : `no pickle data after byte ${start}`, start);
    }
    if (this.legacyTorch && this.pickles < TORCH_LEGACY_PICKLES) {
      throw new Fatal(`truncated: this legacy torch.save file ends at byte ${end}, after ${this.pickles} of its ${TORCH_LEGACY_PICKLES} pickles`, end);
    }
    this.finished = true;
  }

  // -------------------------------------------------------------------------
  // Argument decoding: reads everything an opcode needs before any state changes, so
  // an opcode interrupted by the window's end is simply decoded again.

  private decodeArg(info: OpcodeInfo, at: number): DecodedArg {
    const name = info.name;
    switch (info.arg) {
      case 'none':
        return { end: at + 1 };
      case 'u1':
      case 'u2':
      case 'u4':
      case 'i4': {
        const size = info.arg === 'u1' ? 1 : info.arg === 'u2' ? 2 : 4;
        if (!this.have(at, at + 1, size)) throw this.truncated(name, at, size);
        let n = this.readUint(at + 1, size);
        if (info.arg === 'i4' && n >= 0x80000000) n -= 0x100000000;
        return { end: at + 1 + size, n };
      }
      case 'u8': {
        if (!this.have(at, at + 1, 8)) throw this.truncated(name, at, 8);
        return { end: at + 9, big: this.readUint64(at + 1) };
      }
      case 'f8':
        if (!this.have(at, at + 1, 8)) throw this.truncated(name, at, 8);
        return { end: at + 9 };
      case 'line': {
        const line = this.readLine(name, at, at + 1);
        return { end: line.next, text: line.bytes };
      }
      case 'line2': {
        const first = this.readLine(name, at, at + 1);
        const second = this.readLine(name, at, first.next);
        return { end: second.next, text: first.bytes, text2: second.bytes };
      }
      case 'len1':
      case 'len4':
      case 'len4s':
      case 'len8':
        return this.decodePayload(info, at);
    }
  }

  private truncated(op: string, at: number, wanted: number): Fatal {
    return new Fatal(`truncated: ${op} at byte ${at} is cut off (its ${wanted}-byte argument runs past the end of the data at byte ${this.windowEnd})`, at);
  }

  /** A newline-terminated argument starting at `from`; `bytes` excludes the newline. */
  private readLine(op: string, at: number, from: number): { bytes: Uint8Array; next: number } {
    const limit = Math.min(this.windowEnd, from + MAX_LINE + 1);
    const newline = this.win.subarray(0, limit - this.winStart).indexOf(0x0a, from - this.winStart);
    if (newline >= 0) return { bytes: this.win.subarray(from - this.winStart, newline), next: this.winStart + newline + 1 };
    if (limit === from + MAX_LINE + 1) throw new Fatal(`${op} at byte ${at}: text argument longer than ${MAX_LINE} bytes (no newline)`, at);
    if (this.eof) throw new Fatal(`truncated: ${op} at byte ${at}: the data ends at byte ${this.windowEnd} before the newline that ends its argument`, at);
    throw new NeedBytes(at, from - at + MAX_LINE + 1);
  }

  private decodePayload(info: OpcodeInfo, at: number): DecodedArg {
    const name = info.name;
    const prefix = info.arg === 'len1' ? 1 : info.arg === 'len8' ? 8 : 4;
    if (!this.have(at, at + 1, prefix)) throw this.truncated(name, at, prefix);
    let length: bigint;
    if (prefix === 8) length = this.readUint64(at + 1);
    else {
      let n = this.readUint(at + 1, prefix);
      if (info.arg === 'len4s' && n >= 0x80000000) n -= 0x100000000;
      length = BigInt(n);
    }
    if (length < 0n) throw new Fatal(`${name} at byte ${at} declares a negative length (${length})`, at);
    const start = at + 1 + prefix;
    const known = this.options.length;
    if (known !== undefined && BigInt(start) + length > BigInt(known)) {
      throw new Fatal(`truncated: ${name} at byte ${at} declares ${length} bytes but only ${Math.max(0, known - start)} remain`, at);
    }
    if (length > BigInt(Number.MAX_SAFE_INTEGER - start)) {
      throw new Fatal(`truncated: ${name} at byte ${at} declares ${length} bytes, more than any file holds`, at);
    }
    const n = Number(length);
    const keep = n <= ALWAYS_KEPT || (n <= MAX_KEPT_PAYLOAD && this.keptBytes + n <= KEPT_BUDGET);
    if (!keep) {
      // Skipped by offset: the next read starts after it, and a stream that ends inside it
      // is reported against this opcode.
      this.lastSkip = { op: name, at, length };
      return { end: start + n, length: n };
    }
    if (!this.have(at, start, n)) {
      throw new Fatal(`truncated: ${name} at byte ${at} declares ${n} bytes but only ${Math.max(0, this.windowEnd - start)} remain`, at);
    }
    if (n > ALWAYS_KEPT) this.keptBytes += n;
    // A copy: the window's buffer is reused by streaming sources.
    return { end: start + n, length: n, payload: this.win.slice(start - this.winStart, start - this.winStart + n) };
  }

  // -------------------------------------------------------------------------
  // Stack machinery (CPython's: MARK moves the stack onto a metastack)

  private push(sym: Sym, at: number): void {
    const s = this.state!;
    if (s.depth >= MAX_STACK_ITEMS) {
      this.startSweep(`the stack holds more than ${MAX_STACK_ITEMS} items at byte ${at}`, at);
      return;
    }
    s.stack.push(sym);
    s.depth++;
  }

  private pop(op: string, at: number): Sym {
    const s = this.state!;
    const v = s.stack.pop();
    if (v === undefined) {
      this.addError(`stack underflow: ${op} at byte ${at} needs an item the stack does not have`, at);
      return MISSING;
    }
    s.depth--;
    return v;
  }

  private top(op: string, at: number): Sym {
    const s = this.state!;
    const v = s.stack[s.stack.length - 1];
    if (v === undefined) {
      this.addError(`stack underflow: ${op} at byte ${at} needs an item the stack does not have`, at);
      return MISSING;
    }
    return v;
  }

  private replaceTop(sym: Sym): void {
    const s = this.state!;
    if (s.stack.length > 0) s.stack[s.stack.length - 1] = sym;
    else {
      s.stack.push(sym);
      s.depth++;
    }
  }

  private popMark(op: string, at: number): Sym[] {
    const s = this.state!;
    const items = s.stack;
    const previous = s.metastack.pop();
    if (previous === undefined) {
      this.addError(`${op} at byte ${at} needs a MARK that is not there`, at);
      s.stack = [];
    } else s.stack = previous;
    s.depth -= items.length;
    return items;
  }

  private startSweep(reason: string, at: number): void {
    const s = this.state!;
    if (s.sweep) return;
    s.sweep = true;
    s.stack = [];
    s.metastack = [];
    s.memo.clear();
    s.depth = 0;
    this.addError(`${reason}; the rest of this pickle was swept for globals without tracking the stack`, at);
  }

  // -------------------------------------------------------------------------
  // Opcodes

  private execute(info: OpcodeInfo, arg: DecodedArg, at: number): void {
    const s = this.state!;
    const op = info.name;
    switch (op) {
      case 'PROTO':
        if (arg.n! > HIGHEST_PROTOCOL) this.addError(`unsupported pickle protocol ${arg.n} (PROTO at byte ${at}; the highest is ${HIGHEST_PROTOCOL})`, at);
        s.proto ??= arg.n!;
        if (this.pickles === 0 && this.outer.length === 0) this.protocol ??= arg.n!;
        return;
      case 'FRAME': {
        // Frames only group opcodes for buffering; the opcodes inside read the same either way.
        const length = arg.big!;
        const known = this.options.length;
        if (known !== undefined && BigInt(arg.end) + length > BigInt(known)) {
          // CPython would refuse the whole frame; the reader still reads what is there, so
          // that a truncated file shows every global it holds.
          this.addError(`truncated: FRAME at byte ${at} declares ${length} bytes but only ${Math.max(0, known - arg.end)} remain`, at);
        }
        return;
      }
      case 'STOP':
        this.stop(this.pop(op, at), at);
        return;

      // Constants
      case 'NONE':
        return this.push(NONE, at);
      case 'NEWTRUE':
      case 'NEWFALSE':
        return this.push(BOOL, at);
      case 'FLOAT':
      case 'BINFLOAT':
        return this.push(FLOAT, at);
      case 'INT':
        return this.push(this.parseIntLine(op, arg.text!, at, false), at);
      case 'LONG':
        return this.push(this.parseIntLine(op, arg.text!, at, true), at);
      case 'BININT':
      case 'BININT1':
      case 'BININT2':
        return this.push({ k: 'int', v: BigInt(arg.n!) }, at);
      case 'LONG1':
      case 'LONG4':
        return this.push({ k: 'int', v: arg.payload && arg.payload.length <= 64 ? decodeLong(arg.payload) : undefined }, at);
      case 'STRING':
        // A text argument too long to be a name is not decoded: its value matters to nothing.
        return this.push(arg.text!.length > MAX_KEPT_PAYLOAD ? { k: 'str', s: undefined } : this.parseStringLine(arg.text!, at), at);
      case 'BINSTRING':
      case 'SHORT_BINSTRING':
        // Python 2 `str`: Python 3 decodes it to `str` (ASCII by default, latin1 for numpy).
        return this.push({ k: 'str', s: arg.payload ? latin1.decode(arg.payload) : undefined, raw: arg.payload }, at);
      case 'UNICODE':
        return this.push({ k: 'str', s: arg.text!.length > MAX_KEPT_PAYLOAD ? undefined : decodeRawUnicodeEscape(arg.text!) }, at);
      case 'BINUNICODE':
      case 'SHORT_BINUNICODE':
      case 'BINUNICODE8':
        return this.push({ k: 'str', s: arg.payload ? decodeUtf8(arg.payload) : undefined }, at);
      case 'BINBYTES':
      case 'SHORT_BINBYTES':
      case 'BINBYTES8':
        return this.push({ k: 'bytes', data: arg.payload }, at);
      case 'BYTEARRAY8':
        return this.push({ k: 'opaque', what: 'bytearray' }, at);
      case 'NEXT_BUFFER':
        return this.push({ k: 'opaque', what: 'out-of-band buffer' }, at);
      case 'READONLY_BUFFER':
        this.top(op, at);
        return;

      // Containers
      case 'EMPTY_LIST':
        return this.push(newSeq('list', []), at);
      case 'EMPTY_TUPLE':
        return this.push(newSeq('tuple', []), at);
      case 'EMPTY_DICT':
        return this.push({ k: 'dict', entries: [], dropped: 0 }, at);
      case 'EMPTY_SET':
        return this.push(newSeq('set', []), at);
      case 'LIST':
        return this.push(newSeq('list', this.popMark(op, at)), at);
      case 'TUPLE':
        return this.push(newSeq('tuple', this.popMark(op, at)), at);
      case 'FROZENSET':
        return this.push(newSeq('frozenset', this.popMark(op, at)), at);
      case 'TUPLE1':
      case 'TUPLE2':
      case 'TUPLE3': {
        const n = op === 'TUPLE1' ? 1 : op === 'TUPLE2' ? 2 : 3;
        const items: Sym[] = [];
        for (let i = 0; i < n; i++) items.unshift(this.pop(op, at));
        return this.push(newSeq('tuple', items), at);
      }
      case 'DICT': {
        const items = this.popMark(op, at);
        const d: Sym = { k: 'dict', entries: [], dropped: 0 };
        for (let i = 0; i + 1 < items.length; i += 2) addEntry(d, items[i], items[i + 1]);
        if (items.length % 2 !== 0) this.addError(`DICT at byte ${at} has an odd number of items`, at);
        return this.push(d, at);
      }
      case 'APPEND': {
        const value = this.pop(op, at);
        this.addToContainer(this.top(op, at), [value]);
        return;
      }
      case 'APPENDS': {
        const items = this.popMark(op, at);
        this.addToContainer(this.top(op, at), items);
        return;
      }
      case 'ADDITEMS': {
        const items = this.popMark(op, at);
        this.addToContainer(this.top(op, at), items);
        return;
      }
      case 'SETITEM': {
        const value = this.pop(op, at);
        const key = this.pop(op, at);
        this.setItems(this.top(op, at), [key, value], op, at);
        return;
      }
      case 'SETITEMS': {
        const items = this.popMark(op, at);
        this.setItems(this.top(op, at), items, op, at);
        return;
      }

      // Stack manipulation
      case 'MARK':
        if (s.metastack.length >= MAX_MARK_DEPTH) {
          this.startSweep(`MARK nesting deeper than ${MAX_MARK_DEPTH} at byte ${at}`, at);
          return;
        }
        s.metastack.push(s.stack);
        s.stack = [];
        return;
      case 'POP':
        if (s.stack.length > 0) this.pop(op, at);
        else this.popMark(op, at);
        return;
      case 'POP_MARK':
        this.popMark(op, at);
        return;
      case 'DUP':
        return this.push(this.top(op, at), at);

      // Memo
      case 'PUT':
        return this.memoPut(this.parseIndex(op, arg.text!, at), at, op);
      case 'BINPUT':
      case 'LONG_BINPUT':
        return this.memoPut(arg.n!, at, op);
      case 'MEMOIZE':
        if (!s.memoOverflow) this.memoPut(s.memo.size, at, op);
        return;
      case 'GET':
        return this.memoGet(this.parseIndex(op, arg.text!, at), at, op);
      case 'BINGET':
      case 'LONG_BINGET':
        return this.memoGet(arg.n!, at, op);

      // Globals and calls
      case 'GLOBAL': {
        const index = this.addGlobal(decodeUtf8(arg.text!), decodeUtf8(arg.text2!), at, 'GLOBAL');
        return this.push({ k: 'global', index }, at);
      }
      case 'STACK_GLOBAL': {
        const name = this.pop(op, at);
        const module = this.pop(op, at);
        return this.push(this.stackGlobal(module, name, at), at);
      }
      case 'INST': {
        const index = this.addGlobal(decodeUtf8(arg.text!), decodeUtf8(arg.text2!), at, 'INST');
        this.globals[index].called = true;
        const args = this.popMark(op, at);
        return this.push({ k: 'obj', callee: { k: 'global', index }, args: newSeq('tuple', args) }, at);
      }
      case 'EXT1':
      case 'EXT2':
      case 'EXT4': {
        // The code names a global through copyreg's extension registry, which only the
        // loading process knows: the reader cannot tell which.
        const index = this.addUnresolved(`${op} extension code ${arg.n}, looked up in copyreg's registry`, at, 'EXT');
        return this.push({ k: 'global', index }, at);
      }
      case 'REDUCE': {
        const args = this.pop(op, at);
        const callee = this.top(op, at);
        this.markCalled(callee);
        const result = this.reduce(callee, args, at);
        if (result.k === 'obj') this.markCalled(result); // copyreg helpers instantiate their argument
        this.replaceTop(result);
        return;
      }
      case 'NEWOBJ': {
        const args = this.pop(op, at);
        const cls = this.pop(op, at);
        this.markCalled(cls);
        return this.push({ k: 'obj', callee: cls, args }, at);
      }
      case 'NEWOBJ_EX': {
        this.pop(op, at); // kwargs
        const args = this.pop(op, at);
        const cls = this.pop(op, at);
        this.markCalled(cls);
        return this.push({ k: 'obj', callee: cls, args }, at);
      }
      case 'OBJ': {
        const items = this.popMark(op, at);
        const cls = items.shift() ?? MISSING;
        this.markCalled(cls);
        return this.push({ k: 'obj', callee: cls, args: newSeq('tuple', items) }, at);
      }
      case 'BUILD': {
        const state = this.pop(op, at);
        const inst = this.top(op, at);
        this.markCalled(inst);
        if (inst.k === 'obj') {
          inst.state = state;
          if (inst.callee.k === 'global' && isJoblibArrayWrapper(this.globalName(inst.callee))) this.joblibArray(state, at);
        }
        return;
      }
      case 'PERSID':
      case 'BINPERSID':
        // The loader's persistent_load decides (torch: a storage from the archive).
        if (op === 'BINPERSID') this.pop(op, at);
        return this.push({ k: 'opaque', what: 'persistent object' }, at);
      default: {
        // Unreachable: the compiler checks that every OpcodeName has a case.
        const unhandled: never = op;
        throw new Error(`opcode ${String(unhandled)} has no handler`);
      }
    }
  }

  /** After the reader stopped tracking the stack: collect globals, find STOP. */
  private sweepOp(info: OpcodeInfo, arg: DecodedArg, at: number): void {
    switch (info.name) {
      case 'GLOBAL':
        this.addGlobal(decodeUtf8(arg.text!), decodeUtf8(arg.text2!), at, 'GLOBAL');
        return;
      case 'INST': {
        const index = this.addGlobal(decodeUtf8(arg.text!), decodeUtf8(arg.text2!), at, 'INST');
        this.globals[index].called = true;
        return;
      }
      case 'STACK_GLOBAL':
        this.addUnresolved('STACK_GLOBAL after the reader stopped tracking the stack', at, 'STACK_GLOBAL');
        return;
      case 'EXT1':
      case 'EXT2':
      case 'EXT4':
        this.addUnresolved(`${info.name} extension code ${arg.n}, looked up in copyreg's registry`, at, 'EXT');
        return;
      case 'STOP':
        this.stop(MISSING, at);
        return;
    }
  }

  private stop(value: Sym, at: number): void {
    const s = this.state!;
    const outer = this.outer.pop();
    if (outer) {
      // The end of a nested pickle (a joblib object array): the outer one goes on, with
      // the array in place of its wrapper.
      this.state = outer;
      this.replaceTop({ k: 'opaque', what: 'array' });
      return;
    }
    this.pickles++;
    this.lastStop = at;
    if (this.pickles === 1) {
      this.protocol ??= Math.min(s.opcodeProto, 1);
      if (value.k === 'int' && value.v === TORCH_LEGACY_MAGIC) this.legacyTorch = true;
    }
    this.state = undefined;
    // A legacy torch file goes on with raw storage bytes that no unpickler reads.
    if (this.legacyTorch && this.pickles === TORCH_LEGACY_PICKLES) this.finished = true;
  }

  private memoPut(key: number, at: number, op: string): void {
    const s = this.state!;
    const value = this.top(op, at);
    if (!s.memo.has(key) && s.memo.size >= MAX_MEMO) {
      // Further entries are not kept; a later GET of one yields an unknown value, which
      // makes a STACK_GLOBAL on it unresolvable (reported), never silently resolved.
      s.memoOverflow = true;
      return;
    }
    s.memo.set(key, value);
  }

  private memoGet(key: number, at: number, op: string): void {
    const s = this.state!;
    const value = s.memo.get(key);
    if (value === undefined) {
      if (!s.memoOverflow) this.addError(`${op} at byte ${at} reads memo entry ${key}, which was never stored`, at);
      this.push(MISSING, at);
      return;
    }
    this.push(value, at);
  }

  private stackGlobal(module: Sym, name: Sym, at: number): Sym {
    if (module.k === 'str' && module.s !== undefined && name.k === 'str' && name.s !== undefined) {
      return { k: 'global', index: this.addGlobal(module.s, name.s, at, 'STACK_GLOBAL') };
    }
    // CPython refuses operands that are not `str`; a constant of another type stops the load.
    if (isNonStringConstant(module) || isNonStringConstant(name)) {
      this.addError(`STACK_GLOBAL at byte ${at} has operands that are not strings; loading stops here`, at);
      return MISSING;
    }
    // Anything else may be a string computed while loading: the classic way to hide a global.
    const describe = (sym: Sym) => (sym.k === 'str' && sym.s !== undefined ? `'${clip(sym.s, 60)}'` : describeSym(sym));
    const index = this.addUnresolved(`STACK_GLOBAL on values computed while loading: module ${describe(module)}, name ${describe(name)}`, at, 'STACK_GLOBAL');
    return { k: 'global', index };
  }

  /**
   * The value of `callee(*args)`. A few callables are followed so that what they reach is
   * reported: `getattr(x, 'name')` on a known module or global, `__import__('os')`,
   * `pickle.loads(b'...')` on constant bytes, and `_codecs.encode`, which protocol-2
   * pickles use to spell bytes.
   */
  private reduce(callee: Sym, args: Sym, at: number): Sym {
    const called = this.globalName(callee);
    const items = args.k === 'seq' ? args.items : [];
    const first = items[0];
    const text = (sym: Sym | undefined) => (sym?.k === 'str' ? sym.s : undefined);
    if (called && GETATTR.has(called) && items.length >= 2) {
      const attribute = text(items[1]);
      const target = items[0];
      if (attribute !== undefined) {
        if (target.k === 'module') return { k: 'global', index: this.addGlobal(target.name, attribute, at, 'getattr') };
        if (target.k === 'global') {
          const g = this.globals[target.index];
          if (g.module !== UNRESOLVED_MODULE) return { k: 'global', index: this.addGlobal(g.module, `${g.name}.${attribute}`, at, 'getattr') };
        }
      }
    }
    if (called && IMPORTERS.has(called)) {
      const name = text(first);
      if (name !== undefined) return { k: 'module', name };
    }
    if (called === '_codecs.encode') {
      const s = text(first);
      const encoding = (text(items[1]) ?? 'utf-8').toLowerCase().replace(/_/g, '-');
      if (s !== undefined && s.length <= MAX_KEPT_PAYLOAD) {
        return { k: 'bytes', data: LATIN1_NAMES.has(encoding) ? encodeLatin1(s) : new TextEncoder().encode(s) };
      }
      return { k: 'bytes', data: undefined };
    }
    if (called && NESTED_LOADS.has(called) && first) {
      const data = first.k === 'bytes' ? first.data : first.k === 'str' ? first.raw : undefined;
      if (data && this.options.scanNested) this.readNested(data, called, at);
    }
    return { k: 'obj', callee, args };
  }

  private readNested(data: Uint8Array, loader: string, at: number): void {
    const nested = this.options.scanNested!(data);
    for (const g of nested.globals) {
      const index = this.addGlobal(g.module, g.name, at, 'nested', g.nestedOffset ?? g.offset);
      if (g.called) this.globals[index].called = true;
    }
    for (const e of nested.errors) this.addError(`in the pickle passed to ${loader} at byte ${at}: ${e.message}`, at);
  }

  private addToContainer(target: Sym, items: Sym[]): void {
    if (target.k === 'seq') {
      for (const item of items) {
        if (target.items.length < MAX_CONTAINER_ITEMS) target.items.push(item);
        else target.dropped++;
      }
    } else this.markCalled(target); // `append`/`extend`/`add` of an arbitrary object run its code
  }

  private setItems(target: Sym, items: Sym[], op: string, at: number): void {
    if (items.length % 2 !== 0) this.addError(`${op} at byte ${at} has an odd number of items`, at);
    if (target.k === 'dict') {
      for (let i = 0; i + 1 < items.length; i += 2) addEntry(target, items[i], items[i + 1]);
    } else this.markCalled(target); // `__setitem__` of an arbitrary object runs its code
  }

  private parseIntLine(op: string, text: Uint8Array, at: number, long: boolean): Sym {
    let literal = latin1.decode(text).trim();
    if (!long && literal === '00') return BOOL; // protocol 0 spells False and True as I00 / I01
    if (!long && literal === '01') return BOOL;
    if (long && literal.endsWith('L')) literal = literal.slice(0, -1);
    try {
      if (!/^[+-]?(0[xob])?[0-9a-f_]+$/i.test(literal)) throw new Error();
      const negative = literal.startsWith('-');
      const digits = literal.replace(/^[+-]/, '').replace(/_/g, '');
      const v = BigInt(digits);
      return { k: 'int', v: negative ? -v : v };
    } catch {
      this.addError(`${op} at byte ${at}: invalid integer literal '${clip(literal, 40)}'`, at);
      return { k: 'int', v: undefined };
    }
  }

  private parseIndex(op: string, text: Uint8Array, at: number): number {
    const literal = latin1.decode(text).trim();
    if (!/^\d+$/.test(literal)) {
      this.addError(`${op} at byte ${at}: invalid memo index '${clip(literal, 40)}'`, at);
      return -1;
    }
    return Number(literal);
  }

  private parseStringLine(text: Uint8Array, at: number): Sym {
    const quote = text[0];
    if (text.length < 2 || (quote !== 0x27 && quote !== 0x22) || text[text.length - 1] !== quote) {
      this.addError(`STRING at byte ${at}: the argument must be quoted`, at);
      return { k: 'str', s: undefined };
    }
    const raw = decodeEscapes(text.subarray(1, text.length - 1));
    return { k: 'str', s: latin1.decode(raw), raw };
  }

  /**
   * joblib writes a numpy array's bytes right after the BUILD of its NumpyArrayWrapper,
   * outside any opcode (or, for object arrays, a whole nested pickle). Work out how many
   * bytes follow from the wrapper's state so the reader can step over them.
   */
  private joblibArray(state: Sym, at: number): void {
    this.joblib = true;
    const layout = joblibLayout(state);
    if (layout === undefined) {
      throw new Fatal(`joblib NumpyArrayWrapper at byte ${at}: cannot tell the size of the array data that follows it; the rest of the file was not read`, at);
    }
    this.pending = layout.nested ? { kind: 'nested', at: this.pos } : { kind: 'raw', at: this.pos, bytes: layout.bytes, aligned: layout.aligned };
  }

  private runPending(p: Pending): void {
    if (p.kind === 'nested') {
      if (this.outer.length >= MAX_NESTED_STREAMS) throw new Fatal(`pickles nested deeper than ${MAX_NESTED_STREAMS} at byte ${p.at}`, p.at);
      this.pending = undefined;
      this.outer.push(this.state!);
      this.state = newState(this.pos);
      return;
    }
    let start = p.at;
    if (p.aligned) {
      // One byte gives the padding length, then that many padding bytes.
      if (!this.have(p.at, p.at, 1)) throw new Fatal(`truncated: joblib array data at byte ${p.at} is missing`, p.at);
      start = p.at + 1 + this.byteAt(p.at);
    }
    const end = BigInt(start) + p.bytes;
    const known = this.options.length;
    if ((known !== undefined && end > BigInt(known)) || end > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new Fatal(`truncated: the joblib array data at byte ${p.at} needs ${p.bytes} bytes but only ${Math.max(0, (known ?? 0) - start)} remain`, p.at);
    }
    this.pending = undefined;
    this.lastSkip = { op: 'joblib array data', at: p.at, length: p.bytes };
    this.pos = Number(end);
    this.replaceTop({ k: 'opaque', what: 'array' });
  }
}

interface DecodedArg {
  /** Offset just after the opcode and its argument. */
  end: number;
  n?: number;
  big?: bigint;
  text?: Uint8Array;
  text2?: Uint8Array;
  length?: number;
  /** The payload, when short enough to keep. */
  payload?: Uint8Array;
}

function newState(start: number): PickleState {
  return { start, stack: [], metastack: [], depth: 0, memo: new Map(), memoOverflow: false, proto: undefined, opcodeProto: 0, sweep: false };
}

function newSeq(type: SeqType, items: Sym[]): Sym {
  if (items.length <= MAX_CONTAINER_ITEMS) return { k: 'seq', type, items, dropped: 0 };
  return { k: 'seq', type, items: items.slice(0, MAX_CONTAINER_ITEMS), dropped: items.length - MAX_CONTAINER_ITEMS };
}

function addEntry(d: Sym & { k: 'dict' }, key: Sym, value: Sym): void {
  if (d.entries.length < MAX_CONTAINER_ITEMS) d.entries.push([key, value]);
  else d.dropped++;
}

function isNonStringConstant(sym: Sym): boolean {
  return sym.k === 'bytes' || sym.k === 'int' || sym.k === 'float' || sym.k === 'bool' || sym.k === 'none' || sym.k === 'seq' || sym.k === 'dict';
}

function describeSym(sym: Sym): string {
  switch (sym.k) {
    case 'str':
      return 'a string too long to keep';
    case 'obj':
      return 'a call result';
    case 'global':
      return 'a global';
    case 'module':
      return `module ${sym.name}`;
    case 'opaque':
      return sym.what === 'missing' ? 'an unknown value' : `a ${sym.what}`;
    default:
      return `a ${sym.k}`;
  }
}

function clip(text: string, max = MAX_NAME): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** CPython's `decode_long`: little-endian two's complement. */
export function decodeLong(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v;
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    // CPython decodes with 'surrogatepass'; a lone surrogate is not an error there.
    return utf8Lenient.decode(bytes);
  }
}

/** Python's `codecs.escape_decode`, which protocol 0's STRING uses. */
function decodeEscapes(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c !== 0x5c || i + 1 >= src.length) {
      out.push(c);
      continue;
    }
    const e = src[++i];
    const simple: Record<number, number> = { 0x5c: 0x5c, 0x27: 0x27, 0x22: 0x22, 0x61: 7, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9, 0x76: 11 };
    if (e in simple) out.push(simple[e]);
    else if (e === 0x0a) continue; // backslash-newline: line continuation
    else if (e === 0x78 && i + 2 < src.length) {
      out.push(parseInt(String.fromCharCode(src[i + 1], src[i + 2]), 16) & 0xff);
      i += 2;
    } else if (e >= 0x30 && e <= 0x37) {
      let v = e - 0x30;
      for (let k = 0; k < 2 && i + 1 < src.length && src[i + 1] >= 0x30 && src[i + 1] <= 0x37; k++) v = v * 8 + (src[++i] - 0x30);
      out.push(v & 0xff);
    } else out.push(0x5c, e);
  }
  return Uint8Array.from(out);
}

/** Python's 'raw-unicode-escape', which protocol 0's UNICODE uses: only \uXXXX and \UXXXXXXXX. */
function decodeRawUnicodeEscape(src: Uint8Array): string {
  const text = latin1.decode(src);
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u4: string | undefined, u8: string | undefined) => {
    const code = parseInt(u4 ?? u8!, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
  });
}

function encodeLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

const COPYREG_CONSTRUCTORS = new Set(['copyreg._reconstructor', 'copyreg.__newobj__', 'copyreg.__newobj_ex__']);
const LATIN1_NAMES = new Set(['latin1', 'latin-1', 'iso-8859-1', 'iso8859-1', 'l1']);
/** Canonical names (see policy.canonicalName) of the callables the reader follows. */
const GETATTR = new Set(['builtins.getattr']);
const IMPORTERS = new Set(['builtins.__import__', 'importlib.import_module', 'importlib.__import__']);
const NESTED_LOADS = new Set([
  'pickle.loads',
  'pickle._loads',
  'dill.loads',
  'dill._dill.loads',
  'cloudpickle.loads',
  'torch.storage._load_from_bytes',
]);

function isJoblibArrayWrapper(name: string | undefined): boolean {
  return name === 'joblib.numpy_pickle.NumpyArrayWrapper' || name === 'sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper';
}

// ---------------------------------------------------------------------------
// joblib's inline arrays

/** The bytes joblib wrote after a NumpyArrayWrapper, from the wrapper's state dict. */
function joblibLayout(state: Sym): { nested: boolean; bytes: bigint; aligned: boolean } | undefined {
  if (state.k !== 'dict') return undefined;
  const field = (key: string) => state.entries.find(([k]) => k.k === 'str' && k.s === key)?.[1];
  const dtype = dtypeInfo(field('dtype'), 0);
  if (!dtype) return undefined;
  if (dtype.hasObject) return { nested: true, bytes: 0n, aligned: false };
  const shape = field('shape');
  if (!shape || shape.k !== 'seq' || shape.dropped > 0) return undefined;
  let count = 1n;
  for (const dim of shape.items) {
    if (dim.k !== 'int' || dim.v === undefined || dim.v < 0n) return undefined;
    count *= dim.v;
  }
  const alignment = field('numpy_array_alignment_bytes');
  return { nested: false, bytes: count * dtype.itemSize, aligned: alignment !== undefined && alignment.k !== 'none' };
}

/**
 * Item size and whether it holds Python objects, for a `numpy.dtype(descr, ...)` call as
 * pickled: descr is `f8`, `i4`, `U5` (itemsize 4 x 5), `V16`, `O8`...; a structured `V`
 * dtype lists its fields in the BUILD state `(version, endian, subarray, names, fields, ...)`.
 */
function dtypeInfo(sym: Sym | undefined, depth: number): { itemSize: bigint; hasObject: boolean } | undefined {
  if (!sym || sym.k !== 'obj' || depth > 8) return undefined;
  const args = sym.args;
  const descr = args?.k === 'seq' && args.items[0]?.k === 'str' ? args.items[0].s : undefined;
  const m = descr ? /^([a-zA-Z])(\d+)$/.exec(descr) : null;
  if (!m) return undefined;
  const kind = m[1];
  const size = BigInt(m[2]);
  if (kind === 'O') return { itemSize: size, hasObject: true };
  let hasObject = false;
  if (kind === 'V' && sym.state?.k === 'seq') {
    const [, , subarray, , fields] = sym.state.items;
    if (subarray && subarray.k === 'seq') {
      const base = dtypeInfo(subarray.items[0], depth + 1);
      if (!base) return undefined;
      hasObject ||= base.hasObject;
    }
    if (fields && fields.k === 'dict') {
      for (const [, value] of fields.entries) {
        const fieldDtype = value.k === 'seq' ? dtypeInfo(value.items[0], depth + 1) : undefined;
        if (!fieldDtype) return undefined;
        hasObject ||= fieldDtype.hasObject;
      }
    }
  }
  return { itemSize: kind === 'U' ? size * 4n : size, hasObject };
}
