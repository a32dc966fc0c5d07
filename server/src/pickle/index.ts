/**
 * Scans pickle-based files for the globals loading them would import, without loading
 * them. Pure TypeScript: no LSP, no editor.
 *
 * Containers: plain pickle streams (one or several pickles in sequence), joblib dumps
 * (numpy arrays inline between opcodes), legacy `torch.save` files (five pickles, then raw
 * storages), zip archives (`torch.save` since 1.6, TorchScript, `.npz`: every `.pkl`
 * member, and `.npy` members holding object arrays), numpy `.npy` object arrays, and
 * zlib/gzip-compressed streams (joblib's `compress=`). Files on disk are read by position
 * or as streams, never whole (the one exception: an archive of at most 128 MiB that yauzl
 * refuses is read again in memory, leniently); `scanPickleBytes` reads a buffer already in
 * memory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import * as yauzl from 'yauzl';
import { isNpy, parseNpyHeader } from './npy';
import { OP } from './opcodes';
import { PickleReader, type PickleGlobal, type PickleReadError, type ReaderOptions, type ReaderResult } from './reader';
import { isZip, readZipDirectory, readZipMember, ZipFormatError } from './zip';

export type { PickleGlobal, PickleReadError, GlobalSource } from './reader';
export { UNRESOLVED_MODULE } from './names';
export { readErrorsOf, type PickleScanContext } from './policy';

/**
 * What was found:
 * - `pickle`: one or more plain pickles in sequence;
 * - `joblib`: a joblib dump (pickle with numpy array bytes inline);
 * - `torch-legacy`: `torch.save` before 1.6 or with `_use_new_zipfile_serialization=False`;
 * - `zip`: a zip archive with pickle members (`torch.save` since 1.6, TorchScript, `.npz`);
 * - `npy`: a numpy `.npy` holding an object array, which is a pickle after the header;
 * - `none`: not pickle-based (a numeric `.npy`, a zip without pickles, a `.bin` that is not
 *   a pickle): loading it runs no pickle, and the pickle rules say nothing.
 */
export type PickleContainer = 'pickle' | 'joblib' | 'torch-legacy' | 'zip' | 'npy' | 'none';

/** Whole-file compression found in front of the pickle (joblib's `compress=`). */
export type PickleCompression = 'zlib' | 'gzip' | 'bz2' | 'xz' | 'lzma' | 'lz4';

export interface PickleScan {
  container: PickleContainer;
  /** The (first) pickle's protocol; for zip archives, that of `data.pkl`. */
  protocol: number | undefined;
  /** Distinct globals per pickle stream, at their first occurrence; `member` set inside archives. */
  globals: PickleGlobal[];
  /** Why part of the file could not be read; offsets are within `member` when set (decompressed offsets for compressed files). */
  errors: PickleReadError[];
  compression?: PickleCompression;
  /** Archive members that were read as pickles (zip containers). */
  members?: string[];
}

/**
 * Extensions of pickle-based files the workspace scan reads. The first group is pickle by
 * convention (`.sav` is what scikit-learn's docs use for pickled models; `.pt`/`.pth` are
 * `torch.save`); the extensions in {@link SNIFFED_PICKLE_EXTENSIONS} are shared with other
 * formats and are read only when their first bytes look like a pickle, a zip or an `.npy`.
 */
export const PICKLE_FILE_EXTENSIONS: readonly string[] = ['.pkl', '.pickle', '.joblib', '.dill', '.sav', '.pt', '.pth', '.bin', '.ckpt', '.npy', '.npz'];

/** Extensions (a subset of PICKLE_FILE_EXTENSIONS) that other formats use too: sniffed first. */
export const SNIFFED_PICKLE_EXTENSIONS: readonly string[] = ['.bin', '.ckpt', '.npy', '.npz'];

