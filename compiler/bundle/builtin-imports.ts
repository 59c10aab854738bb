// An esbuild plugin that turns every static `import ... from "node:x"` in the bundle into a
// require() of the built-in, evaluated where the import stood. Node links static imports before
// running any code, so `import { DatabaseSync } from "node:sqlite"` on a Node.js without
// node:sqlite fails with a stack trace before the version guard at the top of server.mjs can
// speak; a require() runs after it. Dynamic import() and require() calls are left as they are.

import { builtinModules } from "node:module";
import type { Plugin } from "esbuild";

const NAMESPACE = "synapsor-node-builtin";
const escape = (name: string) => name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
// Bare names (fs, fs/promises) and every node: specifier, including those that exist only with
// the prefix (node:sqlite, node:test).
const BUILTIN = new RegExp(`^(node:.+|${builtinModules.map(escape).join("|")})$`);

export function builtinImportsAsRequire(): Plugin {
  return {
    name: "synapsor-builtin-imports-as-require",
    setup(b) {
      b.onResolve({ filter: BUILTIN }, (args) =>
        args.kind === "import-statement" ? { path: args.path, namespace: NAMESPACE } : undefined,
      );
      // The banner's createRequire provides `require`; esbuild leaves require() of a built-in external.
      // esbuild's __toESM turns this CommonJS module into a namespace by copying each own property
      // with its descriptor, and asking for a descriptor runs the lazy getters of Node's built-ins:
      // node:util's `diff` and `setTraceSigInt` load whole internal modules (~6 ms of CPU per start,
      // profiled). An object that inherits from the built-in has no own properties to copy, and
      // every name still resolves, through the prototype. A built-in that is itself a function
      // (node:events, node:assert) stays as it is, so a default import can still be called.
      b.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: `const builtin = require(${JSON.stringify(args.path)});\nmodule.exports = typeof builtin === "function" ? builtin : Object.create(builtin);`,
        loader: "js",
      }));
    },
  };
}
