// An expect-style driver for a program on a pseudo-terminal (util-linux `script`): wait for a
// text to appear, then send keys, the way a person at the prompt would. Every wait has a
// generous timeout and fails with the screen transcript, so a stuck prompt is easy to read.

import { spawn, type ChildProcess } from "node:child_process";
import { CLI, REPO_ROOT } from "./cli.ts";

export { HAS_SCRIPT } from "./terminal.ts";

export const KEYS = {
  up: "\x1b[A",
  down: "\x1b[B",
  space: " ",
  enter: "\r",
  ctrlC: "\x03",
  esc: "\x1b",
  /** Ctrl-U: clears an input line (enquirer erases the typed text). */
  clearLine: "\x15",
} as const;

// Cursor movement, colours and erase sequences, so waits match the words on screen.
const ANSI = /\x1b\[[0-9;?]*[ -\/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>78]/g;

export interface PtyExit {
  code: number;
  transcript: string;
}

export class PtySession {
  private raw = "";
  private mark = 0;
  private readonly closed: Promise<number>;
  private readonly child: ChildProcess;

  private constructor(command: string, options: { cwd: string; env: NodeJS.ProcessEnv }) {
    // `script` copies the size of its own terminal, which a test does not have: set one.
    const shell = `stty cols 140 rows 50 2>/dev/null; exec ${command}`;
    this.child = spawn("script", ["-qec", shell, "/dev/null"], { cwd: options.cwd, env: { ...options.env, TERM: "xterm" }, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout!.setEncoding("utf8").on("data", (d: string) => (this.raw += d));
    this.child.stderr!.setEncoding("utf8").on("data", (d: string) => (this.raw += d));
    this.closed = new Promise((resolve, reject) => {
      this.child.on("error", reject);
      this.child.on("close", (code) => resolve(code ?? -1));
    });
  }

  /** Starts the CLI with `args` on a fresh pseudo-terminal. */
  static cli(args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): PtySession {
    return PtySession.start([process.execPath, CLI, ...args], options);
  }

  /** Starts any program (`argv[0]` with its arguments) on a fresh pseudo-terminal. */
  static start(argv: string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): PtySession {
    return new PtySession(argv.map(shellQuote).join(" "), { cwd: options.cwd ?? REPO_ROOT, env: options.env });
  }

  /** The screen output so far, without terminal control sequences. */
  transcript(): string {
    return this.raw.replace(ANSI, "").replace(/\r/g, "");
  }

  /** Resolves once `pattern` appears after the previous match; fails with the transcript after `timeoutMs`. */
  async waitFor(pattern: string | RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.transcript();
      const rest = text.slice(this.mark);
      const found = typeof pattern === "string" ? indexOfString(rest, pattern) : indexOfPattern(rest, pattern);
      if (found) {
        this.mark += found.end;
        return found.match;
      }
      if (this.child.exitCode !== null || Date.now() > deadline) {
        const why = this.child.exitCode !== null ? `the program exited (${this.child.exitCode})` : `${timeoutMs} ms passed`;
        throw new Error(`Waited for ${String(pattern)} but ${why}. Screen transcript (last 6000 characters):\n${text.slice(-6000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends keys as typed; give several to send them one after another. */
  async send(...keys: string[]): Promise<void> {
    for (const k of keys) {
      this.child.stdin!.write(k);
      // A person's keys arrive one by one; enquirer handles one keypress per read.
      await new Promise((r) => setTimeout(r, 40));
    }
  }

  /** Waits for `prompt`, then types `keys`. */
  async answer(prompt: string | RegExp, ...keys: string[]): Promise<void> {
    await this.waitFor(prompt);
    await this.send(...keys);
  }

  /** Waits for the program to end (killing it after `timeoutMs`). */
  async exit(timeoutMs = 120_000): Promise<PtyExit> {
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const code = await this.closed;
    clearTimeout(timer);
    this.child.stdin!.destroy();
    return { code, transcript: this.transcript() };
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

function indexOfString(text: string, needle: string): { end: number; match: string } | undefined {
  const i = text.indexOf(needle);
  return i < 0 ? undefined : { end: i + needle.length, match: needle };
}

function indexOfPattern(text: string, pattern: RegExp): { end: number; match: string } | undefined {
  const m = new RegExp(pattern.source, pattern.flags.replace("g", "")).exec(text);
  return m ? { end: m.index + m[0].length, match: m[0] } : undefined;
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, "'\\''")}'`;
}
