/**
 * Shared by the pickle tests: generating the fixtures with python3, the expected.json
 * manifests, and a PickleContext that collects findings.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Finding } from '../../protocol/findings';
import { FindingSink, type PickleRule } from '../../server/src/engine/rule';
import type { PickleScan } from '../../server/src/pickle/index';
import type { PickleScanContext } from '../../server/src/pickle/policy';

export const REPO = path.resolve(__dirname, '..', '..');
export const SER012_DIR = path.join(REPO, 'rules', 'ser', 'SER012-pickle-file');
export const SER013_DIR = path.join(REPO, 'rules', 'ser', 'SER013-dangerous-pickle-file');

export interface ExpectedCase {
  file: string;
  why: string;
  rules: string[];
  container: string;
  protocol: number | null;
  globals: string[];
  dangerous: string[];
  called: string[];
  members?: string[];
  compression?: string;
  error?: string;
  errorOffset?: number;
  sniffed?: boolean;
  rawTail?: number;
  first?: string;
  messageIncludes?: string[];
}

export interface Manifest {
  marker?: string;
  loadsToMarker?: string;
  cases: ExpectedCase[];
}

export function readManifest(ruleDir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(ruleDir, 'fixtures', 'expected.json'), 'utf8')) as Manifest;
}

/** Runs python3 with `args`; fails with a clear message when python3 is not installed. */
export function python(args: string[], options: { cwd?: string } = {}): string {
  const run = spawnSync('python3', args, { encoding: 'utf8', cwd: options.cwd, timeout: 120_000 });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('python3 is required to generate the pickle fixtures (rules/ser/SER01x-*/fixtures/make_fixtures.py), and it is not on PATH: install python3.');
  }
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`python3 ${args.join(' ')} exited with ${run.status}:\n${run.stderr}`);
  return run.stdout;
}

/** Writes a rule's fixtures into a fresh temporary directory and returns it. */
export function generateFixtures(ruleDir: string): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `mlh-${path.basename(ruleDir).slice(0, 6)}-`));
  python([path.join(ruleDir, 'fixtures', 'make_fixtures.py'), out]);
  return out;
}

/** A PickleContext over a scan, as the pickle runner builds it (the scan spread in); `findings` collects reports. */
export function contextFor(scan: PickleScan, file: string, rule: PickleRule): { ctx: PickleScanContext; findings: Finding[] } {
  const sink = new FindingSink();
  const ctx: PickleScanContext = {
    ...scan,
    path: file,
    project: { root: undefined, declared: () => undefined },
    report: (range, message, options) => sink.add(rule.meta, range, message, options, rule.meta.severity),
  };
  return { ctx, findings: sink.findings };
}

/** Runs every rule over a scan; findings in rule order. */
export function runRules(scan: PickleScan, file: string, rules: readonly PickleRule[]): Finding[] {
  const all: Finding[] = [];
  for (const rule of rules) {
    const { ctx, findings } = contextFor(scan, file, rule);
    rule.check(ctx);
    all.push(...findings);
  }
  return all;
}

/** A small, seeded PRNG (mulberry32): the fuzz tests must be repeatable. */
export { seededRandom } from '../helpers/prng';

/** Concatenates byte pieces (numbers are single bytes, strings latin1). */
export function bytes(...parts: Array<number | string | Uint8Array | number[]>): Uint8Array {
  const chunks = parts.map((p) =>
    typeof p === 'number' ? Uint8Array.of(p) : typeof p === 'string' ? new Uint8Array(Buffer.from(p, 'latin1')) : Uint8Array.from(p),
  );
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

export function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

export function u64(n: bigint): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
}

/** SHORT_BINUNICODE. */
export function sbu(s: string): Uint8Array {
  const data = new TextEncoder().encode(s);
  return bytes(0x8c, data.length, data);
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
  /** 0 stored (default), 8 deflated. */
  method?: 0 | 8;
  /** General purpose flags; bit 0 marks the entry encrypted. */
  flags?: number;
}

/** A minimal zip writer (no zip64), for archives no library would write: odd names, flags. */
export function makeZip(entries: readonly ZipEntry[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const method = e.method ?? 0;
    let body = method === 8 ? new Uint8Array(zlib.deflateRawSync(e.data)) : e.data;
    // An encrypted entry starts with a 12-byte encryption header (its content is not needed here).
    if ((e.flags ?? 0) & 1) body = bytes(new Uint8Array(12), body);
    const crc = zlib.crc32(e.data);
    const flags = (e.flags ?? 0) | 0x800;
    const u16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
    const local = bytes(...u32(0x04034b50), ...u16(20), ...u16(flags), ...u16(method), 0, 0, 0, 0, ...u32(crc), ...u32(body.length), ...u32(e.data.length), ...u16(name.length), 0, 0, name, body);
    const central = bytes(
      ...u32(0x02014b50), ...u16(20), ...u16(20), ...u16(flags), ...u16(method), 0, 0, 0, 0, ...u32(crc), ...u32(body.length), ...u32(e.data.length),
      ...u16(name.length), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...u32(offset), name,
    );
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const directory = bytes(...centrals);
  const count = [entries.length & 0xff, entries.length >>> 8];
  const end = bytes(...u32(0x06054b50), 0, 0, 0, 0, ...count, ...count, ...u32(directory.length), ...u32(offset), 0, 0);
  return bytes(...locals, directory, end);
}
