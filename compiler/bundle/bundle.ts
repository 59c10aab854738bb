// Stage 6: bundle. esbuild turns the generated sources plus runtime/ and its drivers into
// one ESM file that runs with plain `node server.mjs` and no node_modules.

import { readFileSync } from "node:fs";
import { dirname, posix } from "node:path";
import type { Plugin } from "esbuild";
import type { FileMap } from "../emit/emit.ts";
import { PACKAGE_ROOT, packageFile, packageModule } from "../package-root.ts";
import { builtinImportsAsRequire } from "./builtin-imports.ts";
import { RECOMMENDED_NODE_FLAGS } from "./node-flags.ts";

const NAMESPACE = "synapsor-generated";

// Drivers reach for optional native or edge-runtime modules we never use.
const NEVER_BUNDLED = ["pg-native", "cloudflare:sockets"];

export async function bundleServer(files: FileMap): Promise<string> {
  // Loaded here, not at the top: only a build bundles.
  const { build } = await import("esbuild");
  const result = await build({
    absWorkingDir: PACKAGE_ROOT,
    entryPoints: [`${NAMESPACE}:src/server.ts`],
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    target: "node22",
    legalComments: "none",
    logLevel: "silent",
    external: NEVER_BUNDLED,
    // The runtime's sources in the repository, its compiled dist/ once installed; the drivers
    // resolve from wherever npm put them (the package's node_modules or the app's).
    alias: { "synapsor-runner/runtime": packageModule("runtime/index.ts") },
    banner: { js: banner() },
    plugins: [generatedSources(files), builtinImportsAsRequire()],
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error("BUG: esbuild produced no output");
  return output.text;
}

/**
 * Runs before anything else in server.mjs. The Node.js version guard comes first; the bundle's
 * only static import is a namespace import of node:module, which links on every Node.js, so an
 * old one reaches the guard instead of failing to link a built-in it lacks.
 */
function banner(): string {
  return [
    `#!/usr/bin/env -S node ${RECOMMENDED_NODE_FLAGS.join(" ")}`,
    "// Node.js version guard (synapsor-runner's bin/node-guard.js).",
    nodeGuardCode(),
    'import * as __synapsorNodeModule from "node:module";',
    // CommonJS drivers call require() for Node built-ins; give the ESM bundle a real one.
    "const require = __synapsorNodeModule.createRequire(import.meta.url);",
    // V8's code cache (in the OS temp dir) spares every later start from recompiling the bundle.
    "__synapsorNodeModule.enableCompileCache?.();",
  ].join("\n");
}

/** bin/node-guard.js without its comment lines (which speak of the launcher). */
function nodeGuardCode(): string {
  const lines = readFileSync(packageFile("bin/node-guard.js"), "utf8").trimEnd().split("\n");
  return lines.filter((line) => !line.startsWith("//")).join("\n");
}

/** Serves the in-memory generated files to esbuild under stable virtual paths. */
function generatedSources(files: FileMap): Plugin {
  return {
    name: "synapsor-generated-sources",
    setup(b) {
      b.onResolve({ filter: /^synapsor-generated:/ }, (args) => ({ path: args.path.slice(NAMESPACE.length + 1), namespace: NAMESPACE }));
      b.onResolve({ filter: /^\./, namespace: NAMESPACE }, (args) => {
        const joined = posix.normalize(posix.join(dirname(args.importer), args.path));
        const candidate = joined.endsWith(".js") ? joined.replace(/\.js$/, ".ts") : joined;
        if (!files.has(candidate)) return { errors: [{ text: `generated file ${candidate} is missing` }] };
        return { path: candidate, namespace: NAMESPACE };
      });
      b.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: files.get(args.path)!,
        loader: args.path.endsWith(".ts") ? "ts" : "js",
        resolveDir: PACKAGE_ROOT,
      }));
    },
  };
}
