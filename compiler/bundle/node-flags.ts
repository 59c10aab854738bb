// Node flags the compiled server should run with. V8 sizes its young generation at start-up
// (it cannot be changed from inside the process); under sustained load its default lets the
// heap grow by ~100 MiB. Measured with bench/read-latency.ts: peak RSS 206 → 121 MiB at the
// same CPU per call. The bundle's shebang carries them, and `mcp serve` passes them.

export const RECOMMENDED_NODE_FLAGS = ["--max-semi-space-size=4"] as const;
