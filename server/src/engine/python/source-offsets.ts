/**
 * Where strings occur in a module's source, kept from one version of the source to the
 * next: while typing, two versions differ in one span, and only around it is the new one
 * searched. Rules and analyses ask for the occurrences of a word to avoid reading nodes'
 * text out of the wasm heap (a call mentions `seed` only if an occurrence lies inside
 * it), and a search of a whole large file costs a fraction of a millisecond per string,
 * on every keystroke.
 */
import { changedSpan } from './module';

/** The offsets last found for each string, with the source they are in: as spelled, and in any case. */
const lastOffsets = { exact: new Map<string, { source: string; offsets: number[] }>(), anyCase: new Map<string, { source: string; offsets: number[] }>() };

/**
 * Where a string occurs in a source, in order (`anyCase`: case ignored, as a regular
 * expression's `i` flag does; every occurrence, overlapping ones too), found from the last
 * source asked about where the two share a head and a tail. The array is updated in place
 * for the next source asked about (no copy of it per edit): read it, do not keep or modify it.
 */
export function offsetsOf(source: string, text: string, anyCase = false): number[] {
  const known = anyCase ? lastOffsets.anyCase : lastOffsets.exact;
  const last = known.get(text);
  if (last?.source === source) return last.offsets;
  if (!last) {
    const offsets = occurrencesIn(source, text, anyCase, 0, source.length);
    known.set(text, { source, offsets });
    return offsets;
  }
  // Occurrences wholly in the unchanged head or tail stay (those in the tail move with the
  // edit); those starting in between are searched again.
  const { head, tail } = spanChanged(last.source, source);
  const from = Math.max(0, head - text.length + 1);
  const found = occurrencesIn(source, text, anyCase, from, source.length - tail);
  const offsets = last.offsets;
  const removed = firstAtOrAfter(offsets, from);
  const kept = firstAtOrAfter(offsets, last.source.length - tail);
  const delta = source.length - last.source.length;
  for (let k = kept; k < offsets.length; k++) offsets[k] += delta;
  // Spread into arguments only while that is small (another file's text replaces them all).
  if (found.length <= 10_000) offsets.splice(removed, kept - removed, ...found);
  else last.offsets = [...offsets.slice(0, removed), ...found, ...offsets.slice(kept)];
  last.source = source;
  return last.offsets;
}

let lastSpan: { before: string; after: string; head: number; tail: number } | undefined;

/** `changedSpan`, found once for the strings asked about in one version. */
function spanChanged(before: string, after: string): { head: number; tail: number } {
  if (lastSpan?.before !== before || lastSpan.after !== after) lastSpan = { before, after, ...changedSpan(before, after) };
  return lastSpan;
}

/** Occurrences of `text` starting in `from`..`until` (exclusive), searched only in that part of the source. */
function occurrencesIn(source: string, text: string, anyCase: boolean, from: number, until: number): number[] {
  const out: number[] = [];
  const part = source.slice(from, until + text.length - 1);
  if (anyCase) {
    const re = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
    for (let m = re.exec(part); m; re.lastIndex = m.index + 1, m = re.exec(part)) out.push(from + m.index);
  } else {
    for (let i = part.indexOf(text); i >= 0; i = part.indexOf(text, i + 1)) out.push(from + i);
  }
  return out;
}

/** The index of the first of ascending offsets at or after `start` (`offsets.length` when none is). */
export function firstAtOrAfter(offsets: readonly number[], start: number): number {
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid] < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
