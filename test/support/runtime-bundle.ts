// esbuild's metafile for the runtime a compiled server bundles (runtime/index.ts, with the
// driver options the bundle step uses), for tests about what is in it and what runs at start.

import { build, type Metafile } from "esbuild";
import { REPO_ROOT } from "./cli.ts";

export async function runtimeBundleMetafile(): Promise<Metafile> {
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: ["runtime/index.ts"],
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    metafile: true,
    logLevel: "silent",
    external: ["pg-native", "cloudflare:sockets"],
  });
  return result.metafile;
}
