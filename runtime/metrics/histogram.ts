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
  /** counts[i] observations fell in (bounds[i-1], bounds[i]]; the last slot is above every bound. */
  private readonly counts: Float64Array;
  private sum = 0;
  private total = 0;

  constructor(bounds: readonly number[] = DURATION_BUCKETS_SECONDS) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
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
