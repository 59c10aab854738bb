// Node flags the compiled server should run with. V8 sizes its young generation at start-up
// (`v8.setFlagsFromString("--max-semi-space-size=4")` after that has no effect: measured, the new
// space still grows to 64 MiB); under sustained load its default lets the heap grow by ~100 MiB.
// Measured with bench/read-latency.ts: peak RSS 206 → 121 MiB at the same CPU per call. The
// bundle's shebang carries them and `mcp serve` passes them. Plain `node server.mjs` has no way
// to get them without a second Node.js start; it steers V8's growth of the young generation to
// the same size instead (runtime/node-settings.ts, steerYoungGeneration).

export const RECOMMENDED_NODE_FLAGS = ["--max-semi-space-size=4"] as const;
