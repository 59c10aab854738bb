// The runtime a compiled server bundles (runtime/index.ts, with the driver options the bundle step
// uses), built in memory for tests about what is in it and what runs at start: esbuild's metafile
// and the bundled text.

import { build, type Metafile } from "esbuild";
import { REPO_ROOT } from "./cli.ts";

export async function runtimeBundle(): Promise<{ metafile: Metafile; text: string }> {
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
  return { metafile: result.metafile, text: result.outputFiles[0]!.text };
}

export async function runtimeBundleMetafile(): Promise<Metafile> {
  return (await runtimeBundle()).metafile;
}
