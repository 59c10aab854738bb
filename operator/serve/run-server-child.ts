// Runs a compiled server.mjs as a child on the same Node, sharing this process's stdout and
// stderr (and stdin for stdio), so an MCP client talks to the compiled server byte for byte.

import { RECOMMENDED_NODE_FLAGS } from "../../compiler/bundle/node-flags.ts";
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { isatty } from "node:tty";

/**
 * Resolves with the exit code to pass on (128 + signal number when the child was killed).
 *
 * Each SIGINT/SIGTERM must reach the child exactly once: the compiled server shuts down on
 * the first and dies on a second, even one arriving as it exits. So the child gets its own
 * process group, where Ctrl-C does not reach it directly and this process forwards every
 * signal. The exception is a stdio server reading a terminal (a person typing JSON-RPC): it
 * must stay in the terminal's group to read it, so Ctrl-C already reaches it and only SIGTERM,
 * which a supervisor sends to this process alone, is forwarded.
 */
export function runServerChild(serverPath: string, args: readonly string[], options: { stdin: boolean }): Promise<number> {
  const sharesTerminal = options.stdin && isatty(0);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...RECOMMENDED_NODE_FLAGS, serverPath, ...args], {
      stdio: [options.stdin ? "inherit" : "ignore", "inherit", "inherit"],
      detached: !sharesTerminal,
    });
    const forward = (signal: NodeJS.Signals) => {
      if (!(sharesTerminal && signal === "SIGINT")) child.kill(signal);
    };
    // If this process ends first (an uncaught error), the detached child must not outlive it.
    const orphanGuard = () => child.kill("SIGTERM");
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    process.on("exit", orphanGuard);
    const detach = () => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      process.off("exit", orphanGuard);
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
