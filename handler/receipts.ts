// The helper's idempotency receipts, in the app database next to the business rows, written
// in the same transaction as the business write. The row for a key is claimed first thing in
// the transaction, so a concurrent retry of the same key waits on it and then finds the
// committed receipt instead of writing twice.

import { classifyDatabaseError } from "../runtime/db/classify.ts";
import type { Receipt } from "../runtime/executors/protocol.ts";
import type { HandlerDatabase, SqlSession } from "./database.ts";
import { dialectFor, type TableRef } from "./sql.ts";
import type { Engine } from "./types.ts";

export const DEFAULT_RECEIPTS_TABLE = "synapsor_handler_receipts";

/** The DDL the helper runs on first use (or an administrator runs ahead of time). */
export function handlerReceiptsDdl(engine: Engine, ref: TableRef = { name: DEFAULT_RECEIPTS_TABLE }): string {
  const table = dialectFor(engine).table(ref);
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

const ER_DUP_ENTRY = 1062;

/** The receipts table is absent and the helper may not (or could not) create it. */
export class ReceiptsTableMissing extends Error {
  override name = "ReceiptsTableMissing";
}

export class ReceiptStore {
  readonly #db: HandlerDatabase;
  readonly #table: string;
  readonly #ref: TableRef;
  readonly #create: boolean;
  #ready: Promise<void> | undefined;

  constructor(db: HandlerDatabase, ref: TableRef, create: boolean) {
    this.#db = db;
    this.#ref = ref;
    this.#table = dialectFor(db.engine).table(ref);
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
    const engine = this.#db.engine;
    const values = [claim.key, claim.proposalId, claim.action, claim.tenantId];
    const columns = "(idempotency_key, proposal_id, action, tenant_id, status, receipt)";
    if (engine === "postgres") {
      const inserted = await session.run(
        `INSERT INTO ${this.#table} ${columns} VALUES ($1, $2, $3, $4, 'pending', '{}') ON CONFLICT (idempotency_key) DO NOTHING`,
        values,
      );
      if (inserted.rowCount === 1) return undefined;
    } else {
      try {
        await session.run(`INSERT INTO ${this.#table} ${columns} VALUES (?, ?, ?, ?, 'pending', '{}')`, values);
        return undefined;
      } catch (err) {
        if ((err as { errno?: unknown }).errno !== ER_DUP_ENTRY) throw err;
      }
    }
    const p = engine === "postgres" ? "$1" : "?";
    const stored = await session.run(`SELECT receipt FROM ${this.#table} WHERE idempotency_key = ${p} FOR UPDATE`, [claim.key]);
    const text = stored.rows[0]?.receipt;
    return typeof text === "string" ? (JSON.parse(text) as Receipt) : undefined;
  }

  async complete(session: SqlSession, key: string, receipt: Receipt): Promise<void> {
    const sql =
      this.#db.engine === "postgres"
        ? `UPDATE ${this.#table} SET status = $1, receipt = $2 WHERE idempotency_key = $3`
        : `UPDATE ${this.#table} SET status = ?, receipt = ? WHERE idempotency_key = ?`;
    await session.run(sql, [receipt.status, JSON.stringify(receipt), key]);
  }
}

function isUnavailable(err: unknown): boolean {
  return classifyDatabaseError(err).code === "TEMPORARILY_UNAVAILABLE";
}
