// Runs a compiled server.mjs as a child on the same Node, sharing this process's stdio, so
// in stdio mode the MCP client talks to the compiled server directly, byte for byte.

import { spawn } from "node:child_process";
import { constants } from "node:os";

/**
 * Resolves with the exit code to pass on (128 + signal number when the child was killed).
 * The first SIGINT/SIGTERM reaches the child as SIGTERM: with Ctrl-C in a terminal the child
 * already got SIGINT from the process group, and the compiled server handles each signal
 * name once, so a second copy of the same name would kill it mid-shutdown. Any later
 * signal is passed on as is, which stops the child at once.
 */
export function runServerChild(serverPath: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [serverPath, ...args], { stdio: "inherit" });
    let forwarded = 0;
    const forward = (signal: NodeJS.Signals) => {
      child.kill(forwarded++ === 0 ? "SIGTERM" : signal);
    };
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    const detach = () => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
    };
    child.once("error", (err) => {
      detach();
      reject(err);
    });
    child.once("exit", (code, signal) => {
      detach();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
