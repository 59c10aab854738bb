// Loads the support-billing example (schema, then seed) into a throwaway test database.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR, exampleSql } from "../../operator/demo/example-files.ts";
import type { TestDatabase } from "./databases.ts";

export { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR } from "../../operator/demo/example-files.ts";

/**
 * The example's config built from its committed schema snapshot (no database), with its three
 * capabilities and then copies under new names up to `count` (reads, lists and proposals alike).
 */
export function exampleConfigWithTools(count: number): Record<string, any> {
  const config = JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, "utf8"));
  config.build = { ...(config.build ?? {}), schema_snapshot: join(EXAMPLE_DIR, "synapsor.schema.json") };
  const originals = config.capabilities as Array<{ name: string }>;
  const capabilities = [...originals];
  for (let i = 0; capabilities.length < count; i++) {
    const original = originals[i % originals.length]!;
    capabilities.push({ ...structuredClone(original), name: `${original.name}_${Math.floor(i / originals.length) + 2}` });
  }
  config.capabilities = capabilities.slice(0, count);
  return config;
}

export async function seedExample(db: TestDatabase): Promise<void> {
  for (const script of exampleSql(db.engine)) {
    await db.exec(script);
  }
}

/** The tenants the example seed has, plus the ones the volume seed adds. */
export const VOLUME_TENANTS = ["tenant_acme", "tenant_globex", "tenant_initrode", "tenant_umbra", "tenant_vandelay"] as const;

/**
 * Grows the example's invoices table to `total` rows spread evenly over VOLUME_TENANTS (the example
 * seed must already be loaded). Row n (1-based) is invoice `INV-${10000 + n}` of tenant
 * VOLUME_TENANTS[n % 5], so volumeInvoiceId() names rows of a known tenant without a query.
 * The table keeps the example schema's primary key and (tenant_id, status) index.
 */
export async function seedInvoiceVolume(db: TestDatabase, total: number): Promise<number> {
  if (db.engine !== "postgres") throw new Error("seedInvoiceVolume: Postgres only");
  const added = VOLUME_TENANTS.slice(2);
  const tenantList = VOLUME_TENANTS.map((t) => `'${t}'`).join(", ");
  await db.exec(`
    INSERT INTO tenants (id, name) VALUES ${added.map((t) => `('${t}', '${t.slice(7)}')`).join(", ")};
    INSERT INTO customers (id, tenant_id, name, email, plan)
      SELECT 'VC-' || t, t, 'Volume customer of ' || t, 'billing@' || substr(t, 8) || '.example', 'growth'
      FROM unnest(ARRAY[${tenantList}]) AS t;
    INSERT INTO invoices (id, tenant_id, customer_id, amount_cents, late_fee_cents, status, due_at, updated_at)
      SELECT 'INV-' || (10000 + n), tenant, 'VC-' || tenant, 1000 + (n % 90000), (n % 7) * 100,
             (ARRAY['draft', 'open', 'overdue', 'paid', 'void'])[1 + (n / 5) % 5],
             timestamptz '2026-01-01 00:00:00+00' + n * interval '1 minute',
             timestamptz '2026-02-01 00:00:00.000001+00' + n * interval '1 second'
      FROM generate_series(1, ${total} - (SELECT count(*) FROM invoices)) AS n,
           LATERAL (SELECT (ARRAY[${tenantList}])[1 + n % 5] AS tenant) AS pick;
    ANALYZE invoices;
  `);
  return total;
}

/** The id of the k-th (0-based) volume invoice that belongs to `tenant`. */
export function volumeInvoiceId(tenant: (typeof VOLUME_TENANTS)[number], k: number): string {
  const slot = VOLUME_TENANTS.indexOf(tenant);
  // n % 5 === slot, n >= 1: the smallest such n is slot (or 5 when slot is 0).
  const n = (slot === 0 ? 5 : slot) + 5 * k;
  return `INV-${10000 + n}`;
}
