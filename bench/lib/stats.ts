/** Small statistics helpers for benchmarks: order statistics over repeated timings. */

/** Nearest-rank percentile (p in 0..100) of a sample; the sample need not be sorted. */
export function percentile(sample: readonly number[], p: number): number {
  if (!sample.length) return NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(sample: readonly number[]): number {
  if (!sample.length) return NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function min(sample: readonly number[]): number {
  return sample.length ? Math.min(...sample) : NaN;
}

export function max(sample: readonly number[]): number {
  return sample.length ? Math.max(...sample) : NaN;
}

export function mean(sample: readonly number[]): number {
  return sample.length ? sample.reduce((a, b) => a + b, 0) / sample.length : NaN;
}

export interface Distribution {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function distribution(sample: readonly number[]): Distribution {
  return {
    n: sample.length,
    p50: percentile(sample, 50),
    p95: percentile(sample, 95),
    p99: percentile(sample, 99),
    max: max(sample),
    mean: mean(sample),
  };
}

/** The deterministic PRNG shared with the tests (mulberry32), so generated inputs and edit sequences repeat run to run. */
export { seededRandom } from '../../test/helpers/prng';
