// The V8 memory flags this process runs with, for the start-up debug line: the bundle adds
// RECOMMENDED_NODE_FLAGS to plain `node server.mjs` (compiler/bundle/node-flags.ts), and an
// operator may set their own on the command line or in NODE_OPTIONS.

const MEMORY_FLAG = /^--max[-_](semi[-_]space|old[-_]space|young[-_]generation)[-_]size(=|$)/;

export function nodeMemoryFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  return [...execArgv, ...(nodeOptions ?? "").split(/\s+/)].filter((flag) => MEMORY_FLAG.test(flag));
}
