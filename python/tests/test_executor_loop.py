"""The helper behind the runner's real http_handler executor, on Postgres and MariaDB, served
over WSGI (wsgiref) and ASGI (uvicorn): the cases of the TypeScript helper's tests
(test/e2e/handler-helper.test.ts, app-handler-loop.test.ts, handler-truthful-receipts.test.ts)."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest

from billing_app import (
    FAILING_ACTION,
    SCOPE_ACTION,
    SECRET,
    SECRET_FAILURE_TEXT,
    TOKEN,
    build_handler,
    schema_sql,
    writeback_request,
)
from conftest import ENGINES, create_database, drive, serve_asgi, serve_wsgi


class App:
    def __init__(self, db, url: str, errors: list):
        self.db = db
        self.url = url
        self.errors = errors

    def call(self, request: Dict[str, Any], token: Optional[str] = TOKEN, secret: Optional[str] = SECRET) -> Dict[str, Any]:
        call: Dict[str, Any] = {"executor": "http_handler", "url": self.url, "request": request}
        if token:
            call["token"] = token
        if secret:
            call["signingSecret"] = secret
        return drive([call])[0]

    def count(self, table: str, where: str) -> int:
        return len(self.db.rows(f"SELECT * FROM {table} WHERE {where}"))


@pytest.fixture(scope="module", params=[(e, a) for e in ENGINES for a in ("wsgi", "asgi")], ids=lambda p: f"{p[0]}-{p[1]}")
def app(request, handler_env) -> Iterator[App]:
    engine, adapter = request.param
    with create_database(engine) as db:
        db.exec(schema_sql(engine))
        db.exec(["INSERT INTO credits VALUES ('CR-OTHER', 'globex', 'INV-2', 99, 'other tenant')"])
        url_env = f"TEST_PY_APP_DB_URL_{engine.upper()}_{adapter.upper()}"
        os.environ[url_env] = db.url
        errors: list = []
        handler = build_handler(engine, url_env, on_error=lambda err, context: errors.append((err, context)))
        serve = serve_wsgi if adapter == "wsgi" else serve_asgi
        with serve(handler.wsgi if adapter == "wsgi" else handler.asgi) as url:
            yield App(db, url, errors)


def assert_refused(receipt: Dict[str, Any], status: str, code: str) -> None:
    assert receipt["status"] == status, receipt
    assert receipt["safe_error_code"] == code, receipt
    assert receipt["rows_affected"] == 0
    assert receipt["source_database_mutated"] is False


def test_missing_bearer_token_is_refused(app: App) -> None:
    assert_refused(app.call(writeback_request(object_id="INV-4"), token=None), "failed", "HANDLER_REJECTED_AUTH")


def test_wrong_bearer_token_is_refused(app: App) -> None:
    assert_refused(app.call(writeback_request(object_id="INV-4"), token="not-the-token"), "failed", "HANDLER_REJECTED_AUTH")


def test_bad_signature_is_refused(app: App) -> None:
    assert_refused(app.call(writeback_request(object_id="INV-4"), secret="another-secret"), "failed", "HANDLER_REJECTED_AUTH")
    assert_refused(app.call(writeback_request(object_id="INV-4"), secret=None), "failed", "HANDLER_REJECTED_AUTH")


def test_stale_issued_at_is_refused(app: App) -> None:
    stale = (datetime.now(timezone.utc) - timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    assert_refused(app.call(writeback_request(object_id="INV-4", issued_at=stale)), "failed", "HANDLER_REJECTED_AUTH")
    assert app.count("credits", "invoice_id = 'INV-4'") == 0


def test_unknown_action_is_a_failed_receipt(app: App) -> None:
    assert_refused(app.call(writeback_request(action="billing.propose_nothing")), "failed", "UNKNOWN_ACTION")


def test_malformed_request_is_refused_before_database_work(app: App) -> None:
    request = writeback_request(object_id="INV-4")
    request["protocol_version"] = "2.0"
    # The helper answers 400 with a HANDLER_FAILED receipt; the executor reports the 4xx.
    assert_refused(app.call(request), "failed", "HANDLER_HTTP_ERROR")
    other_table = writeback_request(object_id="INV-4")
    other_table["change_set"]["target"]["table"] = "credits"
    assert_refused(app.call(other_table), "failed", "HANDLER_HTTP_ERROR")
    assert app.count("credits", "invoice_id = 'INV-4'") == 0


def test_tenant_mismatch_is_not_found(app: App) -> None:
    # INV-2 belongs to globex; the runner's request says acme.
    receipt = app.call(writeback_request(object_id="INV-2", tenant_id="acme"))
    assert_refused(receipt, "conflict", "ROW_NOT_FOUND_OR_WRONG_TENANT")
    assert app.count("credits", "invoice_id = 'INV-2'") == 1  # only globex's own CR-OTHER


def test_version_conflict(app: App) -> None:
    receipt = app.call(writeback_request(object_id="INV-5", expected_version="2026-05-16T00:00:00.124Z"))
    assert_refused(receipt, "conflict", "ROW_CHANGED_AFTER_PROPOSAL")
    assert receipt["previous_version"] == "2026-05-16T00:00:00.123456Z"
    assert app.count("credits", "invoice_id = 'INV-5'") == 0


def test_transition_not_allowed(app: App) -> None:
    assert_refused(app.call(writeback_request(object_id="INV-3")), "conflict", "TRANSITION_NOT_ALLOWED")
    assert app.count("credits", "invoice_id = 'INV-3'") == 0


def test_applied_then_idempotent_replay(app: App) -> None:
    request = writeback_request(object_id="INV-1")
    receipt = app.call(request)
    assert receipt["status"] == "applied", receipt
    assert receipt["safe_error_code"] is None
    assert receipt["rows_affected"] == 2
    assert receipt["source_database_mutated"] is True
    # The ms-precision version the proposal saw matched the µs column.
    assert receipt["previous_version"] == "2026-05-16T00:00:00.123456Z"
    assert receipt["new_version"] != receipt["previous_version"]
    assert receipt["details"]["effects"] == [{"type": "db.insert", "table": "credits", "id": "CR-INV-1"}]
    assert app.db.rows("SELECT credited_cents FROM invoices WHERE id = 'INV-1'")[0]["credited_cents"] == 1500
    stored = app.db.rows(f"SELECT status FROM synapsor_handler_receipts WHERE idempotency_key = '{request['idempotency_key']}'")
    assert stored == [{"status": "applied"}]

    replay = app.call(request)
    assert replay["status"] == "already_applied", replay
    assert replay["rows_affected"] == 0
    assert replay["source_database_mutated"] is False
    assert replay["new_version"] == receipt["new_version"]
    assert app.count("credits", "invoice_id = 'INV-1'") == 1
    assert app.db.rows("SELECT credited_cents FROM invoices WHERE id = 'INV-1'")[0]["credited_cents"] == 1500


def test_business_function_raising_rolls_back(app: App) -> None:
    request = writeback_request(action=FAILING_ACTION, object_id="INV-4")
    receipt = app.call(request)
    assert_refused(receipt, "failed", "HANDLER_FAILED")
    assert SECRET_FAILURE_TEXT not in str(receipt)
    assert app.count("credits", "id = 'CR-BROKEN-INV-4'") == 0
    assert app.count("synapsor_handler_receipts", f"idempotency_key = '{request['idempotency_key']}'") == 0
    # The raw cause reached the app's own hook, not the runner.
    assert any(str(err) == SECRET_FAILURE_TEXT and ctx["stage"] == "business_function" for err, ctx in app.errors)


def test_scoped_tx_refuses_an_undeclared_table(app: App) -> None:
    receipt = app.call(writeback_request(action=SCOPE_ACTION, object_id="INV-4"))
    assert_refused(receipt, "failed", "HANDLER_FAILED")
    assert app.count("credits", "id = 'CR-AUDIT-INV-4'") == 0
    assert app.count("audit_log", "1 = 1") == 0
    assert any("audit_log is not one of this capability's tables" in str(err) for err, _ in app.errors)


@pytest.mark.parametrize("engine", ENGINES)
def test_command_handler_through_the_runner(engine: str, handler_env) -> None:
    with create_database(engine) as db:
        db.exec(schema_sql(engine))
        url_env = f"TEST_PY_CMD_DB_URL_{engine.upper()}"
        os.environ[url_env] = db.url
        here = Path(__file__).parent
        command = f"cd '{here}' && '{sys.executable}' billing_command.py {engine} {url_env}"
        request = writeback_request(object_id="INV-1")
        applied, replay, conflict = drive(
            [
                {"executor": "command_handler", "command": command, "request": request},
                {"executor": "command_handler", "command": command, "request": request},
                {"executor": "command_handler", "command": command, "request": writeback_request(object_id="INV-3")},
            ]
        )
        assert applied["status"] == "applied", applied
        assert applied["rows_affected"] == 2
        assert replay["status"] == "already_applied", replay
        assert_refused(conflict, "conflict", "TRANSITION_NOT_ALLOWED")
        assert len(db.rows("SELECT * FROM credits WHERE invoice_id = 'INV-1'")) == 1
