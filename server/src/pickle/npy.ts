/**
 * numpy's `.npy` header. An array of Python objects (dtype `O`, or a structured dtype with
 * an `O` field) is stored as a pickle right after the header, and `np.load(...,
 * allow_pickle=True)` unpickles it; any other array is raw numbers and runs nothing.
 * Format: magic `\x93NUMPY`, major and minor version bytes, the header length (2 bytes in
 * version 1, 4 in versions 2 and 3), then a Python dict literal such as
 * `{'descr': '|O', 'fortran_order': False, 'shape': (3,), }`.
 */

export const NPY_MAGIC = Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

/** numpy itself refuses headers over 10,000 bytes unless told otherwise; this leaves room. */
const MAX_HEADER = 64 * 1024;

export type NpyHeader =
  | { kind: 'header'; dataStart: number; hasObject: boolean; descr: string }
  | { kind: 'error'; message: string; offset: number }
  /** The header is longer than the bytes given: call again with at least `bytes`. */
  | { kind: 'need'; bytes: number };

export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= NPY_MAGIC.length && NPY_MAGIC.every((b, i) => bytes[i] === b);
}

/** Parses the header at the start of `bytes`; `complete` says that `bytes` is the whole file. */
export function parseNpyHeader(bytes: Uint8Array, complete: boolean): NpyHeader {
  const need = (n: number): NpyHeader =>
    complete ? { kind: 'error', message: `truncated .npy header: it needs ${n} bytes but the file has ${bytes.length}`, offset: bytes.length } : { kind: 'need', bytes: n };
  if (bytes.length < 10) return need(10);
  if (!isNpy(bytes)) return { kind: 'error', message: 'not an .npy file: the \\x93NUMPY magic is missing', offset: 0 };
  const major = bytes[6];
  if (major < 1 || major > 3) return { kind: 'error', message: `unsupported .npy format version ${major}.${bytes[7]}`, offset: 6 };
  const lengthSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthSize) return need(8 + lengthSize);
  let headerLength = 0;
  for (let i = lengthSize - 1; i >= 0; i--) headerLength = headerLength * 256 + bytes[8 + i];
  if (headerLength > MAX_HEADER) return { kind: 'error', message: `.npy header declares ${headerLength} bytes, more than ${MAX_HEADER}`, offset: 8 };
  const start = 8 + lengthSize;
  const dataStart = start + headerLength;
  if (bytes.length < dataStart) return need(dataStart);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, dataStart));
  const descr = /['"]descr['"]\s*:\s*(.*?)\s*,\s*['"](?:fortran_order|shape)['"]/s.exec(text)?.[1];
  if (descr === undefined) return { kind: 'error', message: `.npy header has no readable 'descr': ${text.slice(0, 80).trim()}`, offset: start };
  return { kind: 'header', dataStart, hasObject: descrHasObject(descr), descr };
}

/**
 * `'|O'` for an object array; for a structured dtype a list such as
 * `[('a', '<f4'), ('b', '|O')]`, where each field's type is the second item of its tuple.
 */
function descrHasObject(descr: string): boolean {
  const isObject = (t: string) => /^[|<>=]?O\d*$/.test(t);
  const plain = /^['"]([^'"]*)['"]$/.exec(descr.trim());
  if (plain) return isObject(plain[1]);
  for (const m of descr.matchAll(/\(\s*(?:'[^']*'|"[^"]*"|\([^)]*\))\s*,\s*['"]([^'"]*)['"]/g)) {
    if (isObject(m[1])) return true;
  }
  return false;
}
