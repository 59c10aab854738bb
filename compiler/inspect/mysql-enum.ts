// MySQL/MariaDB report an ENUM's labels only inside COLUMN_TYPE, e.g. enum('open','it''s').
// The labels are user text and may hold quotes, commas, parentheses and backslashes, so
// they are read with a small scanner rather than split on commas.

/**
 * The labels of an `enum(...)` column type in declaration order, or undefined when the text is not
 * an ENUM type or is not in the form the server prints (never a guess from a malformed string).
 * The server doubles a quote (`''`) and backslash-escapes `\`, newline, carriage return and NUL;
 * other characters (a tab, say) appear as they are.
 */
export function mysqlEnumLabels(columnType: string): string[] | undefined {
  const open = /^enum\(/i.exec(columnType);
  if (!open) return undefined;
  const labels: string[] = [];
  let i = open[0].length;
  if (columnType[i] === ")") return i + 1 === columnType.length ? labels : undefined;
  for (;;) {
    if (columnType[i] !== "'") return undefined;
    i += 1;
    let label = "";
    for (;;) {
      const ch = columnType[i];
      if (ch === undefined) return undefined;
      if (ch === "'") {
        if (columnType[i + 1] === "'") {
          label += "'";
          i += 2;
          continue;
        }
        i += 1;
        break;
      }
      if (ch === "\\") {
        const next = columnType[i + 1];
        if (next === undefined) return undefined;
        label += BACKSLASH_ESCAPES[next] ?? next;
        i += 2;
        continue;
      }
      label += ch;
      i += 1;
    }
    labels.push(label);
    if (columnType[i] === ",") {
      i += 1;
      continue;
    }
    if (columnType[i] === ")" && i + 1 === columnType.length) return labels;
    return undefined;
  }
}

// MySQL's string-literal escapes; any other escaped character stands for itself.
const BACKSLASH_ESCAPES: Readonly<Record<string, string>> = {
  "0": "\0",
  n: "\n",
  r: "\r",
  t: "\t",
  b: "\b",
  Z: "\x1a",
};
