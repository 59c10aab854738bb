// The figures of one peer benchmark round, their medians over rounds, and the ratio table of
// issue 11 (synapsor / Toolbox, each ratio next to its target). Pure functions, unit-tested.

import { median } from "./stats.ts";

/** How each server was launched: the bundle with plain node, through its shebang, and Toolbox. */
export type PeerKey = "node" | "shebang" | "toolbox";
export const PEER_LABELS: Record<PeerKey, string> = {
  node: "node server.mjs",
  shebang: "./server.mjs",
  toolbox: "Toolbox",
};

export interface PeerFigures {
  /** Server user+sys CPU over the stdio loaded phase (16 in flight) / calls, µs. */
  stdioCpuUs: number;
  /** Sequential stdio round trip, median, ms. */
  stdioP50Ms: number;
  /** Calls completed per second over stdio with 16 in flight. */
  stdioCallsPerSecond: number;
  /** Server user+sys CPU over the HTTP loaded phase (16 keep-alive clients) / calls, µs. */
  httpCpuUs: number;
  /** Spawn → first tools/list answered, median of the round's starts, ms. */
  coldStartMs: number;
  /** Peak resident set (VmHWM) of the server under load, the larger of stdio and HTTP, MiB. */
  peakRssMiB: number;
  /** JSON bytes of the tools/list result divided by its tool count. */
  listBytesPerTool: number;
}

export interface RawPgFigures {
  p50Ms: number;
  callsPerSecond: number;
}

export interface RoundFigures {
  round: number;
  rawPg: RawPgFigures;
  peers: Partial<Record<PeerKey, PeerFigures>>;
}

export type FigureKey = keyof PeerFigures;

export interface Target {
  figure: FigureKey;
  label: string;
  unit: string;
  /** "ratio": synapsor / Toolbox compared with `limit`; "absolute": synapsor's own value. */
  kind: "ratio" | "absolute";
  direction: "<=" | ">=";
  limit: number;
}

/** Issue 11's table: the target ratio of every figure (bytes per tool is an absolute bound). */
export const TARGETS: readonly Target[] = [
  { figure: "stdioCpuUs", label: "stdio server CPU per call, 16 in flight", unit: "µs", kind: "ratio", direction: "<=", limit: 0.8 },
  { figure: "stdioP50Ms", label: "stdio sequential p50", unit: "ms", kind: "ratio", direction: "<=", limit: 0.9 },
  { figure: "stdioCallsPerSecond", label: "stdio calls/s, 16 in flight", unit: "/s", kind: "ratio", direction: ">=", limit: 1.2 },
  { figure: "httpCpuUs", label: "HTTP server CPU per call, 16 clients", unit: "µs", kind: "ratio", direction: "<=", limit: 0.7 },
  { figure: "coldStartMs", label: "cold start: spawn -> first tools/list", unit: "ms", kind: "ratio", direction: "<=", limit: 0.8 },
  { figure: "peakRssMiB", label: "peak RSS under load", unit: "MiB", kind: "ratio", direction: "<=", limit: 1.3 },
  { figure: "listBytesPerTool", label: "tools/list bytes per tool", unit: "B", kind: "absolute", direction: "<=", limit: 1000 },
];

export function meets(value: number, target: Pick<Target, "direction" | "limit">): boolean {
  if (!Number.isFinite(value)) return false;
  return target.direction === "<=" ? value <= target.limit : value >= target.limit;
}

export type PeerMedians = Partial<Record<PeerKey, PeerFigures>>;

/** The median of every figure of every peer over the rounds it took part in. */
export function peerMedians(rounds: readonly RoundFigures[]): PeerMedians {
  const out: PeerMedians = {};
  for (const key of Object.keys(PEER_LABELS) as PeerKey[]) {
    const present = rounds.map((r) => r.peers[key]).filter((f): f is PeerFigures => f !== undefined);
    if (present.length === 0) continue;
    const figures = {} as PeerFigures;
    for (const figure of Object.keys(present[0]!) as FigureKey[]) figures[figure] = median(present.map((f) => f[figure]));
    out[key] = figures;
  }
  return out;
}

export function rawPgMedians(rounds: readonly RoundFigures[]): RawPgFigures {
  return {
    p50Ms: median(rounds.map((r) => r.rawPg.p50Ms)),
    callsPerSecond: median(rounds.map((r) => r.rawPg.callsPerSecond)),
  };
}