/** Bytes read from disk at a time. */
const WINDOW = 1024 * 1024;
/** A compressed file or deflated member given as bytes is inflated in memory up to this size. */
const MAX_INFLATE_IN_MEMORY = 128 * 1024 * 1024;
/** `pickle.loads(b'...')` inside `pickle.loads(b'...')`...: followed this deep. */
const MAX_NESTED_LOADS = 4;
/** Bytes enough to recognise every container. */
const HEAD = 64;

const PROTOCOL_0_STARTS = new Set<number>([
  OP.MARK, OP.EMPTY_LIST, OP.EMPTY_DICT, OP.EMPTY_TUPLE, OP.GLOBAL, OP.INT, OP.LONG, OP.STRING, OP.UNICODE, OP.FLOAT,
  OP.NONE, OP.BININT, OP.BININT1, OP.BININT2, OP.BINSTRING, OP.SHORT_BINSTRING, OP.BINUNICODE, OP.BINFLOAT, OP.PERSID,
]);

/**
 * Cheap check of a file's first bytes (64 are plenty): a zip archive, an `.npy`, a pickle
 * with a PROTO opcode, or a protocol 0/1 pickle whose first opcodes decode cleanly.
 */
export function looksLikePickleOrTorchZip(firstBytes: Uint8Array): boolean {
  if (firstBytes.length === 0) return false;
  if (isZip(firstBytes) || isNpy(firstBytes)) return true;
  if (firstBytes[0] === OP.PROTO) return firstBytes.length < 2 || firstBytes[1] <= 5;
  if (!PROTOCOL_0_STARTS.has(firstBytes[0])) return false;
  // Decode what is there; running out of bytes is fine, a bad opcode or a stack underflow is not.
  const reader = new PickleReader();
  reader.run(0, firstBytes.subarray(0, 4096), false);
  const result = reader.result();
  return result.errors.length === 0 || result.pickles > 0;
}

// ---------------------------------------------------------------------------
// Bytes in memory

/** Scans a whole file held in memory. Never throws: problems are in `errors`. */
export function scanPickleBytes(buf: Uint8Array): PickleScan {
  return scanBytes(buf, 0);
}

function scanBytes(buf: Uint8Array, depth: number): PickleScan {
  try {
    if (buf.length === 0) return emptyFile();
    if (isZip(buf)) return scanZipBytes(buf, depth);
    if (isNpy(buf)) return scanNpyBytes(buf, depth);
    const compression = detectCompression(buf);
    if (compression === 'zlib' || compression === 'gzip') {
      let inflated: Uint8Array;
      try {
        const options = { maxOutputLength: MAX_INFLATE_IN_MEMORY };
        inflated = compression === 'gzip' ? zlib.gunzipSync(buf, options) : zlib.inflateSync(buf, options);
      } catch (e) {
        return { container: 'pickle', protocol: undefined, globals: [], errors: [{ message: `${compression}-compressed data cannot be inflated: ${messageOf(e)}`, offset: 0 }], compression };
      }
      return { ...streamScan(readSync(inflated, {}, depth)), compression };
    }
    if (compression) return unsupportedCompression(compression);
    return streamScan(readSync(buf, {}, depth));
  } catch (e) {
    // A bug must not take the language server down with it: report it like damage.
    return { container: 'pickle', protocol: undefined, globals: [], errors: [{ message: `internal error while reading: ${messageOf(e)}`, offset: 0 }] };
  }
}

function readSync(buf: Uint8Array, options: ReaderOptions, depth: number): ReaderResult {
  const reader = new PickleReader({ ...options, length: buf.length, scanNested: nestedScanner(depth) });
  reader.run(0, buf, true);
  return reader.result();
}

/** Follows `pickle.loads(b'...')` into the nested bytes, up to MAX_NESTED_LOADS deep. */
function nestedScanner(depth: number): ReaderOptions['scanNested'] {
  if (depth >= MAX_NESTED_LOADS) return undefined;
  return (bytes) => {
    const scan = scanBytes(bytes, depth + 1);
    return { globals: scan.globals, errors: scan.errors };
  };
}

