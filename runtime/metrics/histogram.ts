// A fixed-bucket histogram that costs a few comparisons per observation and allocates nothing:
// the counts live in one typed array sized at creation.

import type { ExpositionWriter, Labels } from "./exposition.ts";

/**
 * Seconds. Sub-millisecond buckets first: a read served from a warm pool and group-committed to
 * the ledger takes well under a millisecond of server time on a fast machine.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export class Histogram {
  readonly bounds: readonly number[];
  /** The bounds again as a typed array: the per-observation search reads doubles, no boxing. */
  private readonly limits: Float64Array;
  /** counts[i] observations fell in (bounds[i-1], bounds[i]]; the last slot is above every bound. */
  private readonly counts: Float64Array;
  private sum = 0;
  private total = 0;

  constructor(bounds: readonly number[] = DURATION_BUCKETS_SECONDS) {
    this.bounds = bounds;
    this.limits = Float64Array.from(bounds);
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    this.add(this.bucketOf(value), value);
  }

  /** The slot `value` falls in; with add(), one search serves two histograms of the same bounds. */
  bucketOf(value: number): number {
    const limits = this.limits;
    const n = limits.length;
    let i = 0;
    while (i < n && value > limits[i]!) i++;
    return i;
  }

  /** Counts `value` in the slot bucketOf() returned for it (same bounds). */
  add(bucket: number, value: number): void {
    this.counts[bucket]!++;
    this.sum += value;
    this.total++;
  }

  get count(): number {
    return this.total;
  }

  /** The samples of this histogram (cumulative buckets, then _sum and _count) under `labels`. */
  writeTo(out: ExpositionWriter, name: string, labels: Labels): void {
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i]!;
      out.sample(`${name}_bucket`, [...labels, ["le", String(this.bounds[i])]], cumulative);
    }
    out.sample(`${name}_bucket`, [...labels, ["le", "+Inf"]], this.total);
    out.sample(`${name}_sum`, labels, this.sum);
    out.sample(`${name}_count`, labels, this.total);
  }
}
