// Stage 6: bundle. esbuild turns the generated sources plus runtime/ and its drivers into
// one ESM file that runs with plain `node server.mjs` and no node_modules.

import { dirname, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import type { FileMap } from "../emit/emit.ts";
import { RECOMMENDED_NODE_FLAGS } from "./node-flags.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NAMESPACE = "synapsor-generated";

// Drivers reach for optional native or edge-runtime modules we never use.
const NEVER_BUNDLED = ["pg-native", "cloudflare:sockets"];

export async function bundleServer(files: FileMap): Promise<string> {
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [`${NAMESPACE}:src/server.ts`],
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    target: "node22",
    legalComments: "none",
    logLevel: "silent",
    external: NEVER_BUNDLED,
    alias: { "synapsor-runner/runtime": `${REPO_ROOT}runtime/index.ts` },
    // CommonJS drivers call require() for Node built-ins; give the ESM bundle a real one.
    banner: {
      js: [
        `#!/usr/bin/env -S node ${RECOMMENDED_NODE_FLAGS.join(" ")}`,
        'import { createRequire as __synapsorCreateRequire, enableCompileCache as __synapsorCompileCache } from "node:module";',
        "const require = __synapsorCreateRequire(import.meta.url);",
        // V8's code cache (in the OS temp dir) spares every later start from recompiling the bundle.
        "__synapsorCompileCache?.();",
      ].join("\n"),
    },
    plugins: [generatedSources(files)],
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error("BUG: esbuild produced no output");
  return output.text;
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
        resolveDir: REPO_ROOT,
      }));
    },
  };
}