function scanNpyBytes(buf: Uint8Array, depth: number): PickleScan {
  const header = parseNpyHeader(buf, true);
  if (header.kind !== 'header') return { container: 'npy', protocol: undefined, globals: [], errors: [{ message: header.kind === 'error' ? header.message : 'truncated .npy header', offset: header.kind === 'error' ? header.offset : 0 }] };
  if (!header.hasObject) return notPickle();
  return { ...streamScan(readSync(buf, { start: header.dataStart }, depth)), container: 'npy' };
}

function scanZipBytes(buf: Uint8Array, depth: number): PickleScan {
  const archive = new ArchiveScan();
  let members;
  try {
    members = readZipDirectory(buf);
  } catch (e) {
    return archive.failed(e);
  }
  for (const member of members) {
    const kind = memberKind(member.name);
    if (!kind) continue;
    let data: Uint8Array;
    try {
      data = readZipMember(buf, member, MAX_INFLATE_IN_MEMORY);
    } catch (e) {
      archive.memberError(member.name, e);
      continue;
    }
    if (kind === 'pickle') archive.add(member.name, readSync(data, {}, depth));
    else {
      const header = parseNpyHeader(data, true);
      if (header.kind === 'error') archive.add(member.name, undefined, [{ message: header.message, offset: header.offset }]);
      else if (header.kind === 'header' && header.hasObject) archive.add(member.name, readSync(data, { start: header.dataStart }, depth));
    }
  }
  return archive.scan();
}

// ---------------------------------------------------------------------------
// Files on disk

/**
 * Scans a file on disk, by position or as a stream: never reads it whole. Never throws:
 * a missing, unreadable or damaged file comes back with `errors`.
 */
export async function scanPickleFile(file: string): Promise<PickleScan> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (e) {
    return { container: 'pickle', protocol: undefined, globals: [], errors: [{ message: `cannot open the file: ${messageOf(e)}`, offset: 0 }] };
  }
  let closeHandle = true;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { container: 'pickle', protocol: undefined, globals: [], errors: [{ message: 'not a regular file', offset: 0 }] };
    const size = stat.size;
    const sniffed = SNIFFED_PICKLE_EXTENSIONS.includes(path.extname(file).toLowerCase());
    const head = await readAt(handle, 0, Math.min(size, HEAD));
    if (size === 0) return sniffed ? notPickle() : emptyFile();
    if (isZip(head)) {
      await handle.close();
      closeHandle = false;
      return await scanZipFile(file, size);
    }
    if (isNpy(head)) return await scanNpyFile(handle, size);
    // A shared extension (a gzip-compressed .bin, a GGUF .bin) is only read when it starts like a pickle.
    if (sniffed && !looksLikePickleOrTorchZip(head)) return notPickle();
    const compression = detectCompression(head);
    if (compression === 'zlib' || compression === 'gzip') {
      await handle.close();
      closeHandle = false;
      return await scanCompressedFile(file, compression);
    }
    if (compression) return unsupportedCompression(compression);
    return streamScan(await readSource(new FileSource(handle, size), { length: size }, 0));
  } catch (e) {
    return { container: 'pickle', protocol: undefined, globals: [], errors: [{ message: `internal error while reading: ${messageOf(e)}`, offset: 0 }] };
  } finally {
    if (closeHandle) await handle.close().catch(() => undefined);
  }
}

async function scanNpyFile(handle: fs.promises.FileHandle, size: number): Promise<PickleScan> {
  let bytes = await readAt(handle, 0, Math.min(size, 4096));
  let header = parseNpyHeader(bytes, bytes.length === size);
  if (header.kind === 'need') {
    bytes = await readAt(handle, 0, Math.min(size, header.bytes));
    header = parseNpyHeader(bytes, true);
  }
  if (header.kind !== 'header') return { container: 'npy', protocol: undefined, globals: [], errors: [{ message: header.kind === 'error' ? header.message : 'truncated .npy header', offset: header.kind === 'error' ? header.offset : 0 }] };
  if (!header.hasObject) return notPickle();
  return { ...streamScan(await readSource(new FileSource(handle, size), { start: header.dataStart, length: size }, 0)), container: 'npy' };
}

