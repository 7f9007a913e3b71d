/** Medians with their spread: what every figure of the benchmark is reported as. */

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function summarize(values: number[]): Summary | null {
  const clean = values.filter((v) => Number.isFinite(v));
  if (!clean.length) return null;
  const sorted = [...clean].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { n: sorted.length, median: round(median), min: round(sorted[0]), max: round(sorted[sorted.length - 1]), values: clean.map(round) };
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Milliseconds since an arbitrary origin, monotonic (for intervals measured in this process). */
export function now(): number {
  return performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * The approval delays of a run set: spread evenly over one poll interval, so that where the
 * approval falls between two polls is sampled the same way for every client and every run count.
 */
export function approvalPhase(run: number, runs: number, intervalMs: number): number {
  return (intervalMs * (run + 0.5)) / runs;
}
