// Which source module each line of a compiled bundle came from. esbuild (without minification)
// opens every module's code with a comment line naming its path, e.g. `// runtime/calls/read.ts`
// or `// node_modules/pg/lib/client.js`; a line belongs to the last such comment above it.

import { basename } from "node:path";

const MODULE_COMMENT = /^\/\/ (\S*[/:]\S*)$/;

/** A function from a 0-based line number of `bundle` to the module that line belongs to. */
export function bundleModuleOfLine(bundle: string): (line: number) => string {
  const starts: { line: number; module: string }[] = [];
  bundle.split("\n").forEach((text, line) => {
    const match = MODULE_COMMENT.exec(text);
    if (match) starts.push({ line, module: match[1]! });
  });
  return (line) => {
    // The last module start at or before `line` (binary search: profiles have many frames).
    let lo = 0;
    let hi = starts.length - 1;
    let found = "(bundle prelude)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]!.line <= line) {
        found = starts[mid]!.module;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/** A module's owner for a summary: a dependency's package (`node_modules/@scope/name`), else the module itself. */
export function moduleOwner(module: string): string {
  const parts = module.split("/");
  if (parts[0] !== "node_modules" || parts.length < 2) return module;
  return parts.slice(0, parts[1]!.startsWith("@") ? 3 : 2).join("/");
}

/** What a profile frame's self time is charged to in a by-module summary. */
export function frameOwner(
  frame: { functionName: string; url: string; lineNumber: number },
  bundleName: string,
  moduleOfLine: (line: number) => string,
): string {
  const { functionName, url, lineNumber } = frame;
  if (url && basename(url) === bundleName) return moduleOwner(moduleOfLine(lineNumber));
  // Node's own modules by their first path part: node:internal/streams/writable is node:internal.
  if (url.startsWith("node:")) return `node:${url.slice("node:".length).split("/")[0]}`;
  if (url) return basename(url);
  // V8's pseudo-frames are named in parentheses, e.g. "(garbage collector)"; the rest are native functions.
  if (functionName.startsWith("(")) return functionName;
  return `${functionName || "(anonymous)"} (native)`;
}
