// The command_handler executor: runs the operator's command with the writeback request on
// stdin and reads one receipt from stdout. The command comes from the env var named by
// command_env, i.e. trusted operator configuration, so it runs through /bin/sh -c (pipes,
// arguments and env expansion work as the operator wrote them); no request value is ever
// interpolated into it. The child runs in its own process group so a timeout can end it
// together with anything it started. Once the shell started, the command had the request, so
// every outcome but a valid receipt after a clean exit is recorded as possibly having written.

import { spawn } from "node:child_process";
import type { Executor, ExecutionResult } from "./executor.ts";
import { excerpt, failure, receiptFromReply, uncertainFailure } from "./handler-reply.ts";
import type { WritebackRequest } from "./protocol.ts";

export interface CommandHandlerExecutorOptions {
  command: string;
  timeoutMs: number;
}

const MAX_STDOUT_BYTES = 1024 * 1024;
const MAX_STDERR_CHARS = 4000;
const CHANNEL = "handler command";
const ORPHAN_GRACE_MS = 1000;
/**
 * After the command exits, how long to keep reading what it already wrote. A process it left
 * running in the background may hold stdout open for as long as it lives; the receipt is the
 * command's own answer, so it is read from what arrived by then instead of waiting for that.
 */
const DRAIN_AFTER_EXIT_MS = 250;

export function createCommandHandlerExecutor(options: CommandHandlerExecutorOptions): Executor {
  return {
    type: "command_handler",
    async execute(request: WritebackRequest): Promise<ExecutionResult> {
      try {
        return await run(options, JSON.stringify(request));
      } catch (err) {
        return failure("INTERNAL", "The handler command could not be run.", String(err));
      }
    },
    async close() {},
  };
}

interface Outcome {
  kind: "exit" | "timeout" | "spawn-error" | "too-large";
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: string;
  /** Set when stdout was still open (held by a background process) once the command had exited. */
  heldOpen?: boolean;
}

function run(options: CommandHandlerExecutorOptions, input: string): Promise<ExecutionResult> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", options.command], { stdio: ["pipe", "pipe", "pipe"], detached: true });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = "";
    let settled = false;
    let ending: Outcome["kind"] | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    const collected = () => Buffer.concat(stdout).toString("utf8");
    const stopReading = () => {
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      resolve(toResult(outcome, options.timeoutMs));
    };
    const timer = setTimeout(() => {
      ending = "timeout";
      killGroup();
      // A descendant that left the group could keep the pipes open; do not wait for it.
      setTimeout(() => {
        stopReading();
        finish({ kind: "timeout", code: null, signal: null, stdout: collected(), stderr });
      }, ORPHAN_GRACE_MS).unref();
    }, options.timeoutMs);

    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_STDOUT_BYTES) {
        ending ??= "too-large";
        killGroup();
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < MAX_STDERR_CHARS) stderr += chunk.slice(0, MAX_STDERR_CHARS - stderr.length);
    });
    child.on("error", (err) => finish({ kind: "spawn-error", code: null, signal: null, stdout: "", stderr, error: String(err) }));
    // 'exit' comes when the command ends, 'close' only once every holder of its pipes let go.
    child.on("exit", (code, signal) => {
      drainTimer = setTimeout(() => {
        stopReading();
        finish({ kind: ending ?? "exit", code, signal, stdout: collected(), stderr, heldOpen: ending === undefined });
      }, DRAIN_AFTER_EXIT_MS);
    });
    child.on("close", (code, signal) => finish({ kind: ending ?? "exit", code, signal, stdout: collected(), stderr }));
    // A command that exits without reading stdin closes the pipe early; its exit status decides.
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

/**
 * Once the shell started, the command had the request: any outcome but a valid receipt after a
 * clean exit leaves open whether it wrote, and the receipt says so.
 */
function toResult(outcome: Outcome, timeoutMs: number): ExecutionResult {
  const diagnosis = [
    outcome.stderr ? `stderr: ${outcome.stderr}` : "",
    outcome.heldOpen ? `a process the command left running kept its stdout open; reading stopped ${DRAIN_AFTER_EXIT_MS} ms after the command exited` : "",
  ].filter(Boolean).join("\n");
  const withStdout = excerpt(`${diagnosis}\nstdout: ${outcome.stdout}`);
  switch (outcome.kind) {
    case "timeout":
      return uncertainFailure("HANDLER_TIMEOUT", `The handler command did not finish within ${timeoutMs} ms and was stopped.`, withStdout);
    case "spawn-error":
      return failure("HANDLER_UNREACHABLE", "The handler command could not be started.", outcome.error ?? "");
    case "too-large":
      return uncertainFailure("HANDLER_BAD_RESPONSE", "The handler command printed more output than a receipt can be.", diagnosis);
    case "exit":
      break;
  }
  if (outcome.code !== 0) {
    const how = outcome.signal ? `was ended by ${outcome.signal}` : `exited with status ${outcome.code}`;
    return uncertainFailure("HANDLER_FAILED", `The handler command ${how}.`, withStdout);
  }
  const result = receiptFromReply(outcome.stdout.trim(), CHANNEL);
  if (diagnosis && result.internal === undefined) return { ...result, internal: excerpt(diagnosis) };
  return result;
}
