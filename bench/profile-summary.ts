// Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. BENCH_CPU_PROF=DIR npm run bench):
// the functions with the most self time, and inclusive time of the heaviest frames; with
// --by-module BUNDLE (the server.mjs the profile ran, which BENCH_CPU_PROF copies beside it), also
// the busy time by source module or dependency package, so a change can be judged by whose code it moved.
// Run: npx node bench/profile-summary.ts FILE.cpuprofile [top=30] [--by-module DIR/server.mjs]

import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { bundleModuleOfLine, frameOwner } from "./lib/bundle-modules.ts";
import { parseBenchArgs, usageError, wholeNumber } from "./lib/cli-args.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const CLI = {
  name: "profile-summary",
  usage: `Usage: npx node bench/profile-summary.ts FILE.cpuprofile [TOP] [--by-module DIR/server.mjs]

Summarises a V8 .cpuprofile (node --cpu-prof; BENCH_CPU_PROF=DIR npm run bench writes them): the
TOP functions by self time and by inclusive time.
e.g. npx node bench/profile-summary.ts /tmp/prof/stdio-1.cpuprofile 40 --by-module /tmp/prof/server.mjs

  TOP                     rows per table (default 30)
  --by-module BUNDLE      also busy time by source module or dependency package, from the
                          server.mjs the profile ran (BENCH_CPU_PROF copies it beside the profile)
  -h, --help              this text`,
};
const { values: options, positionals } = parseBenchArgs(CLI, { allowPositionals: true, options: { "by-module": { type: "string" } } });
const [file, topArg, extra] = positionals;
if (!file) usageError(CLI, "missing FILE.cpuprofile");
if (extra !== undefined) usageError(CLI, `unexpected argument '${extra}' (one profile at a time)`);
const top = wholeNumber(CLI, "TOP", topArg, 30);
for (const path of [file, options["by-module"]]) if (path !== undefined && !existsSync(path)) usageError(CLI, `no such file: ${path}`);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const label = (n: ProfileNode) =>
  `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber + 1}`;

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const key = label(byId.get(id)!);
  self.set(key, (self.get(key) ?? 0) + us);
  // Each frame label counted once per sample stack, so recursion does not double count.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const k = label(byId.get(at)!);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (total ${(total / 1000).toFixed(0)} ms)`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
  }
};
show("self time", self);
show("inclusive time", inclusive);

// Busy time only: idle is the event loop waiting, which no module spends.
const bundlePath = options["by-module"];
if (bundlePath) {
  const moduleOfLine = bundleModuleOfLine(readFileSync(bundlePath, "utf8"));
  const bundleName = basename(bundlePath);
  const byModule = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === "(idle)") continue;
    const owner = frameOwner(frame, bundleName, moduleOfLine);
    byModule.set(owner, (byModule.get(owner) ?? 0) + us);
    busy += us;
  }
  console.log(`\nself time by module, idle excluded (busy ${(busy / 1000).toFixed(0)} ms)`);
  for (const [k, us] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((us / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
  }
}
