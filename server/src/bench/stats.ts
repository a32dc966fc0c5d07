/**
 * Latency statistics: nearest-rank percentiles, sample standard deviation and 95%
 * confidence intervals (Student's t for the mean; distribution-free binomial
 * order-statistic intervals for percentiles). Pure functions.
 */
import type { ConfidenceInterval, LatencyStats } from '../../../protocol/bench';

export const CONFIDENCE_METHOD =
  "95% intervals: mean by Student's t (sample std dev / sqrt(n)); percentiles by the distribution-free binomial order-statistic interval (normal approximation to the ranks), null when the sample is too small to bound them";

/** Nearest-rank percentile (p in 0..100) of an ascending-sorted sample: a value that was actually observed. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function latencyStats(sample: readonly number[]): LatencyStats {
  const sorted = [...sample].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n ? sorted.reduce((a, b) => a + b, 0) / n : NaN;
  const variance = n > 1 ? sorted.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
  return {
    min: sorted[0] ?? NaN,
    mean,
    p50: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p95: percentileSorted(sorted, 95),
    p99: percentileSorted(sorted, 99),
    max: sorted[n - 1] ?? NaN,
    std: Math.sqrt(variance),
  };
}

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074,
  2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function meanConfidence(sample: readonly number[]): ConfidenceInterval | null {
  const n = sample.length;
  if (n < 2) return null;
  const s = latencyStats(sample);
  const t = n - 1 <= 30 ? T_975[n - 2] : n - 1 <= 60 ? 2.0 : n - 1 <= 120 ? 1.98 : 1.96;
  const half = (t * s.std) / Math.sqrt(n);
  // Latencies are positive: a tiny sample must not give a negative bound.
  return { low: Math.max(0, s.mean - half), high: s.mean + half };
}

/**
 * Distribution-free 95% interval for the p-th percentile: the order statistics whose ranks
 * lie 1.96 binomial standard deviations either side of n·p. Null when a bound would fall
 * outside the sample (too few runs to say).
 */
export function percentileConfidence(sample: readonly number[], p: number): ConfidenceInterval | null {
  const n = sample.length;
  const q = p / 100;
  const sd = Math.sqrt(n * q * (1 - q));
  const lo = Math.floor(n * q - 1.96 * sd);
  const hi = Math.ceil(n * q + 1.96 * sd) + 1;
  if (n < 5 || lo < 1 || hi > n) return null;
  const sorted = [...sample].sort((a, b) => a - b);
  return { low: sorted[lo - 1], high: sorted[hi - 1] };
}

/** Histogram with `bins` equal-width buckets over [min, max] (Freedman–Diaconis bin count when not given). */
export function histogram(sample: readonly number[], bins?: number): { min: number; max: number; counts: number[] } {
  const sorted = [...sample].sort((a, b) => a - b);
  const n = sorted.length;
  if (!n) return { min: 0, max: 0, counts: [] };
  const min = sorted[0];
  const max = sorted[n - 1];
  let k = bins;
  if (!k) {
    const iqr = percentileSorted(sorted, 75) - percentileSorted(sorted, 25);
    const width = (2 * iqr) / Math.cbrt(n);
    k = width > 0 ? Math.ceil((max - min) / width) : Math.ceil(Math.sqrt(n));
    k = Math.max(1, Math.min(60, k));
  }
  const counts = new Array<number>(k).fill(0);
  const span = max - min;
  for (const x of sorted) counts[span > 0 ? Math.min(k - 1, Math.floor(((x - min) / span) * k)) : 0]++;
  return { min, max, counts };
}
