// JSON-safe values as they leave the database and enter the ledger and the envelope.

export type Scalar = string | number | boolean | null;

const PG_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:([+-]\d{2})(?::?(\d{2}))?)?$/;

/**
 * Normalises a timestamp as the database printed it ("2026-05-16 00:00:00.123456+00")
 * into ISO 8601 UTC, keeping every fractional digit the database had.
 * Sessions run in UTC, so a value without an offset is already UTC.
 */
export function normaliseTimestamp(text: string): string {
  const m = PG_TIMESTAMP.exec(text);
  if (!m) return text;
  const [, date, time, offH, offM] = m;
  if (!offH || (Number(offH) === 0 && Number(offM ?? 0) === 0)) return `${date}T${time}Z`;
  // A non-UTC offset only appears if someone changed the session time zone; convert exactly.
  const fraction = /\.(\d+)$/.exec(time!)?.[1] ?? "";
  const whole = new Date(`${date}T${time!.replace(/\.\d+$/, "")}${offH}:${offM ?? "00"}`);
  const iso = whole.toISOString().replace(/\.\d{3}Z$/, "");
  return fraction ? `${iso}.${fraction}Z` : `${iso}Z`;
}

/** Converts a driver value into something JSON can carry without loss. */
export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString("base64");
  return value;
}
