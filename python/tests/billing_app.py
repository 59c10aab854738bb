"""The billing app of test/fixtures/handlers/billing-app.ts, written with the Python helper: an
invoices table (the capability's target), a credits table the business function inserts into,
and builders for writeback requests as the runner sends them."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional

from synapsor_handler import Target, WritebackHandler

CREDIT_ACTION = "billing.propose_plan_credit"
FAILING_ACTION = "billing.propose_broken_credit"
SCOPE_ACTION = "billing.propose_audited_credit"
# Text the failing business function raises; it must never reach a receipt.
SECRET_FAILURE_TEXT = "relation secret_internal_table violates something at 10.0.0.7"
# The version the proposal saw, as JS Date prints it (ms), while the database keeps microseconds.
SEEN_VERSION_MS = "2026-05-16T00:00:00.123Z"
TOKEN = "handler-token-0123456789"
SECRET = "signing-secret-abcdef"
ENV_TOKEN = "TEST_PY_HANDLER_TOKEN"
ENV_SECRET = "TEST_PY_HANDLER_SECRET"

INVOICES = Target("invoices", primary_key="id", tenant_key="tenant_id", version_column="updated_at")


def schema_sql(engine: str) -> list:
    ts = "timestamptz(6)" if engine == "postgres" else "datetime(6)"
    text = "text" if engine == "postgres" else "varchar(64)"
    rows = [("INV-1", "acme", "overdue"), ("INV-2", "globex", "overdue"), ("INV-3", "acme", "paid"), ("INV-4", "acme", "overdue"), ("INV-5", "acme", "overdue")]
    return [
        f"CREATE TABLE invoices (id {text} PRIMARY KEY, tenant_id {text} NOT NULL, customer_id {text} NOT NULL, "
        f"status {text} NOT NULL, credited_cents integer NOT NULL, updated_at {ts} NOT NULL)",
        f"CREATE TABLE credits (id {text} PRIMARY KEY, tenant_id {text} NOT NULL, invoice_id {text} NOT NULL, "
        f"amount_cents integer NOT NULL, reason {text} NOT NULL)",
        f"CREATE TABLE audit_log (id {text} PRIMARY KEY, tenant_id {text} NOT NULL, note {text} NOT NULL)",
    ] + [f"INSERT INTO invoices VALUES ('{i}', '{t}', 'C-1', '{s}', 0, '2026-05-16 00:00:00.123456')" for i, t, s in rows]


def build_handler(engine: str, url_env: str, **options: Any) -> WritebackHandler:
    handler = WritebackHandler(engine=engine, url_env=url_env, token_env=ENV_TOKEN, signing_secret_env=ENV_SECRET, **options)
    now = datetime.now(timezone.utc)

    @handler.writeback_handler(CREDIT_ACTION, table=INVOICES, tables=["credits"])
    def plan_credit(job, tx):
        credit_id = f"CR-{job.object_id}"
        tx.insert("credits", {"id": credit_id, "invoice_id": job.object_id, "amount_cents": int(job.patch["credit_cents"]), "reason": str(job.patch["reason"])})
        tx.update("invoices", job.object_id, {"credited_cents": int(job.row["credited_cents"]) + int(job.patch["credit_cents"]), "updated_at": now + timedelta(seconds=1)})
        return {"effects": [{"type": "db.insert", "table": "credits", "id": credit_id}]}

    @handler.writeback_handler(FAILING_ACTION, table=INVOICES, tables=["credits"])
    def broken_credit(job, tx):
        tx.insert("credits", {"id": f"CR-BROKEN-{job.object_id}", "invoice_id": job.object_id, "amount_cents": 1, "reason": "x"})
        raise RuntimeError(SECRET_FAILURE_TEXT)

    # Declares only credits, then writes audit_log: the scoped tx must refuse it.
    @handler.writeback_handler(SCOPE_ACTION, table=INVOICES, tables=["credits"])
    def audited_credit(job, tx):
        tx.insert("credits", {"id": f"CR-AUDIT-{job.object_id}", "invoice_id": job.object_id, "amount_cents": 1, "reason": "x"})
        tx.insert("audit_log", {"id": f"AU-{job.object_id}", "note": "credited"})
        return None

    return handler


def writeback_request(
    *,
    action: str = CREDIT_ACTION,
    object_id: str = "INV-1",
    tenant_id: str = "acme",
    expected_version: str = SEEN_VERSION_MS,
    key: Optional[str] = None,
    issued_at: Optional[str] = None,
    credit: int = 1500,
) -> Dict[str, Any]:
    proposal_id = f"wrp_{object_id}_{secrets.token_hex(3)}"
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "protocol_version": "1.0",
        "proposal_id": proposal_id,
        "idempotency_key": key or f"{proposal_id}:{object_id}",
        "issued_at": issued_at or now,
        "change_set": {
            "action": action,
            "scope": {"tenant_id": tenant_id, "object_id": object_id},
            "principal": {"id": "agent-7"},
            "target": {"schema": None, "table": "invoices", "primary_key": {"column": "id", "value": object_id}},
            "before": {"credited_cents": 0},
            "patch": {"credit_cents": credit, "reason": "outage credit"},
            "after": {"credited_cents": credit},
            "guards": {
                "tenant": {"column": "tenant_id", "value": tenant_id},
                "expected_version": {"column": "updated_at", "value": expected_version},
                "transitions": [{"column": "status", "from": ["overdue"], "to": ["overdue"]}],
            },
            "evidence": {"bundle_id": "ev_1"},
        },
        "approval": {"actor": "lead@example.com", "role": "billing_lead", "approved_at": now, "proposal_hash": "h"},
    }
