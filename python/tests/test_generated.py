"""What the CLI writes for Python teams, run for real: `handler template python-fastapi` served
by uvicorn, and `handler stub --language python` for the app-owned fixture config (its
http_handler file served over WSGI, its command_handler file spawned by the command_handler
executor), each driven by the runner's executors against a real Postgres."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

from billing_app import SECRET, TOKEN, writeback_request
from conftest import REPO, create_database, drive, load, node_command, serve_asgi, serve_wsgi

SUPPORT = REPO / "examples" / "support-billing"
APP_OWNED = REPO / "test" / "fixtures" / "handlers" / "app-owned.runner.json"


def cli(*args: str) -> str:
    done = subprocess.run(node_command() + [str(REPO / "bin" / "synapsor-runner.js"), *args], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def support_request(action: str, object_id: str, version: str, patch: Dict[str, Any]) -> Dict[str, Any]:
    request = writeback_request(action=action, object_id=object_id, tenant_id="tenant_acme", expected_version=version)
    cs = request["change_set"]
    cs["target"]["schema"] = "public"
    cs["patch"] = patch
    cs["after"] = dict(patch)
    cs["guards"]["transitions"] = [{"column": "status", "from": ["overdue"], "to": ["open"]}]
    return request


@pytest.fixture()
def support_db() -> Iterator[Any]:
    with create_database("postgres", "srpysup") as db:
        db.exec([(SUPPORT / "schema.postgres.sql").read_text(), (SUPPORT / "seed.postgres.sql").read_text()])
        yield db


def test_python_fastapi_template_serves_a_request_with_the_helper(tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    out = tmp_path / "synapsor_writeback_handler.py"
    cli("handler", "template", "python-fastapi", "--out", str(out))
    text = out.read_text()
    assert "hmac" not in text, "the template uses the helper instead of hand-rolled checks"
    with create_database("postgres", "srpytpl") as db:
        db.exec(
            [
                "CREATE TABLE invoices (id text PRIMARY KEY, tenant_id text NOT NULL, status text NOT NULL, updated_at timestamptz(6) NOT NULL)",
                "CREATE TABLE credits (id text PRIMARY KEY, tenant_id text NOT NULL, invoice_id text NOT NULL, amount_cents integer NOT NULL)",
                "INSERT INTO invoices VALUES ('INV-1', 'acme', 'overdue', '2026-05-16 00:00:00.123456')",
            ]
        )
        os.environ.update({"APP_DATABASE_URL": db.url, "SYNAPSOR_HANDLER_TOKEN": TOKEN, "SYNAPSOR_HANDLER_SIGNING_SECRET": SECRET})
        module = load(out, "generated_fastapi_template")
        request = writeback_request(action="billing.propose_account_credit", object_id="INV-1")
        with serve_asgi(module.app) as url:
            applied, replay, wrong = drive(
                [
                    {"executor": "http_handler", "url": url, "token": TOKEN, "signingSecret": SECRET, "request": request},
                    {"executor": "http_handler", "url": url, "token": TOKEN, "signingSecret": SECRET, "request": request},
                    {"executor": "http_handler", "url": url, "token": "wrong", "signingSecret": SECRET, "request": writeback_request(action="billing.propose_account_credit")},
                ]
            )
        assert applied["status"] == "applied", applied
        assert replay["status"] == "already_applied", replay
        assert (wrong["status"], wrong["safe_error_code"]) == ("failed", "HANDLER_REJECTED_AUTH")
        assert [r["amount_cents"] for r in db.rows("SELECT amount_cents FROM credits")] == [1500]


def test_python_stubs_apply_through_both_app_owned_executors(tmp_path: Path, support_db: Any) -> None:
    written = cli("handler", "stub", "--config", str(APP_OWNED), "--out", str(tmp_path), "--language", "python")
    assert "billing_api_handler.py" in written and "billing_script_handler.py" in written
    os.environ.update({"SUPPORT_DB_WRITE_URL": support_db.url, "BILLING_HANDLER_TOKEN": TOKEN, "BILLING_HANDLER_SECRET": SECRET})

    http_stub = load(tmp_path / "billing_api_handler.py", "generated_billing_api_handler")
    assert http_stub.handler.actions == ["billing.propose_late_fee_waiver"]
    waiver = support_request(
        "billing.propose_late_fee_waiver", "INV-3001", "2026-05-16T09:30:00.123Z", {"late_fee_cents": 0, "waiver_reason": "goodwill", "status": "open"}
    )
    with serve_wsgi(http_stub.handler.wsgi) as url:
        (receipt,) = drive([{"executor": "http_handler", "url": url, "token": TOKEN, "signingSecret": SECRET, "request": waiver}])
    assert receipt["status"] == "applied", receipt
    assert receipt["previous_version"] == "2026-05-16T09:30:00.123456Z"
    row = support_db.rows("SELECT late_fee_cents, waiver_reason, status FROM invoices WHERE id = 'INV-3001'")[0]
    assert row == {"late_fee_cents": 0, "waiver_reason": "goodwill", "status": "open"}

    reopen = support_request("billing.propose_invoice_reopen", "INV-3005", "2026-05-12T11:11:11.111111Z", {"status": "open"})
    command = f"cd '{tmp_path}' && '{sys.executable}' billing_script_handler.py"
    (receipt,) = drive([{"executor": "command_handler", "command": command, "request": reopen}])
    assert receipt["status"] == "applied", receipt
    assert support_db.rows("SELECT status FROM invoices WHERE id = 'INV-3005'") == [{"status": "open"}]
