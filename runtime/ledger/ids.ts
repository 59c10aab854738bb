// Record ids for the ledger: a short type prefix plus 20 lowercase base32 characters:
// 8 for the time in milliseconds, 2 for a per-process sequence within that millisecond, and
// 10 random (50 bits). Ids are handles shown to models and reviewers, so the random part keeps
// them unguessable; the time and sequence keep them in creation order, so every primary-key
// index grows at its right edge instead of splitting random pages (fewer pages written per
// insert on the tool-call hot path), and "newest first" is exact within one process.

import { randomBytes } from "node:crypto";

// ASCII-ascending, so ids sort as text in the order they were made.
const ALPHABET = "234567abcdefghijklmnopqrstuvwxyz";
const TIME_CHARS = 8;
const SEQUENCE_CHARS = 2;
const RANDOM_CHARS = 10;
/** Milliseconds since 2024-01-01; 40 bits last until about 2058. */
const EPOCH_MS = Date.UTC(2024, 0, 1);
// One randomBytes call serves hundreds of ids; the syscall per id dominated id generation.
const POOL_SIZE = RANDOM_CHARS * 256;

let pool = randomBytes(POOL_SIZE);
let offset = 0;
let lastMs = -1;
let sequence = 0;

export type IdPrefix = "ev" | "qa" | "wrp" | "apr" | "job" | "rcp";

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${newKey()}`;
}

/** The 20 characters after the prefix; a read's query audit and evidence ids share one key. */
export function newKey(): string {
  const now = Math.max(0, Date.now() - EPOCH_MS);
  sequence = now === lastMs ? (sequence + 1) % 1024 : 0;
  lastMs = now;
  let key = base32(now, TIME_CHARS) + base32(sequence, SEQUENCE_CHARS);
  if (offset + RANDOM_CHARS > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  for (let i = 0; i < RANDOM_CHARS; i++) key += ALPHABET[pool[offset + i]! & 31];
  offset += RANDOM_CHARS;
  return key;
}

function base32(value: number, width: number): string {
  let text = "";
  for (let i = 0; i < width; i++) {
    text = ALPHABET[value % 32]! + text;
    value = Math.floor(value / 32);
  }
  return text;
}
