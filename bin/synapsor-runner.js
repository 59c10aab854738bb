#!/usr/bin/env node
// Launcher: refuse an unsupported Node.js first, then run the CLI. Inside the repository that
// is the TypeScript sources (Node strips their types; no build step); in an installed package,
// which ships no sources, the compiled dist/. A dist/ left in the repository by a build is
// never used: the sources are there.
import "./node-guard.js";
import { existsSync } from "node:fs";

const sources = new URL("../cli/main.ts", import.meta.url);
const cli = await import(existsSync(sources) ? sources.href : new URL("../dist/cli/main.js", import.meta.url).href);
await cli.run(process.argv);
