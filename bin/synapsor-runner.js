#!/usr/bin/env node
// Launcher: check the Node version before loading anything that needs it.
// The ledger uses node:sqlite (Node >= 22.13) and the CLI runs TypeScript sources
// directly through Node's type stripping.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `synapsor-runner needs Node.js 22.13 or newer (this is ${process.versions.node}).\n` +
      "Inside this repository, run it through npm (npm run demo, npx synapsor-runner ...), which uses the Node 24 that npm ci installs.\n",
  );
  process.exit(1);
}
await import("../cli/main.ts");
