// Stage 6: bundle. esbuild turns the generated sources plus runtime/ and its drivers into
// one ESM file that runs with plain `node server.mjs` and no node_modules.

import { readFileSync } from "node:fs";
import { dirname, posix } from "node:path";
import type { Plugin } from "esbuild";
import type { FileMap } from "../emit/emit.ts";
import { PACKAGE_ROOT, packageFile, packageModule } from "../package-root.ts";
import { builtinImportsAsRequire } from "./builtin-imports.ts";
import type { Engine } from "../../runtime/db/adapter.ts";
import { RECOMMENDED_NODE_FLAGS } from "./node-flags.ts";

const NAMESPACE = "synapsor-generated";

// Drivers reach for optional native or edge-runtime modules we never use.
const NEVER_BUNDLED = ["pg-native", "cloudflare:sockets"];

/**
 * engines: the engines of the contract's sources. The driver of any other engine is left out:
 * mysql2 and iconv-lite are ~1.4 MB of a 1.9 MB bundle, and Node compiles the whole file at every
 * start even though an unused driver never runs.
 */
export async function bundleServer(files: FileMap, engines: ReadonlySet<Engine>): Promise<string> {
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
    plugins: [generatedSources(files), builtinImportsAsRequire(), onlyDriversFor(engines)],
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
  ].join("\n");
}

/** bin/node-guard.js without its comment lines (which speak of the launcher). */
function nodeGuardCode(): string {
  const lines = readFileSync(packageFile("bin/node-guard.js"), "utf8").trimEnd().split("\n");
  return lines.filter((line) => !line.startsWith("//")).join("\n");
}

const DRIVER_MODULES: Record<Engine, { file: string; factory: string }> = {
  postgres: { file: "postgres", factory: "createPostgresAdapter" },
  mysql: { file: "mysql", factory: "createMysqlAdapter" },
};

/**
 * Replaces runtime/db's adapter module of each engine the contract does not use with a stub, so
 * its driver is not bundled. openAdapter is only ever asked for the contract's engines.
 */
function onlyDriversFor(engines: ReadonlySet<Engine>): Plugin {
  const unused = (Object.keys(DRIVER_MODULES) as Engine[]).filter((engine) => !engines.has(engine));
  return {
    name: "synapsor-only-used-drivers",
    setup(b) {
      for (const engine of unused) {
        const { file } = DRIVER_MODULES[engine];
        b.onResolve({ filter: new RegExp(`^\\./${file}\\.(ts|js)$`) }, (args) =>
          /[\\/]runtime[\\/]db[\\/]index\.(ts|js)$/.test(args.importer) ? { path: engine, namespace: "synapsor-unused-driver" } : undefined,
        );
      }
      b.onLoad({ filter: /.*/, namespace: "synapsor-unused-driver" }, (args) => {
        const { factory } = DRIVER_MODULES[args.path as Engine];
        const message = `BUG: this server was built without the ${args.path} driver (no source of the contract uses ${args.path})`;
        return { contents: `export function ${factory}() { throw new Error(${JSON.stringify(message)}); }`, loader: "js" };
      });
    },
  };
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
