// Token counts for the efficiency benchmark: one pinned, deterministic BPE tokenizer that ships
// its vocabulary inside the npm package (gpt-tokenizer, o200k_base), so counting needs no network
// and gives the same number on every machine. It is the GPT-4o / o-series encoding; other models
// split text differently, so the counts compare the two paths with each other, not with a bill.

import { countTokens } from "gpt-tokenizer/encoding/o200k_base";

/** Named in the output and the docs; test/golden/mcp-efficiency.test.ts holds it to the installed package. */
export const TOKENIZER = { package: "gpt-tokenizer", version: "4.0.0", encoding: "o200k_base" } as const;

/** Tokens of `text` under TOKENIZER. Special-token text (e.g. "<|endoftext|>") is counted as plain text. */
export function tokenCount(text: string): number {
  // No special tokens: a description that happens to contain "<|endoftext|>" is text like any other
  // (the package's default is to throw on it).
  return countTokens(text, { disallowedSpecial: NO_SPECIAL_TOKENS });
}

const NO_SPECIAL_TOKENS = new Set<string>();
