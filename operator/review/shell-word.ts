// POSIX shell quoting for what the CLI prints as a command to copy: the smoke summary, doctor's
// next steps, and the review hints that name a store (operator/review/store.ts).

/** POSIX shell quoting for a path or id pasted into a printed command. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
