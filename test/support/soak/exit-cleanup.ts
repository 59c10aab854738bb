// Last-chance cleanup when the suite's process exits or is interrupted before its own teardown
// ran: synchronous steps only (at "exit" nothing asynchronous runs any more), each at most once.

const steps = new Map<symbol, () => void>();
let installed = false;

function runAll(): void {
  for (const [key, step] of [...steps].reverse()) {
    steps.delete(key);
    try {
      step();
    } catch {
      // Keep going: the other steps still matter.
    }
  }
}

/** Registers `step`; the returned function unregisters it (call it once the normal teardown did the work). */
export function atExit(step: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on("exit", runAll);
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        runAll();
        process.exit(130);
      });
    }
  }
  const key = Symbol();
  steps.set(key, step);
  return () => void steps.delete(key);
}