/**
 * The median over rounds of synapsor / Toolbox for one figure: each round's ratio is taken
 * within the round (both servers measured minutes apart at most), then the median of those.
 * NaN when Toolbox was not measured.
 */
export function medianRatio(rounds: readonly RoundFigures[], ours: Exclude<PeerKey, "toolbox">, figure: FigureKey): number {
  const ratios = rounds.flatMap((r) => {
    const a = r.peers[ours]?.[figure];
    const b = r.peers.toolbox?.[figure];
    return a === undefined || b === undefined || b === 0 ? [] : [a / b];
  });
  return ratios.length === 0 ? Number.NaN : median(ratios);
}

export interface RatioRow {
  figure: FigureKey;
  label: string;
  target: string;
  /** Median figures per peer (undefined when the peer was not measured). */
  values: Partial<Record<PeerKey, number>>;
  /** The compared value per launch of ours: the median ratio, or for absolute targets the value. */
  compared: Record<"node" | "shebang", number>;
  met: Record<"node" | "shebang", boolean | undefined>;
}

export function ratioRows(rounds: readonly RoundFigures[]): RatioRow[] {
  const medians = peerMedians(rounds);
  const haveToolbox = medians.toolbox !== undefined;
  return TARGETS.map((target) => {
    const values: Partial<Record<PeerKey, number>> = {};
    for (const key of Object.keys(medians) as PeerKey[]) values[key] = medians[key]![target.figure];
    const compare = (ours: "node" | "shebang") =>
      target.kind === "absolute" ? (values[ours] ?? Number.NaN) : medianRatio(rounds, ours, target.figure);
    const compared = { node: compare("node"), shebang: compare("shebang") };
    const judged = (ours: "node" | "shebang") =>
      values[ours] === undefined || (target.kind === "ratio" && !haveToolbox) ? undefined : meets(compared[ours], target);
    return {
      figure: target.figure,
      label: target.label,
      target: `${target.direction === "<=" ? "≤" : "≥"} ${target.limit}${target.kind === "absolute" ? ` ${target.unit} (absolute)` : ""}`,
      values,
      compared,
      met: { node: judged("node"), shebang: judged("shebang") },
    };
  });
}

function figureText(value: number | undefined, figure: FigureKey): string {
  if (value === undefined || !Number.isFinite(value)) return "-";
  if (figure === "stdioP50Ms") return value.toFixed(3);
  if (figure === "coldStartMs" || figure === "peakRssMiB") return value.toFixed(1);
  return Math.round(value).toLocaleString("en-US");
}

const verdict = (met: boolean | undefined) => (met === undefined ? "-" : met ? "met" : "NOT MET");

/** The Markdown table printed at the end of a run. */
export function formatRatioTable(rounds: readonly RoundFigures[]): string {
  const header = ["figure", "node server.mjs", "./server.mjs", "Toolbox", "ratio (node)", "ratio (shebang)", "target", "node", "shebang"];
  const lines = ratioRows(rounds).map((row) => {
    const unit = TARGETS.find((t) => t.figure === row.figure)!.unit;
    const ratioText = (ours: "node" | "shebang") => {
      const v = row.compared[ours];
      if (!Number.isFinite(v)) return "-";
      return TARGETS.find((t) => t.figure === row.figure)!.kind === "absolute" ? `${Math.round(v)} ${unit}` : v.toFixed(2);
    };
    return [
      `${row.label} (${unit})`,
      figureText(row.values.node, row.figure),
      figureText(row.values.shebang, row.figure),
      figureText(row.values.toolbox, row.figure),
      ratioText("node"),
      ratioText("shebang"),
      row.target,
      verdict(row.met.node),
      verdict(row.met.shebang),
    ];
  });
  const raw = rawPgMedians(rounds);
  lines.push([
    "raw pg prepared statement (floor): calls/s, p50 ms",
    `${Math.round(raw.callsPerSecond).toLocaleString("en-US")} /s, ${raw.p50Ms.toFixed(3)} ms`,
    "",
    "",
    "",
    "",
    "",
    "",
    "",
  ]);
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((cells) => cells[i]!.length)));
  const render = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [render(header), rule, ...lines.map(render)].join("\n");
}
