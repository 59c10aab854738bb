// `.synapsor/smoke-input.json` next to the config: the wizard writes which tool and arguments the
// first smoke call uses (`{ "tool"?: string, "args": {...} }`). It sits in the project, where
// anyone with write access (or a cloned repository) can put anything, so it is read as untrusted
// input: a small regular file, exactly that shape, a tool name of the config's form, plain JSON
// arguments. The server still checks the arguments against the tool's inputSchema.

import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from "node:fs";
import { dirname, join, resolve as resolvePath } from "node:path";

export const SMOKE_INPUT_FILE = join(".synapsor", "smoke-input.json");
const MAX_BYTES = 64 * 1024;
const MAX_DEPTH = 8;
/** Canonical (`billing.inspect_invoice`) or OpenAI-alias (`billing__inspect_invoice`) names. */
export const TOOL_NAME = /^[a-z][a-z0-9_]{0,63}(\.|__)[a-z][a-z0-9_]{0,63}$/;

export interface SmokeInput {
  tool?: string;
  args: Record<string, unknown>;
}

export type SmokeInputResult = { ok: true; input: SmokeInput | undefined; path: string } | { ok: false; path: string; message: string };

export function smokeInputPath(configPath: string): string {
  return join(dirname(resolvePath(configPath)), SMOKE_INPUT_FILE);
}

/** The file's input, undefined when there is none; a file that is there but not acceptable is refused, never half used. */
export function readSmokeInput(configPath: string): SmokeInputResult {
  const path = smokeInputPath(configPath);
  const refuse = (why: string): SmokeInputResult => ({
    ok: false,
    path,
    message: `${path} ${why}. Fix or delete it (it holds { "tool"?: "ns.name", "args": { … } }), or pass --tool and --args.`,
  });
  // A linked .synapsor directory would lead the read outside the project.
  let dir;
  try {
    dir = lstatSync(dirname(path));
  } catch {
    return { ok: true, input: undefined, path };
  }
  if (!dir.isDirectory()) return refuse(`is inside ${dirname(path)}, which is not a directory (a link is not followed)`);
  // Opened without following a link and checked on the open descriptor: nothing can be swapped in between.
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { ok: true, input: undefined, path };
    return refuse("is not a regular file (a link or directory is not followed)");
  }
  let text: string;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return refuse("is not a regular file (a link or directory is not followed)");
    if (stat.size > MAX_BYTES) return refuse(`is larger than ${MAX_BYTES / 1024} KiB`);
    const buffer = Buffer.alloc(MAX_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length <= MAX_BYTES; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_BYTES) return refuse(`is larger than ${MAX_BYTES / 1024} KiB`);
    text = buffer.subarray(0, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return refuse("is not valid JSON");
  }
  const checked = checkSmokeInput(parsed);
  return checked.ok ? { ok: true, input: checked.input, path } : refuse(checked.why);
}

export function checkSmokeInput(value: unknown): { ok: true; input: SmokeInput } | { ok: false; why: string } {
  if (!isPlainObject(value)) return { ok: false, why: "is not a JSON object" };
  const extra = Object.keys(value).filter((k) => k !== "tool" && k !== "args");
  if (extra.length > 0) return { ok: false, why: `has fields other than "tool" and "args" (${extra.length} of them)` };
  const { tool, args } = value;
  if (tool !== undefined && (typeof tool !== "string" || !TOOL_NAME.test(tool))) {
    return { ok: false, why: `has a "tool" that is not a capability name like billing.inspect_invoice` };
  }
  const argsProblem = checkArgs(args);
  if (argsProblem) return { ok: false, why: argsProblem };
  return { ok: true, input: { ...(tool !== undefined ? { tool: tool as string } : {}), args: args as Record<string, unknown> } };
}

/** Why `args` is not a plain JSON object of modest depth, or undefined when it is. Shared with --args. */
export function checkArgs(args: unknown): string | undefined {
  if (!isPlainObject(args)) return `has "args" that is not a JSON object`;
  if (deeperThan(args, MAX_DEPTH)) return `has "args" nested deeper than ${MAX_DEPTH} levels`;
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Stops as soon as the limit is passed, so a hostile nesting costs no deep recursion. */
function deeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (levels === 0) return true;
  return Object.values(value).some((inner) => deeperThan(inner, levels - 1));
}
