/** Percentiles and rounding shared by the benchmark suite. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

export function round(n: number, digits = 2): number {
  const k = 10 ** digits
  return Math.round(n * k) / k
}
