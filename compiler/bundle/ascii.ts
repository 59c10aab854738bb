// server.mjs as pure ASCII. esbuild escapes non-ASCII characters in code (charset "ascii", its
// default) but not in the comments it keeps, and one such character (an em dash in a comment of
// pg-protocol) made Node.js decode the whole 0.5 MB bundle on its slow path into a two-byte string
// at every start: 7 ms against 2 ms for the same file in ASCII (docs/performance.md, "cold start,
// third pass"). Such characters come from dependencies, so each dependency file that has any is
// respelled as it is loaded, a few KB at a time rather than the whole bundle at every build.

import { readFile } from "node:fs/promises";
import type { Plugin, transform as Transform } from "esbuild";

/**
 * `code` with every non-ASCII character spelled `\u{...}`, when that changes nothing but comments:
 * esbuild must print both texts identically without comments. A character in a regular expression
 * (which esbuild prints as written) or in a tagged template's raw text would change meaning there,
 * so such a file stays as it was.
 */
export async function asciiSpelling(code: string, transform: typeof Transform): Promise<string> {
  const ascii = code.replace(/[^\x00-\x7f]/gu, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
  if (ascii === code) return code;
  const tokens = async (text: string) => (await transform(text, { minifyWhitespace: true, charset: "ascii", legalComments: "none", logLevel: "silent" })).code;
  try {
    const [before, after] = await Promise.all([tokens(code), tokens(ascii)]);
    return before === after ? ascii : code;
  } catch {
    // Not something esbuild parses alone (the bundle build reports real syntax errors itself).
    return code;
  }
}

/** Loads JavaScript from node_modules in ASCII spelling where asciiSpelling allows. */
export function asciiDependencies(): Plugin {
  return {
    name: "synapsor-ascii-dependencies",
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/].*\.(c|m)?js$/ }, async (args) => {
        const code = await readFile(args.path, "utf8");
        if (!/[^\x00-\x7f]/.test(code)) return undefined;
        const { transform } = await import("esbuild");
        const contents = await asciiSpelling(code, transform);
        return contents === code ? undefined : { contents, loader: "js" };
      });
    },
  };
}
