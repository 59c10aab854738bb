// A measuring stick, not a product setting: a copy of a compiled bundle whose read path skips the
// ledger commit, so a benchmark can say what that commit costs per call (BENCH_ABLATE in
// bench/read-latency.ts). Each read is still serialised exactly as for the ledger (serialiseRead)
// and still answered with its evidence and audit ids; only the SQLite transaction that would store
// the batch is gone. The product has no switch for this and must not get one: a reply without its
// evidence on disk is what the ledger exists to prevent.

import { copyFileSync, readFileSync, writeFileSync } from "node:fs";

/** The batch transaction in SqliteReadLog.writeReads (runtime/ledger/sqlite/read-log.ts), as esbuild prints it. */
const READ_BATCH_COMMIT = /this\.#db\.transaction\(\(\) => \{\s*for \(const \{ row \} of batch\) this\.#insert\(row\);\s*\}\);/g;

export const ABLATIONS = ["ledger-commit"] as const;
export type Ablation = (typeof ABLATIONS)[number];

/** The bundle's text without the read path's ledger commit; throws unless exactly one place matched. */
export function withoutLedgerCommit(bundle: string): string {
  const found = bundle.match(READ_BATCH_COMMIT)?.length ?? 0;
  if (found !== 1) {
    throw new Error(
      `BENCH_ABLATE=ledger-commit: expected the read batch's transaction once in the bundle, found it ${found} times; ` +
        "update READ_BATCH_COMMIT in bench/lib/ablate.ts to match SqliteReadLog.writeReads",
    );
  }
  return bundle.replace(READ_BATCH_COMMIT, "/* ablated: no ledger commit */");
}

/** Parses BENCH_ABLATE: unset or empty is no ablation. */
export function parseAblation(value: string | undefined): Ablation | undefined {
  if (value === undefined || value === "") return undefined;
  if ((ABLATIONS as readonly string[]).includes(value)) return value as Ablation;
  throw new Error(`BENCH_ABLATE must be one of ${ABLATIONS.join(", ")}, not '${value}'`);
}

/** Puts the built bundle where a benchmark runs it: as built, or with the ablation applied. */
export function placeBundle(built: string, target: string, ablation: Ablation | undefined): void {
  if (ablation === "ledger-commit") writeFileSync(target, withoutLedgerCommit(readFileSync(built, "utf8")));
  else copyFileSync(built, target);
}
