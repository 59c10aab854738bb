// The helper's idempotency receipts, in the app database next to the business rows, written
// in the same transaction as the business write. The row for a key is claimed first thing in
// the transaction, so a concurrent retry of the same key waits on it and then finds the
// committed receipt instead of writing twice.

import { databaseErrorClass, dialectFor, writerErrorKind, type Dialect } from "../runtime/dialect/index.ts";
import type { Receipt } from "../runtime/executors/protocol.ts";
import type { HandlerDatabase, SqlSession } from "./database.ts";
import type { TableRef } from "./table-ref.ts";
import type { Engine } from "./types.ts";

export const DEFAULT_RECEIPTS_TABLE = "synapsor_handler_receipts";

/** The DDL the helper runs on first use (or an administrator runs ahead of time). */
export function handlerReceiptsDdl(engine: Engine, ref: TableRef = { name: DEFAULT_RECEIPTS_TABLE }): string {
  const table = dialectFor(engine).qualifiedName(ref.schema, ref.name);
  if (engine === "postgres") {
    return `CREATE TABLE IF NOT EXISTS ${table} (
  idempotency_key varchar(255) PRIMARY KEY,
  proposal_id varchar(255) NOT NULL,
  action varchar(255) NOT NULL,
  tenant_id varchar(255) NOT NULL,
  status varchar(32) NOT NULL,
  receipt text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`;
  }
  return `CREATE TABLE IF NOT EXISTS ${table} (
  idempotency_key varchar(255) NOT NULL PRIMARY KEY,
  proposal_id varchar(255) NOT NULL,
  action varchar(255) NOT NULL,
  tenant_id varchar(255) NOT NULL,
  status varchar(32) NOT NULL,
  receipt text NOT NULL,
  created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
}

export interface ReceiptClaim {
  key: string;
  proposalId: string;
  action: string;
  tenantId: string;
}

/** The receipts table is absent and the helper may not (or could not) create it. */
export class ReceiptsTableMissing extends Error {
  override name = "ReceiptsTableMissing";
}

/** The insert collided with a stored key that is not exactly this one; nothing may be applied. */
export class IdempotencyKeyCollision extends Error {
  override name = "IdempotencyKeyCollision";
}

export class ReceiptStore {
  readonly #db: HandlerDatabase;
  readonly #dialect: Dialect;
  readonly #table: string;
  readonly #ref: TableRef;
  readonly #create: boolean;
  #ready: Promise<void> | undefined;

  constructor(db: HandlerDatabase, ref: TableRef, create: boolean) {
    this.#db = db;
    this.#ref = ref;
    this.#dialect = dialectFor(db.engine);
    this.#table = this.#dialect.qualifiedName(ref.schema, ref.name);
    this.#create = create;
  }

  /** Makes sure the table exists: probe it first, so a writer without CREATE still works once it is there. */
  ensure(): Promise<void> {
    this.#ready ??= (async () => {
      try {
        await this.#db.run(`SELECT 1 FROM ${this.#table} WHERE 1 = 0`, []);
        return;
      } catch (probeError) {
        if (isUnavailable(probeError)) throw probeError;
        if (!this.#create) throw new ReceiptsTableMissing("receipts table missing", { cause: probeError });
      }
      try {
        await this.#db.run(handlerReceiptsDdl(this.#db.engine, this.#ref), []);
      } catch (createError) {
        if (isUnavailable(createError)) throw createError;
        throw new ReceiptsTableMissing("receipts table could not be created", { cause: createError });
      }
    })().catch((err) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  /**
   * Claims the key inside the transaction. Returns undefined when this transaction owns it now,
   * or the receipt stored by the transaction that applied it first.
   */
  async claim(session: SqlSession, claim: ReceiptClaim): Promise<Receipt | undefined> {
    const d = this.#dialect;
    const values = [claim.key, claim.proposalId, claim.action, claim.tenantId];
    const insert =
      `INSERT INTO ${this.#table} (idempotency_key, proposal_id, action, tenant_id, status, receipt) ` +
      `VALUES (${values.map((_, i) => d.placeholder(i + 1)).join(", ")}, 'pending', '{}')`;
    if (d.engine === "postgres") {
      // ON CONFLICT waits for a racing transaction on the same key and then inserts nothing.
      const inserted = await session.run(`${insert} ON CONFLICT (idempotency_key) DO NOTHING`, values);
      if (inserted.rowCount === 1) return undefined;
    } else {
      try {
        await session.run(insert, values);
        return undefined;
      } catch (err) {
        if (writerErrorKind(err) !== "duplicate_key") throw err;
      }
    }
    const stored = await session.run(`SELECT receipt FROM ${this.#table} WHERE ${this.#keyMatch()} FOR UPDATE`, [claim.key, claim.key]);
    // A duplicate with no exact match is a key the table's collation calls equal to this one
    // ('k' and 'K', or 'k '): not this request's receipt, and not a claim this transaction holds.
    if (stored.rows.length === 0) throw new IdempotencyKeyCollision("idempotency key collides with a look-alike stored key");
    const text = stored.rows[0]?.receipt;
    return typeof text === "string" ? (JSON.parse(text) as Receipt) : undefined;
  }

  async complete(session: SqlSession, key: string, receipt: Receipt): Promise<void> {
    const p = (n: number) => this.#dialect.placeholder(n);
    await session.run(`UPDATE ${this.#table} SET status = ${p(1)}, receipt = ${p(2)} WHERE ${this.#keyMatch(3)}`, [
      receipt.status,
      JSON.stringify(receipt),
      key,
      key,
    ]);
  }

  /** idempotency_key equals the key exactly (bound twice, from placeholder `first` on), whatever the collation. */
  #keyMatch(first = 1): string {
    let next = first;
    return this.#dialect.exactMatch("idempotency_key", () => this.#dialect.placeholder(next++), "unknown");
  }
}

function isUnavailable(err: unknown): boolean {
  return databaseErrorClass(err) === "unavailable";
}