async function scanCompressedFile(file: string, compression: 'zlib' | 'gzip'): Promise<PickleScan> {
  const inflate = compression === 'gzip' ? zlib.createGunzip() : zlib.createInflate();
  // pipeline destroys both streams on error; the error reaches the reader through `inflate`.
  pipeline(fs.createReadStream(file), inflate, () => undefined);
  const source = new StreamSource(inflate);
  try {
    return { ...streamScan(await readSource(source, {}, 0)), compression };
  } finally {
    await source.close();
  }
}

async function scanZipFile(file: string, size: number): Promise<PickleScan> {
  const archive = new ArchiveScan();
  let zip: yauzl.ZipFile;
  try {
    // decodeStrings: false keeps yauzl from rejecting the whole archive over one odd member
    // name (an absolute path): torch would still load such an archive, so it must be read.
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, decodeStrings: false });
  } catch (e) {
    return refusedByYauzl(file, size, e, archive);
  }
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entryName(entry);
      const kind = memberKind(name);
      if (!kind) continue;
      if (entry.isEncrypted() || !entry.canDecodeFileData()) {
        archive.memberError(name, new ZipFormatError(entry.isEncrypted() ? `${name} is encrypted` : `${name} uses compression method ${entry.compressionMethod}, which cannot be read`, entry.relativeOffsetOfLocalHeader));
        continue;
      }
      let source: StreamSource;
      try {
        source = new StreamSource(await zip.openReadStreamPromise(entry));
      } catch (e) {
        archive.memberError(name, e);
        continue;
      }
      try {
        if (kind === 'pickle') archive.add(name, await readSource(source, { length: entry.uncompressedSize }, 0));
        else await scanNpyMember(source, entry.uncompressedSize, name, archive);
      } finally {
        await source.close();
      }
    }
  } catch (e) {
    zip.close();
    return refusedByYauzl(file, size, e, archive);
  }
  zip.close();
  return archive.scan();
}

/**
 * yauzl is strict (entry sizes, CRCs, directory consistency) where torch's own zip reader
 * is not, so an archive that yauzl refuses may still load, payload included. Such an
 * archive is read again with the lenient in-memory directory reader, when small enough to
 * hold, and yauzl's complaint is kept as the first error.
 */
async function refusedByYauzl(file: string, size: number, error: unknown, partial: ArchiveScan): Promise<PickleScan> {
  const refusal: PickleReadError = { message: `damaged zip archive (yauzl): ${messageOf(error)}`, offset: 0 };
  // Too big to hold: keep what yauzl read before it gave up.
  const fallback = size > MAX_INFLATE_IN_MEMORY ? partial.scan() : scanZipBytes(await fs.promises.readFile(file), 0);
  return { ...fallback, container: 'zip', errors: [refusal, ...fallback.errors] };
}

async function scanNpyMember(source: StreamSource, size: number, name: string, archive: ArchiveScan): Promise<void> {
  let window = await source.read(0, 4096);
  let header = parseNpyHeader(window.bytes, window.eof);
  if (header.kind === 'need') {
    window = await source.read(0, header.bytes);
    header = parseNpyHeader(window.bytes, true);
  }
  if (header.kind === 'error') archive.add(name, undefined, [{ message: header.message, offset: header.offset }]);
  else if (header.kind === 'header' && header.hasObject) archive.add(name, await readSource(source, { start: header.dataStart, length: size }, 0));
}

// ---------------------------------------------------------------------------
// Sources: windows of a stream for the reader

interface Window {
  /** Offset of `bytes[0]` in the stream. */
  start: number;
  bytes: Uint8Array;
  /** The stream ends where `bytes` end. */
  eof: boolean;
}

