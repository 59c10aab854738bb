"""The helper's idempotency receipts, in the app database next to the business rows, written in
the same transaction as the business write. The same table as the TypeScript helper
(handler/receipts.ts, handlerReceiptsDdl), so either helper can take over from the other."""

from __future__ import annotations

import json
from typing import Optional

from .db import Database, Dialect, Session
from .receipt import Receipt

DEFAULT_RECEIPTS_TABLE = "synapsor_handler_receipts"


class ReceiptsTableMissing(Exception):
    """The receipts table is absent and the helper may not (or could not) create it."""


class IdempotencyKeyCollision(Exception):
    """The key collided with a stored key that is not exactly this one; nothing may be applied."""


def handler_receipts_ddl(engine: str, schema: Optional[str] = None, name: str = DEFAULT_RECEIPTS_TABLE) -> str:
    """The DDL the helper runs on first use (or an administrator runs ahead of time)."""
    from .db import dialect_for

    table = dialect_for(engine).qualified(schema, name)
    if engine == "postgres":
        return f"""CREATE TABLE IF NOT EXISTS {table} (
  idempotency_key varchar(255) PRIMARY KEY,
  proposal_id varchar(255) NOT NULL,
  action varchar(255) NOT NULL,
  tenant_id varchar(255) NOT NULL,
  status varchar(32) NOT NULL,
  receipt text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)"""
    return f"""CREATE TABLE IF NOT EXISTS {table} (
  idempotency_key varchar(255) NOT NULL PRIMARY KEY,
  proposal_id varchar(255) NOT NULL,
  action varchar(255) NOT NULL,
  tenant_id varchar(255) NOT NULL,
  status varchar(32) NOT NULL,
  receipt text NOT NULL,
  created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"""


class ReceiptStore:
    def __init__(self, db: Database, schema: Optional[str], name: str, create: bool):
        self._db = db
        self._dialect: Dialect = db.dialect
        self._schema = schema
        self._name = name
        self._table = db.dialect.qualified(schema, name)
        self._create = create
        self._ready = False

    def ensure(self, session: Session) -> None:
        """Makes sure the table exists: probe first, so a writer without CREATE still works once it is there."""
        if self._ready:
            return
        try:
            session.run(f"SELECT 1 FROM {self._table} WHERE 1 = 0")
            session.commit()
            self._ready = True
            return
        except Exception as probe_error:  # noqa: BLE001 - classified below
            session.rollback()
            if self._db.is_unavailable(probe_error) or not self._db.is_driver_error(probe_error):
                raise
            if not self._create:
                raise ReceiptsTableMissing("receipts table missing") from probe_error
        try:
            session.run(handler_receipts_ddl(self._db.engine, self._schema, self._name))
            session.commit()
        except Exception as create_error:  # noqa: BLE001
            session.rollback()
            if self._db.is_unavailable(create_error) or not self._db.is_driver_error(create_error):
                raise
            raise ReceiptsTableMissing("receipts table could not be created") from create_error
        self._ready = True

    def _key_match(self) -> str:
        sql, _ = self._dialect.exact_match("idempotency_key", True)
        return sql

    def claim(self, session: Session, key: str, proposal_id: str, action: str, tenant_id: str) -> Optional[Receipt]:
        """Claims the key inside the transaction: None when this transaction owns it now, or the
        receipt stored by the transaction that applied it first."""
        values = [key, proposal_id, action, tenant_id]
        insert = (
            f"INSERT INTO {self._table} (idempotency_key, proposal_id, action, tenant_id, status, receipt) "
            "VALUES (%s, %s, %s, %s, 'pending', '{}')"
        )
        if self._dialect.engine == "postgres":
            # ON CONFLICT waits for a racing transaction on the same key and then inserts nothing.
            _, count = session.run(insert + " ON CONFLICT (idempotency_key) DO NOTHING", values)
            if count == 1:
                return None
        else:
            try:
                session.run(insert, values)
                return None
            except Exception as err:  # noqa: BLE001
                if not self._db.is_duplicate_key(err):
                    raise
        rows, _ = session.run(f"SELECT receipt FROM {self._table} WHERE {self._key_match()} FOR UPDATE", [key, key])
        # A duplicate with no exact match is a key the collation calls equal to this one ('k' and 'K').
        if not rows:
            raise IdempotencyKeyCollision("idempotency key collides with a look-alike stored key")
        return json.loads(rows[0]["receipt"])

    def complete(self, session: Session, key: str, receipt: Receipt) -> None:
        session.run(
            f"UPDATE {self._table} SET status = %s, receipt = %s WHERE {self._key_match()}",
            [receipt["status"], json.dumps(receipt), key, key],
        )
