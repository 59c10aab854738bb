// Progress for the demo's slow steps (starting the embedded Postgres, building): a newcomer
// must never watch a silent terminal for 15 seconds and wonder whether it hung. On a terminal a
// live line counts the seconds; elsewhere (a pipe, a CI log) each step gets a plain line when it
// starts and when it ends. Every time shown is cumulative, from the start of the demo.

import { writeSync } from "node:fs";
import { Worker } from "node:worker_threads";

export interface StepProgress {
  /** Seconds since the demo started, to one decimal. */
  elapsed(): number;
  /** Runs `work`, showing `running` meanwhile and `finished` once it is done. */
  run<T>(running: string, finished: string, work: () => Promise<T>): Promise<T>;
}

function startClock(): () => number {
  const started = performance.now();
  return () => Number(((performance.now() - started) / 1000).toFixed(1));
}

/** For --json: no progress lines, only the clock. */
export function silentProgress(): StepProgress {
  const elapsed = startClock();
  return { elapsed, run: (_running, _finished, work) => work() };
}

/** Plain lines, for output that is not a terminal: "[12.3 s] built server.mjs". */
export function lineProgress(write: (line: string) => void): StepProgress {
  const elapsed = startClock();
  return {
    elapsed,
    async run(running, finished, work) {
      write(`[${elapsed().toFixed(1)} s] ${running} ...`);
      const result = await work();
      write(`[${elapsed().toFixed(1)} s] ${finished}`);
      return result;
    },
  };
}

/**
 * A live line on the terminal behind file descriptor `fd`. The step's work may hold the main
 * thread for seconds (WASM start-up, the type check), so the line is redrawn from a worker
 * thread that writes to the descriptor itself and needs nothing from the main thread.
 */
export function terminalProgress(fd: number): StepProgress {
  const elapsed = startClock();
  return {
    elapsed,
    async run(running, finished, work) {
      const ticker = new Worker(TICKER_SOURCE, { eval: true, workerData: { fd, label: running, offset: elapsed() } });
      let outcome: { ok: true; value: Awaited<ReturnType<typeof work>> } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: await work() };
      } catch (error) {
        outcome = { ok: false, error };
      }
      // Stopped before anything else is written, so no late frame can land after it.
      await ticker.terminate();
      if (!outcome.ok) {
        writeSync(fd, "\r\x1b[2K");
        throw outcome.error;
      }
      writeSync(fd, `\r\x1b[2K[${elapsed().toFixed(1)} s] ${finished}\n`);
      return outcome.value;
    },
  };
}

// Plain JavaScript so it runs the same from the TypeScript sources and from dist/. The label is
// the demo's own text, never user input.
const TICKER_SOURCE = `
const { writeSync } = require("node:fs");
const { workerData } = require("node:worker_threads");
const frames = ["|", "/", "-", "\\\\"];
const started = performance.now();
let frame = 0;
const draw = () => {
  const seconds = (workerData.offset + (performance.now() - started) / 1000).toFixed(1);
  writeSync(workerData.fd, "\\r\\x1b[2K" + frames[frame++ % frames.length] + " [" + seconds + " s] " + workerData.label + " ...");
};
draw();
setInterval(draw, 100);
`;