interface ByteSource {
  /**
   * At least `min` bytes from `pos` (fewer only when the stream ends first). Forward only:
   * `pos` never goes below the last one asked for. Past the end, an empty window at the end.
   */
  read(pos: number, min: number): Promise<Window>;
}

/** A file (or part of one) read by position. */
class FileSource implements ByteSource {
  constructor(
    private readonly handle: fs.promises.FileHandle,
    private readonly size: number,
  ) {}

  async read(pos: number, min: number): Promise<Window> {
    if (pos >= this.size) return { start: this.size, bytes: new Uint8Array(0), eof: true };
    const length = Math.min(Math.max(min, WINDOW), this.size - pos);
    const bytes = await readAt(this.handle, pos, length);
    return { start: pos, bytes, eof: pos + bytes.length >= this.size };
  }
}

/** A readable stream (an inflating zip member, a decompressed file), skipped through forward. */
class StreamSource implements ByteSource {
  private readonly iterator: AsyncIterator<Buffer>;
  private parts: Buffer[] = [];
  /** Offset of the first kept byte, and just past the last byte received. */
  private kept = 0;
  private end = 0;
  private ended = false;

  constructor(private readonly stream: Readable) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  async read(pos: number, min: number): Promise<Window> {
    this.discardBefore(pos);
    while (!this.ended && this.end < pos + min) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const chunk: Buffer = next.value;
      const chunkStart = this.end;
      this.end += chunk.length;
      if (this.end <= pos) {
        this.kept = this.end; // entirely before `pos`: skipped, never kept
        continue;
      }
      if (chunkStart < pos) {
        this.parts.push(chunk.subarray(pos - chunkStart));
        this.kept = pos;
      } else this.parts.push(chunk);
    }
    if (this.end < pos) return { start: this.end, bytes: new Uint8Array(0), eof: true };
    const bytes = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    this.parts = [bytes];
    return { start: this.kept, bytes, eof: this.ended };
  }

  private discardBefore(pos: number): void {
    if (pos <= this.kept) return;
    const drop = Math.min(pos, this.end) - this.kept;
    if (drop <= 0) return;
    const all = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    this.parts = [all.subarray(drop)];
    this.kept += drop;
  }

  async close(): Promise<void> {
    this.stream.destroy();
    await this.iterator.return?.().catch(() => undefined);
  }
}

async function readSource(source: ByteSource, options: ReaderOptions, depth: number): Promise<ReaderResult> {
  const reader = new PickleReader({ ...options, scanNested: nestedScanner(depth) });
  let request = { pos: options.start ?? 0, min: 1 };
  try {
    for (;;) {
      const window = await source.read(request.pos, Math.max(request.min, WINDOW));
      if (!window.eof && window.start + window.bytes.length < request.pos + request.min) {
        throw new Error(`the source returned ${window.bytes.length} bytes at ${window.start}, fewer than the ${request.min} asked for`);
      }
      const next = reader.run(window.start, window.bytes, window.eof);
      if (!next) break;
      request = next;
    }
  } catch (e) {
    reader.abort(`cannot read the data at byte ${request.pos}: ${messageOf(e)}`, request.pos);
  }
  return reader.result();
}

