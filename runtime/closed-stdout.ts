// `server.mjs tools | head` (or `synapsor-runner proposals list | head`) closes the pipe before the
// listing ends. The rest of the output is not wanted, so the process ends quietly instead of
// dying with an EPIPE stack trace. Not for `serve --transport stdio`, whose transport handles its
// own pipe (runtime/mcp/stdio.ts).

export function endQuietlyWhenStdoutCloses(): void {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit(process.exitCode ?? 0);
  });
}
