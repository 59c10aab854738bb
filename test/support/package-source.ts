// Lets code inside the repository import the package by its name, as an installed app does
// ("synapsor-runner/handler", "synapsor-runner/runtime"), without a build: the package's exports
// point at dist/, which only `npm run build` makes, so this resolve hook maps each export to its
// source file. Load it before the app: `node --import ./test/support/package-source.ts app.mjs`.

import { registerHooks } from "node:module";

const SOURCES: Record<string, string> = {
  "synapsor-runner/handler": new URL("../../handler/index.ts", import.meta.url).href,
  "synapsor-runner/runtime": new URL("../../runtime/index.ts", import.meta.url).href,
};

registerHooks({
  resolve(specifier, context, nextResolve) {
    const url = SOURCES[specifier];
    return url ? { url, shortCircuit: true } : nextResolve(specifier, context);
  },
});

/** The node flags that load this hook, for a child process. */
export const PACKAGE_SOURCE_FLAGS = ["--import", new URL(import.meta.url).pathname];
