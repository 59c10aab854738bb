// Small numeric helpers for the benchmarks: percentiles over latency samples and fixed-width output.

/** The q-quantile (0..1) of samples by the nearest-rank method; sorts a copy. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5);
}

/** Milliseconds since `start` (a process.hrtime.bigint() reading). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export interface TableRow {
  metric: string;
  value: string;
  target?: string;
  /** undefined: informational, no target. */
  met?: boolean;
}

export function formatTable(rows: readonly TableRow[]): string {
  const header = { metric: "metric", value: "measured", target: "target", met: "" };
  const cells = rows.map((r) => ({
    metric: r.metric,
    value: r.value,
    target: r.target ?? "",
    met: r.met === undefined ? "" : r.met ? "met" : "NOT MET",
  }));
  const all = [header, ...cells];
  const width = (key: keyof typeof header) => Math.max(...all.map((c) => c[key].length));
  const w = { metric: width("metric"), value: width("value"), target: width("target") };
  const line = (c: typeof header) =>
    `| ${c.metric.padEnd(w.metric)} | ${c.value.padStart(w.value)} | ${c.target.padEnd(w.target)} | ${c.met.padEnd(7)} |`;
  const rule = `|${"-".repeat(w.metric + 2)}|${"-".repeat(w.value + 2)}|${"-".repeat(w.target + 2)}|---------|`;
  return [line(header), rule, ...cells.map(line)].join("\n");
}
