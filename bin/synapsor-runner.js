#!/usr/bin/env node
// Launcher: refuse an unsupported Node.js first, then run the CLI. Inside the repository that
// is the TypeScript sources (Node strips their types; no build step); in an installed package,
// which ships no sources, the compiled dist/. A dist/ left in the repository by a build is
// never used: the sources are there.
import "./node-guard.js";
import { existsSync } from "node:fs";
import module from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

// V8 keeps the code it compiled for the CLI's modules between runs, so a command starts sooner
// (a review session runs many). Per user, never a shared temporary directory where another user
// could plant code. NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE still decide when set; a
// directory that cannot be written (or a user without a home) only means no cache.
try {
  module.enableCompileCache?.(join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "synapsor-runner", "compile-cache"));
} catch {
  // Starting without the cache is only slower.
}

const sources = new URL("../cli/main.ts", import.meta.url);
const cli = await import(existsSync(sources) ? sources.href : new URL("../dist/cli/main.js", import.meta.url).href);
await cli.run(process.argv);
