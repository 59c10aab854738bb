// The committed form of a snapshot (synapsor.schema.json) and how it is written: all or nothing,
// so an interrupted run never leaves a truncated file that a later build would trust.

import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { SchemaSnapshot } from "./snapshot.ts";

/** Two-space JSON with a trailing newline: stable text for review diffs. */
export function snapshotJson(snapshot: SchemaSnapshot): string {
  return JSON.stringify(snapshot, null, 2) + "\n";
}

/** Writes to a temp file beside the target and renames it over; returns the absolute path. */
export async function writeSnapshotFile(path: string, snapshot: SchemaSnapshot): Promise<string> {
  const target = resolve(path);
  const dir = dirname(target);
  await mkdir(dir, { recursive: true });
  // Same directory, so the rename stays on one filesystem and is atomic.
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(temp, snapshotJson(snapshot), { encoding: "utf8", flag: "wx" });
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return target;
}
