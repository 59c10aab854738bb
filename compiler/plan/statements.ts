// Builds the one fixed SELECT each capability runs. Every value is a bound parameter,
// including fixed filter values, so no configured string is ever spliced into SQL.

import { createHash } from "node:crypto";
import type { ResolvedCapability } from "../resolve/resolved.ts";
import type { ParamSource, StatementPlan } from "./capability-plan.ts";
import { dialectFor, Placeholders } from "../../runtime/dialect/index.ts";
import { keyEquality } from "./key-equality.ts";
import { sqlStatementComment } from "../emit/comment-text.ts";

export function selectedColumns(cap: ResolvedCapability): string[] {
  const c = cap.config;
  const names = [...c.visible_columns];
  if (c.kind === "proposal") {
    // The diff, the guards and the conflict check need these even when the model never sees them.
    const extra = [
      c.target.primary_key,
      ...Object.keys(c.patch),
      ...Object.keys(c.transition_guards ?? {}),
      ...Object.keys(c.preconditions ?? {}),
      ...(c.conflict_guard ? [c.conflict_guard.column] : []),
    ];
    for (const name of extra) if (!names.includes(name)) names.push(name);
  }
  return names;
}

export function planSelect(cap: ResolvedCapability): StatementPlan {
  const c = cap.config;
  const d = dialectFor(cap.engine);
  const placeholders = new Placeholders<ParamSource>(d);
  const bind = (source: ParamSource) => placeholders.bind(source);
  const where: string[] = [];
  // Key and tenant matches are exact on every engine (key-equality.ts), never a collation's "alike".
  const exact = (column: string, source: ParamSource) =>
    d.exactMatch(d.quote(column), () => bind(source), keyEquality(cap.engine, cap.columns.get(column)));
  if (c.lookup.id_from_arg) {
    where.push(exact(c.target.primary_key, { from: "arg", name: c.lookup.id_from_arg }));
  }
  for (const filter of c.lookup.filters ?? []) {
    if ("fixed" in filter) {
      where.push(filter.fixed === null ? `${d.quote(filter.column)} IS NULL` : `${d.quote(filter.column)} = ${bind({ from: "fixed", value: filter.fixed })}`);
    } else if (c.args?.[filter.from_arg]?.required === true) {
      where.push(`${d.quote(filter.column)} = ${bind({ from: "arg", name: filter.from_arg })}`);
    } else {
      // An optional argument left out means "no filter on this column", decided here at build time:
      // the given-flag switches the condition off, in the same fixed statement.
      const given = bind({ from: "arg_given", name: filter.from_arg });
      where.push(d.whenGiven(given, `${d.quote(filter.column)} = ${bind({ from: "arg", name: filter.from_arg, optional: true })}`));
    }
  }
  // The tenant condition is always present and always bound from trusted context.
  where.push(exact(c.target.tenant_key, { from: "context", name: "tenant_id" }));

  const single = Boolean(c.lookup.id_from_arg);
  const maxRows = single ? 1 : (c.max_rows ?? 20);
  const order = single
    ? ""
    : ` ORDER BY ${[
        ...(c.lookup.order_by ?? []).map((o) => `${d.quote(o.column)} ${o.direction === "desc" ? "DESC" : "ASC"}`),
        // The primary key breaks ties so the same data always lists in the same order.
        ...((c.lookup.order_by ?? []).some((o) => o.column === c.target.primary_key) ? [] : [`${d.quote(c.target.primary_key)} ASC`]),
      ].join(", ")}`;
  // One extra row tells a single lookup it was ambiguous and a list that it was truncated.
  // The capability's comment comes first (fixed at build time), so even a view that cuts the text short names it.
  const text =
    `${sqlStatementComment(c.name)} ` +
    `SELECT ${selectedColumns(cap).map((n) => d.quote(n)).join(", ")} ` +
    `FROM ${d.qualifiedName(cap.schema, c.target.table)} ` +
    `WHERE ${where.join(" AND ")}${order} LIMIT ${maxRows + 1}`;

  const sha256 = createHash("sha256").update(text).digest("hex");
  const stem = c.name.replace(/\./g, "_").slice(0, 40);
  return { name: `sr_${stem}_${sha256.slice(0, 8)}`, engine: cap.engine, text, params: placeholders.items, sha256 };
}
