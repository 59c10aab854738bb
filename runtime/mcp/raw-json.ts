// Results that already know their JSON text. A tool result carries its envelope twice (as text and
// as structuredContent); the host serialises it once and the transports splice that text into the
// reply instead of stringifying the same envelope again. The object itself stays a plain value.

const rawJson = new WeakMap<object, string>();

/** Records `json` as the exact JSON.stringify output of `value` (the caller guarantees they agree). */
export function withRawJson<T extends object>(value: T, json: string): T {
  rawJson.set(value, json);
  return value;
}

/** The recorded JSON text of `value`, or undefined when it has none. */
export function rawJsonOf(value: object): string | undefined {
  return rawJson.get(value);
}
