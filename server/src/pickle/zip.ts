/**
 * The central directory of a zip archive held in memory, for `scanPickleBytes` (files on
 * disk go through yauzl, by position). `torch.save` writes zip64 archives with stored
 * members; numpy's `.npz` may deflate them. Only what locating and inflating a member
 * needs is read; every offset is checked against the buffer.
 */
import * as zlib from 'node:zlib';

export interface ZipMember {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  encrypted: boolean;
  compressedSize: number;
  uncompressedSize: number;
  /** Offset of the member's local header. */
  headerOffset: number;
}

export class ZipFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function isZip(bytes: Uint8Array): boolean {
  // A local file header, or the end record of an empty archive.
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/** Lists the members; throws ZipFormatError (with an offset) on a damaged directory. */
export function readZipDirectory(buf: Uint8Array): ZipMember[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const u64 = (o: number) => {
    const v = view.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError(`zip64 field at byte ${o} is out of range`, o);
    return Number(v);
  };
  const inside = (offset: number, length: number, what: string) => {
    if (offset < 0 || offset + length > buf.length) throw new ZipFormatError(`${what} at byte ${offset} lies outside the file (${buf.length} bytes)`, Math.min(offset, buf.length));
  };

  // The end record sits in the last 22 + 65,535 (comment) bytes.
  let eocd = -1;
  for (let p = buf.length - 22; p >= Math.max(0, buf.length - 22 - 0xffff); p--) {
    if (u32(p) === EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError('not a complete zip archive: its end of central directory record is missing (truncated?)', buf.length);
  let count = u16(eocd + 10);
  let dirSize = u32(eocd + 12);
  let dirOffset = u32(eocd + 16);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || u32(locator) !== ZIP64_LOCATOR) throw new ZipFormatError('zip64 archive without its zip64 locator', eocd);
    const record = u64(locator + 8);
    inside(record, 56, 'zip64 end record');
    if (u32(record) !== ZIP64_EOCD) throw new ZipFormatError(`no zip64 end record at byte ${record}`, record);
    count = u64(record + 32);
    dirSize = u64(record + 40);
    dirOffset = u64(record + 48);
  }
  inside(dirOffset, dirSize, 'central directory');

  const members: ZipMember[] = [];
  let p = dirOffset;
  for (let i = 0; i < count; i++) {
    inside(p, 46, 'central directory entry');
    if (u32(p) !== CENTRAL) throw new ZipFormatError(`bad central directory entry at byte ${p}`, p);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    let compressedSize = u32(p + 20);
    let uncompressedSize = u32(p + 24);
    const nameLength = u16(p + 28);
    const extraLength = u16(p + 30);
    const commentLength = u16(p + 32);
    let headerOffset = u32(p + 42);
    inside(p + 46, nameLength + extraLength + commentLength, 'central directory entry name');
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(buf.subarray(p + 46, p + 46 + nameLength));
    // zip64 sizes and offset live in extra field 0x0001, in this order, for each field maxed out above.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = u16(e);
      const size = u16(e + 2);
      if (id === 0x0001) {
        const fieldEnd = Math.min(e + 4 + size, extraEnd);
        let f = e + 4;
        if (uncompressedSize === 0xffffffff && f + 8 <= fieldEnd) (uncompressedSize = u64(f)), (f += 8);
        if (compressedSize === 0xffffffff && f + 8 <= fieldEnd) (compressedSize = u64(f)), (f += 8);
        if (headerOffset === 0xffffffff && f + 8 <= fieldEnd) headerOffset = u64(f);
      }
      e += 4 + size;
    }
    members.push({ name, method, encrypted: (flags & 1) !== 0, compressedSize, uncompressedSize, headerOffset });
    p = extraEnd + commentLength;
  }
  return members;
}

/** Bytes of a member: a view for stored ones, inflated (at most `maxSize` bytes) for deflated ones. */
export function readZipMember(buf: Uint8Array, member: ZipMember, maxSize: number): Uint8Array {
  const at = member.headerOffset;
  if (at + 30 > buf.length) throw new ZipFormatError(`local header of ${member.name} at byte ${at} lies outside the file`, at);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(at, true) !== LOCAL) throw new ZipFormatError(`bad local header for ${member.name} at byte ${at}`, at);
  const dataStart = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (dataStart + member.compressedSize > buf.length) {
    throw new ZipFormatError(`${member.name}: its ${member.compressedSize} bytes at byte ${dataStart} run past the end of the file`, dataStart);
  }
  if (member.encrypted) throw new ZipFormatError(`${member.name} is encrypted`, at);
  const data = buf.subarray(dataStart, dataStart + member.compressedSize);
  if (member.method === 0) return data;
  if (member.method !== 8) throw new ZipFormatError(`${member.name} uses compression method ${member.method}, which cannot be read`, at);
  if (member.uncompressedSize > maxSize) {
    throw new ZipFormatError(`${member.name} inflates to ${member.uncompressedSize} bytes, more than the ${maxSize} read in memory; scan the file from disk`, at);
  }
  try {
    const out = zlib.inflateRawSync(data, { maxOutputLength: Math.max(1, member.uncompressedSize) });
    if (out.length !== member.uncompressedSize) {
      throw new ZipFormatError(`${member.name} inflates to ${out.length} bytes, not the ${member.uncompressedSize} its directory entry says`, at);
    }
    return out;
  } catch (e) {
    if (e instanceof ZipFormatError) throw e;
    throw new ZipFormatError(`${member.name} cannot be inflated: ${(e as Error).message}`, dataStart);
  }
}