async function readAt(handle: fs.promises.FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

// ---------------------------------------------------------------------------
// Assembling results

/** Collects the members of a zip archive into one scan. */
class ArchiveScan {
  readonly globals: PickleGlobal[] = [];
  readonly errors: PickleReadError[] = [];
  readonly members: string[] = [];
  private protocol: number | undefined;
  private protocolFromData = false;

  add(member: string, result: ReaderResult | undefined, errors: PickleReadError[] = []): void {
    this.members.push(member);
    for (const g of result?.globals ?? []) this.globals.push({ ...g, member });
    for (const e of [...(result?.errors ?? []), ...errors]) this.errors.push({ ...e, member });
    // The archive's protocol is data.pkl's (the model); other members only fill a gap.
    const isData = /(^|\/)data\.pkl$/i.test(member);
    if (result?.protocol !== undefined && (this.protocol === undefined || (isData && !this.protocolFromData))) {
      this.protocol = result.protocol;
      this.protocolFromData = isData;
    }
  }

  memberError(member: string, error: unknown): void {
    this.members.push(member);
    this.errors.push({ message: messageOf(error), offset: error instanceof ZipFormatError ? error.offset : 0, member });
  }

  failed(error: unknown): PickleScan {
    const offset = error instanceof ZipFormatError ? error.offset : 0;
    return { container: 'zip', protocol: undefined, globals: [], errors: [{ message: `damaged zip archive: ${messageOf(error)}`, offset }] };
  }

  scan(): PickleScan {
    if (this.members.length === 0 && this.errors.length === 0) return notPickle();
    return { container: 'zip', protocol: this.protocol, globals: this.globals, errors: this.errors, members: this.members };
  }
}

function streamScan(result: ReaderResult): PickleScan {
  const joblib = result.joblib || result.globals.some((g) => g.module === 'joblib' || g.module.startsWith('joblib.'));
  const container: PickleContainer = result.legacyTorch ? 'torch-legacy' : joblib ? 'joblib' : 'pickle';
  return { container, protocol: result.protocol, globals: result.globals, errors: result.errors };
}

function emptyFile(): PickleScan {
  return { container: 'pickle', protocol: undefined, globals: [], errors: [{ message: 'empty file: no pickle data (0 bytes)', offset: 0 }] };
}

function notPickle(): PickleScan {
  return { container: 'none', protocol: undefined, globals: [], errors: [] };
}

function unsupportedCompression(compression: PickleCompression): PickleScan {
  return {
    container: 'pickle',
    protocol: undefined,
    globals: [],
    errors: [{ message: `${compression}-compressed (joblib compress=); ML Hygiene does not decompress ${compression}, so the globals it imports are unknown`, offset: 0 }],
    compression,
  };
}

function detectCompression(head: Uint8Array): PickleCompression | undefined {
  const starts = (...bytes: number[]) => head.length >= bytes.length && bytes.every((b, i) => head[i] === b);
  if (starts(0x1f, 0x8b)) return 'gzip';
  // zlib: CMF 0x78 (deflate, 32K window) and a header checksum; 'x' is no pickle opcode.
  if (head.length >= 2 && head[0] === 0x78 && ((head[0] << 8) | head[1]) % 31 === 0) return 'zlib';
  if (starts(0x42, 0x5a, 0x68) && head[3] >= 0x31 && head[3] <= 0x39 && starts(0x42, 0x5a, 0x68, head[3], 0x31, 0x41, 0x59, 0x26, 0x53, 0x59)) return 'bz2';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x04, 0x22, 0x4d, 0x18)) return 'lz4';
  // Raw lzma (joblib's 'lzma'): properties byte 0x5d then a little-endian dictionary size;
  // as a pickle, EMPTY_LIST followed by a 0x00 byte is invalid, so this never hides one.
  if (starts(0x5d, 0x00, 0x00)) return 'lzma';
  return undefined;
}

/** Which zip members are read: pickles (`data.pkl`, `constants.pkl`, any `.pkl`) and `.npy` arrays. */
function memberKind(name: string): 'pickle' | 'npy' | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('/')) return undefined;
  if (lower.endsWith('.pkl')) return 'pickle';
  if (lower.endsWith('.npy')) return 'npy';
  return undefined;
}

function entryName(entry: yauzl.Entry): string {
  const raw: unknown = entry.fileNameRaw ?? entry.fileName;
  if (typeof raw === 'string') return raw;
  return new TextDecoder(entry.generalPurposeBitFlag & 0x800 ? 'utf-8' : 'latin1').decode(raw as Uint8Array);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
