// The V8 memory settings of a serving process. The shebang (and `mcp serve`) start the bundle with
// RECOMMENDED_NODE_FLAGS (compiler/bundle/node-flags.ts); plain `node server.mjs` cannot get a
// start-up flag without starting Node.js a second time, so it steers the young generation's growth
// to the size that flag gives (steerYoungGeneration). An operator may set their own flags on the
// command line or in NODE_OPTIONS.

import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";

const MEMORY_FLAG = /^--max[-_](semi[-_]space|old[-_]space|young[-_]generation)[-_]size(=|$)/;
/** Flags that size or grow the young generation: when the operator set one, we leave it alone. */
const YOUNG_GENERATION_FLAG = /^--(max[-_]semi[-_]space[-_]size|max[-_]young[-_]generation[-_]size|semi[-_]space[-_]growth[-_]factor)(=|$)/;

/**
 * The new space `--max-semi-space-size=4` lets V8 reach: measured with getHeapSpaceStatistics()
 * under an allocation-heavy loop, its `new_space` stops at 8 MiB (V8's default grows it to 64 MiB
 * on a machine with several GiB of memory).
 */
export const YOUNG_GENERATION_LIMIT_BYTES = 8 * 1024 * 1024;

export function nodeMemoryFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  return [...execArgv, ...(nodeOptions ?? "").split(/\s+/)].filter((flag) => MEMORY_FLAG.test(flag));
}

/**
 * Bounds the young generation like `--max-semi-space-size=4` without a start-up flag, unless the
 * operator sized it: returns whether it steers. V8 reads the semi-space size only when it creates
 * the heap, but it reads `--semi-space-growth-factor` each time a scavenge decides to grow the new
 * space (capacity × factor, up to the maximum). After every GC this sets the factor to 1 (no
 * growth) once the new space has reached the limit, and back to V8's default 2 when V8 has shrunk
 * it below, so it grows 1 → 2 → 4 → 8 MiB and stops there.
 *
 * The bound is softer than the flag's: the observer runs after the GC, V8 may lend the new space
 * pages up to its own maximum between two scavenges, and after a full GC has shrunk it the next
 * growth can land one step higher (16 MiB, seen in a synthetic loop keeping ~6 MB alive; V8's
 * default there is 64 MiB). Measured under the server's own load (docs/performance.md, "Issue 11:
 * cold start, second pass"): the same peak RSS and CPU per call as the flag, without the second
 * Node.js start a re-exec with the flag costs.
 */
export function steerYoungGeneration(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const given = [...execArgv, ...(nodeOptions ?? "").split(/\s+/)];
  if (given.some((flag) => YOUNG_GENERATION_FLAG.test(flag))) return false;
  let growing = true; // V8's own default factor until the limit is reached
  const steer = () => {
    const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === "new_space");
    if (newSpace === undefined) return;
    const grow = newSpace.space_size < YOUNG_GENERATION_LIMIT_BYTES;
    if (grow === growing) return;
    growing = grow;
    setFlagsFromString(`--semi-space-growth-factor=${grow ? 2 : 1}`);
  };
  new PerformanceObserver(steer).observe({ entryTypes: ["gc"] });
  return true;
}
