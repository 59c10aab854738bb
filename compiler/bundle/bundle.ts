// Stage 6: bundle. esbuild turns the generated sources plus runtime/ and its drivers into
// one ESM file that runs with plain `node server.mjs` and no node_modules.

import { readFileSync } from "node:fs";
import { dirname, posix } from "node:path";
import type { Plugin } from "esbuild";
import type { FileMap } from "../emit/emit.ts";
import { PACKAGE_ROOT, packageFile, packageModule } from "../package-root.ts";
import { asciiDependencies } from "./ascii.ts";
import { builtinImportsAsRequire } from "./builtin-imports.ts";
import type { Engine } from "../../runtime/db/adapter.ts";
import { RECOMMENDED_NODE_FLAGS } from "./node-flags.ts";

const NAMESPACE = "synapsor-generated";

// Drivers reach for optional native or edge-runtime modules we never use.
const NEVER_BUNDLED = ["pg-native", "cloudflare:sockets"];

/** What the contract uses, so the bundle can leave out what it never runs (see leftOut). */
export interface BundleNeeds {
  /** The engines of the contract's sources. */
  engines: ReadonlySet<Engine>;
  /** Whether the contract sets trusted_context.http_jwt (the only use of jose). */
  httpJwt: boolean;
}

export async function bundleServer(files: FileMap, needs: BundleNeeds): Promise<string> {
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
    plugins: [generatedSources(files), builtinImportsAsRequire(), leaveOut(leftOut(needs)), asciiDependencies()],
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

/** A runtime module the bundle replaces with a stub: `importer` imports it as `./<file>.ts|js`. */
interface LeftOut {
  importer: string;
  file: string;
  exports: readonly string[];
  why: string;
}

/**
 * The runtime modules this contract never runs, each with what it would have cost: every file in
 * the bundle is compiled at every start (and read by whoever reviews server.mjs), so a driver for
 * an engine no source uses (mysql2 and iconv-lite are ~1.4 MB) and, without http_jwt, the JWT
 * verifier with jose (~45 KB) stay out. The runtime asks for each only when the contract uses it.
 */
function leftOut(needs: BundleNeeds): LeftOut[] {
  const stubs: LeftOut[] = [];
  if (!needs.engines.has("postgres")) {
    stubs.push({ importer: "db/index", file: "postgres", exports: ["createPostgresAdapter"], why: "the postgres driver (no source of the contract uses postgres)" });
  }
  if (!needs.engines.has("mysql")) {
    stubs.push({ importer: "db/index", file: "mysql", exports: ["createMysqlAdapter"], why: "the mysql driver (no source of the contract uses mysql)" });
  }
  if (!needs.httpJwt) {
    stubs.push({ importer: "server-cli", file: "auth/jwt-verifier", exports: ["createJwtVerifier", "JwtConfigError"], why: "JWT verification (the contract sets no trusted_context.http_jwt)" });
  }
  return stubs;
}

/** Resolves each left-out module, imported from its runtime importer, to a stub whose exports throw. */
function leaveOut(stubs: readonly LeftOut[]): Plugin {
  const namespace = "synapsor-left-out";
  return {
    name: "synapsor-left-out",
    setup(b) {
      stubs.forEach((stub, index) => {
        const importer = new RegExp(`[\\\\/]runtime[\\\\/]${stub.importer.split("/").join("[\\\\/]")}\\.(ts|js)$`);
        b.onResolve({ filter: new RegExp(`^\\./${stub.file}\\.(ts|js)$`) }, (args) =>
          importer.test(args.importer) ? { path: String(index), namespace } : undefined,
        );
      });
      b.onLoad({ filter: /.*/, namespace }, (args) => {
        const stub = stubs[Number(args.path)]!;
        const message = JSON.stringify(`BUG: this server was built without ${stub.why}`);
        const contents = stub.exports.map((name) => `export function ${name}() { throw new Error(${message}); }`).join("\n");
        return { contents, loader: "js" };
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
