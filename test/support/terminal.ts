// Runs the CLI on a pseudo-terminal (util-linux `script`), the way a person at a prompt does.

import { spawn, spawnSync } from "node:child_process";
import { CLI, REPO_ROOT } from "./cli.ts";

export const HAS_SCRIPT = spawnSync("script", ["--version"]).status === 0;

/** Runs the CLI under `script` so it has a pseudo-terminal, answering once the question appears. */
export function onTerminal(args: string[], answer: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: REPO_ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    let answered = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      output += d;
      if (!answered && output.includes("[y/N]")) {
        answered = true;
        child.stdin.write(`${answer}\n`);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code: code ?? -1, output });
    });
  });
}
