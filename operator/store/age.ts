// Ages such as 30d: `store prune --older-than` and the contract's storage.retention share the form.

export const AGE_PATTERN = "^[1-9][0-9]{0,5}[hdw]$";

const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Milliseconds, or undefined when the text is not a whole number of hours, days or weeks. */
export function parseAge(text: string): number | undefined {
  if (!new RegExp(AGE_PATTERN).test(text)) return undefined;
  return Number(text.slice(0, -1)) * UNIT_MS[text.slice(-1) as keyof typeof UNIT_MS];
}
