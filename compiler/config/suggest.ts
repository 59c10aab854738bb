// "Did you mean" suggestions for misspelt property, argument, source and executor names.

/** Edit distance between two short names (Levenshtein, case-insensitive). */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[y.length]!;
}

/** The closest candidate, if it is close enough to be a plausible typo. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of list) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the length tolerates one or two slips without suggesting unrelated names.
  const limit = Math.max(1, Math.floor(name.length / 3));
  if (bestDistance <= limit) return best;
  // A shortened or lengthened name ("invoice" for "invoice_id") is also a likely mix-up.
  const lower = name.toLowerCase();
  for (const candidate of list) {
    const other = candidate.toLowerCase();
    if (Math.min(lower.length, other.length) >= 3 && (other.startsWith(lower) || lower.startsWith(other))) return candidate;
  }
  return undefined;
}

/** " Did you mean 'x'?" or "" — ready to append to a message. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const guess = closest(name, candidates);
  return guess === undefined ? "" : ` Did you mean '${guess}'?`;
}

export function quoteList(names: readonly string[]): string {
  return names.length === 0 ? "(none)" : names.map((n) => `'${n}'`).join(", ");
}
