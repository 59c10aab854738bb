// Text the caller sent that a reply repeats back (an unknown argument name, resource URI or tool
// name): cut to a few dozen characters and with every control, bidi control and lone surrogate
// escaped, so an answer stays small and readable whatever arrived (a 2 MB name gives a short reply).

import { terminalSafe } from "./terminal-safe.ts";

const ECHO_MAX_CHARACTERS = 64;

export function echoed(text: string, max = ECHO_MAX_CHARACTERS): string {
  // Cut by code points before escaping, so a surrogate pair is never split and escapes are never cut.
  let shown = "";
  let count = 0;
  for (const c of text) {
    if (count === max) return `${terminalSafe(shown)}…`;
    shown += c;
    count++;
  }
  return terminalSafe(shown);
}
