// What a crash may take from the ledger, as the contract's storage.durability names it. Both keep
// WAL; they differ in when SQLite fsyncs. power_loss (synchronous = FULL) fsyncs the WAL at every
// commit, so a reply implies its evidence row is on the disk. process_crash (synchronous = NORMAL)
// fsyncs only at checkpoints: a killed server loses nothing (the commit is in the OS page cache),
// but an OS crash or power loss can undo the commits since the last checkpoint.

export const DURABILITY_LEVELS = ["power_loss", "process_crash"] as const;
export type Durability = (typeof DURABILITY_LEVELS)[number];

/** The default: nothing a crash of any kind can lose, at about one fsync per commit. */
export const DEFAULT_DURABILITY: Durability = "power_loss";

/** The SQLite synchronous level that gives each setting. */
export function synchronousPragma(durability: Durability): "FULL" | "NORMAL" {
  return durability === "power_loss" ? "FULL" : "NORMAL";
}
