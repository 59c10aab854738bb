// Where this package's own files are. The same code runs two ways: from the TypeScript
// sources in the repository (Node strips the types), and from the compiled dist/ of an
// installed package (Node never strips types under node_modules, and the tarball ships no
// sources). Every file found relative to the package — templates, examples, the runtime a
// generated server links, its type declarations — is found through here, so the two layouts
// are decided in one place.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * True when this process runs the .ts sources; false when it runs the compiled dist/.
 * Decided by this file's own extension, so a dist/ left over from an earlier build is never
 * picked up by code running from the sources.
 */
export const FROM_SOURCES: boolean = import.meta.url.endsWith(".ts");

/** Absolute path of the package root (where package.json is), ending with a separator. */
export const PACKAGE_ROOT: string = fileURLToPath(new URL(FROM_SOURCES ? "../" : "../../", import.meta.url));

/** A file shipped as is (templates/, examples/, schemas/, bin/, package.json). */
export function packageFile(relativePath: string): string {
  return PACKAGE_ROOT + relativePath;
}

/**
 * A JSON file shipped as is (the schemas/), parsed. Read here rather than imported, because tsc
 * copies an imported JSON file into dist/ and the tarball would then ship it twice.
 */
export function readPackageJson(relativePath: string): Record<string, unknown> {
  return JSON.parse(readFileSync(packageFile(relativePath), "utf8")) as Record<string, unknown>;
}

/** A module of the package as this process runs it: `runtime/index.ts` here, `dist/runtime/index.js` installed. */
export function packageModule(sourcePath: string): string {
  return FROM_SOURCES ? PACKAGE_ROOT + sourcePath : `${PACKAGE_ROOT}dist/${sourcePath.replace(/\.ts$/, ".js")}`;
}

/** The type declarations of a module: the source itself here, the emitted .d.ts installed. */
export function packageTypes(sourcePath: string): string {
  return FROM_SOURCES ? PACKAGE_ROOT + sourcePath : `${PACKAGE_ROOT}dist/${sourcePath.replace(/\.ts$/, ".d.ts")}`;
}

/** The folder holding `@types/node` wherever npm put it (nested in the package, or hoisted into the app). */
export function nodeTypesRoot(): string {
  const resolveFromPackage = createRequire(packageFile("package.json")).resolve;
  return dirname(dirname(resolveFromPackage("@types/node/package.json")));
}
