/**
 * Summary statistics for benchmark samples (pure).
 */

/** Median, quartiles and extremes of a sample, in the sample's unit. */
export interface Summary {
  n: number;
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
}

/** Linear-interpolated quantile `q` (0..1) of already sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lower = Math.floor(pos);
  const upper = Math.ceil(pos);
  const a = sorted[lower]!;
  const b = sorted[upper]!;
  return a + (b - a) * (pos - lower);
}

/**
 * Summarise samples.
 *
 * @example summarize([3, 1, 2]).median // 2
 */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** ours / reference, rounded to two decimals. */
export function ratio(ours: number, reference: number): number {
  return Math.round((ours / reference) * 100) / 100;
}

/**
 * Our run's work above F, the start-up floor measured beside it. A median
 * below F's is noise around a floor, not negative work: it counts as 0.
 *
 * @example aboveFloor(22, 16) // 6
 * @example aboveFloor(15, 16) // 0
 */
export function aboveFloor(ours: number, floor: number): number {
  return Math.max(0, ours - floor);
}

/**
 * How a median shows beside F: `22.0 (F 16.0 + 6.0)`, or `15.0 (within F 16.0)`
 * when it is not above it; never a negative figure.
 *
 * @example floorSplitText(22, 16) // "22.0 (F 16.0 + 6.0)"
 */
export function floorSplitText(ours: number, floor: number): string {
  return ours > floor ? `${ours.toFixed(1)} (F ${floor.toFixed(1)} + ${(ours - floor).toFixed(1)})` : `${ours.toFixed(1)} (within F ${floor.toFixed(1)})`;
}
