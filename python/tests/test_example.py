"""examples/app-owned-writeback/python/handler.py, imported as the README runs it and served over
WSGI at /writeback: one approved late-fee waiver through the runner's http_handler executor on
Postgres and MariaDB, then the same request again (already_applied, nothing written twice)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from billing_app import SECRET, TOKEN, writeback_request
from conftest import ENGINES, REPO, create_database, drive, load, serve_wsgi

EXAMPLE = REPO / "examples" / "app-owned-writeback" / "python" / "handler.py"
SUPPORT = REPO / "examples" / "support-billing"

# The app's table (examples/app-owned-writeback/app.*.sql), trimmed to what the handler writes.
WAIVERS = {
    "postgres": "CREATE TABLE late_fee_waivers (proposal_id text PRIMARY KEY, tenant_id text NOT NULL, invoice_id text NOT NULL, "
    "old_late_fee_cents integer NOT NULL, new_late_fee_cents integer NOT NULL, approved_by text NOT NULL)",
    "mysql": "CREATE TABLE late_fee_waivers (proposal_id varchar(100) PRIMARY KEY, tenant_id varchar(64) NOT NULL, "
    "invoice_id varchar(64) NOT NULL, old_late_fee_cents int NOT NULL, new_late_fee_cents int NOT NULL, approved_by varchar(200) NOT NULL)",
}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_python_example_applies_one_waiver_once(engine: str) -> None:
    with create_database(engine, "srpyex") as db:
        suffix = "postgres" if engine == "postgres" else "mysql"
        sql = [(SUPPORT / f"schema.{suffix}.sql").read_text(), (SUPPORT / f"seed.{suffix}.sql").read_text(), WAIVERS[engine]]
        if engine == "mysql":
            # PyMySQL runs one statement per execute; the example's files hold many.
            sql = [s for part in sql for s in _statements(part)]
        db.exec(sql)
        os.environ.update({"APP_DATABASE_URL": db.url, "BILLING_HANDLER_TOKEN": TOKEN, "BILLING_HANDLER_SECRET": SECRET})
        example = load(EXAMPLE, f"example_handler_{engine}")
        assert example.handler.actions == ["billing.propose_late_fee_waiver"]

        request = writeback_request(action="billing.propose_late_fee_waiver", object_id="INV-3001", tenant_id="tenant_acme", expected_version="2026-05-16T09:30:00.123Z")
        patch = {"late_fee_cents": 0, "waiver_reason": "T-1001: fee charged during the outage", "status": "open"}
        request["change_set"].update(patch=patch, after=dict(patch))
        request["change_set"]["guards"]["transitions"] = [{"column": "status", "from": ["overdue"], "to": ["open"]}]
        call: Any = {"executor": "http_handler", "token": TOKEN, "signingSecret": SECRET, "request": request}
        with serve_wsgi(example.wsgi_app, "/writeback") as url:
            applied, replay = drive([{**call, "url": url}, {**call, "url": url}])
        assert applied["status"] == "applied", applied
        assert applied["rows_affected"] == 2
        assert [e["table"] for e in applied["details"]["effects"]] == ["invoices", "late_fee_waivers"]
        assert replay["status"] == "already_applied", replay
        assert db.rows("SELECT late_fee_cents, status FROM invoices WHERE id = 'INV-3001'") == [{"late_fee_cents": 0, "status": "open"}]
        waivers = db.rows("SELECT tenant_id, old_late_fee_cents, new_late_fee_cents, approved_by FROM late_fee_waivers")
        assert waivers == [{"tenant_id": "tenant_acme", "old_late_fee_cents": 2500, "new_late_fee_cents": 0, "approved_by": "lead@example.com"}]


def _statements(script: str) -> list:
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
