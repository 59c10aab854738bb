// Node flags the compiled server should run with. V8 sizes its young generation at start-up
// (`v8.setFlagsFromString` after that has no effect: measured, the new space still grows to
// 64 MiB); under sustained load its default lets the heap grow by ~100 MiB. Measured with
// bench/read-latency.ts: peak RSS 206 → 121 MiB at the same CPU per call. The bundle's shebang
// carries them, `mcp serve` passes them, and plain `node server.mjs` re-executes itself with
// them (reexecWithFlagsCode below).

export const RECOMMENDED_NODE_FLAGS = ["--max-semi-space-size=4"] as const;

/**
 * Plain JavaScript for the top of server.mjs (after the version guard): when the server is the
 * main module, asked to `serve`, and was started without our flags (plain `node server.mjs`), the process replaces
 * itself once (execve: same pid, same stdio, nothing read from stdin yet) with the flags added.
 * A flag the operator set (command line or NODE_OPTIONS, either spelling) wins and nothing is
 * re-executed. Where execve is unavailable (Windows, a worker, an embedding), the server runs on
 * with V8's defaults.
 *
 * The new process also gets NODE_COMPILE_CACHE, so Node reads the bundle's compiled code from a
 * cache instead of compiling ~0.5 MB again: that is only possible for the entry module when the
 * cache is on before Node loads it (module.enableCompileCache() inside the bundle is too late).
 * The directory is the user's own (XDG cache), never the shared OS temp dir, where another user
 * could plant code for V8 to load: it is created 0700 and used only if it is a directory owned by
 * this user that nobody else can write. An operator's NODE_COMPILE_CACHE or
 * NODE_DISABLE_COMPILE_CACHE is left alone.
 */
export function reexecWithFlagsCode(): string {
  const flags = JSON.stringify(RECOMMENDED_NODE_FLAGS);
  return `{
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\\s+/)].map((f) => f.replaceAll("_", "-"));
  const missing = ${flags}.filter((flag) => !given.some((g) => g === flag.split("=")[0] || g.startsWith(flag.split("=")[0] + "=")));
  const fs = process.getBuiltinModule?.("node:fs");
  const isMain = () => { try { return fs.realpathSync(process.argv[1]) === fs.realpathSync(import.meta.filename); } catch { return false; } };
  // Only \`serve\` runs long enough for the young generation to matter; \`tools\`, \`version\` and --help stay one process.
  if (process.argv[2] === "serve" && missing.length > 0 && typeof process.execve === "function" && process.platform !== "win32" && fs && isMain()) {
    const env = { ...process.env };
    if (env.NODE_COMPILE_CACHE === undefined && env.NODE_DISABLE_COMPILE_CACHE === undefined) {
      try {
        const path = process.getBuiltinModule("node:path");
        const base = env.XDG_CACHE_HOME || path.join(process.getBuiltinModule("node:os").homedir(), ".cache");
        const dir = path.join(base, "synapsor-runner", "node-compile-cache");
        if (path.isAbsolute(dir)) {
          fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
          const st = fs.statSync(dir);
          if (st.isDirectory() && st.uid === process.getuid() && (st.mode & 0o022) === 0) env.NODE_COMPILE_CACHE = dir;
        }
      } catch {
        // No private cache directory: the bundle is compiled at every start, as under the shebang.
      }
    }
    try {
      process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], env);
    } catch {
      // execve(2) failed (newer Node.js throws instead of aborting): run on with V8's defaults.
    }
  }
}`;
}
