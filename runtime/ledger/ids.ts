// Random record ids for the ledger: a short type prefix plus 20 lowercase base32 characters (100 bits).
// Ids are handles shown to models and reviewers, so they must be unguessable, not just unique.

import { randomBytes } from "node:crypto";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const ID_LENGTH = 20;
// One randomBytes call serves ~200 ids; the syscall per id was the dominant cost of id generation.
const POOL_SIZE = ID_LENGTH * 205;

let pool = randomBytes(POOL_SIZE);
let offset = 0;

export type IdPrefix = "ev" | "qa" | "wrp";

export function newId(prefix: IdPrefix): string {
  if (offset + ID_LENGTH > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  let id = prefix + "_";
  for (let i = 0; i < ID_LENGTH; i++) id += ALPHABET[pool[offset + i]! & 31];
  offset += ID_LENGTH;
  return id;
}
