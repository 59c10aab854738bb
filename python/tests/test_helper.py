"""The helper through its framework-neutral handle() over real databases: the request checks
before any database work, the scoped tx's limits, start-up refusals, the receipts table, an
unreachable database, the sessions, and the version comparison (test/e2e/handler-helper.test.ts)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest

from billing_app import CREDIT_ACTION, INVOICES, SECRET, TOKEN, build_handler, schema_sql, writeback_request
from conftest import ENGINES, REPO, create_database, run_node
from synapsor_handler import (
    PROTOCOL_VERSION,
    SAFE_ERROR_CODES,
    ConfigurationError,
    WritebackHandler,
    handler_receipts_ddl,
    sign_body,
    versions_match,
)
from synapsor_handler.db import Database


def signed(request: Any, **overrides: Optional[str]) -> Tuple[Dict[str, str], bytes]:
    body = (request if isinstance(request, str) else json.dumps(request)).encode()
    issued = datetime.now(timezone.utc).isoformat() if isinstance(request, str) else request["issued_at"]
    headers = {"authorization": f"Bearer {TOKEN}", "x-synapsor-signature": sign_body(SECRET, body), "x-synapsor-issued-at": issued}
    for name, value in overrides.items():
        key = name.replace("_", "-")
        if value is None:
            headers.pop(key, None)
        else:
            headers[key] = value
    return headers, body


def answer(handler: WritebackHandler, request: Any, **overrides: Optional[str]) -> Tuple[int, Dict[str, Any]]:
    status, _, body = handler.handle(*signed(request, **overrides))
    return status, json.loads(body)


def with_apply(engine: str, url_env: str, apply, tables=("credits",), **options: Any) -> WritebackHandler:
    handler = WritebackHandler(engine=engine, url_env=url_env, token_env="TEST_PY_HANDLER_TOKEN", signing_secret_env="TEST_PY_HANDLER_SECRET", **options)
    handler.writeback_handler(CREDIT_ACTION, table=INVOICES, tables=tables)(apply)
    return handler


@pytest.fixture(scope="module", params=ENGINES)
def db(request, handler_env) -> Iterator[Any]:
    with create_database(request.param, "srpyh") as database:
        database.exec(schema_sql(request.param))
        database.exec(["INSERT INTO credits VALUES ('CR-OTHER', 'globex', 'INV-2', 99, 'other tenant')"])
        # Two more overdue invoices for the swap test, which applies a change to each.
        database.exec([f"INSERT INTO invoices VALUES ('{i}', 'acme', 'C-4', 'overdue', 0, '2026-05-16 00:00:00.123456')" for i in ("INV-6", "INV-7")])
        database.url_env = f"TEST_PY_HELPER_DB_URL_{request.param.upper()}"
        os.environ[database.url_env] = database.url
        yield database


def test_receipts_table_codes_and_protocol_match_the_typescript_helper() -> None:
    shared = run_node(REPO / "test" / "support" / "python" / "handler-constants.ts", None)
    assert handler_receipts_ddl("postgres") == shared["ddl"]["postgres"]
    assert handler_receipts_ddl("mysql") == shared["ddl"]["mysql"]
    assert list(SAFE_ERROR_CODES) == shared["safe_error_codes"]
    assert PROTOCOL_VERSION == shared["protocol_version"]


def test_malformed_bodies_are_400_before_any_database_work(handler_env) -> None:
    # A database nobody listens on: any database work would turn into 503, not 400.
    os.environ["TEST_PY_DEAD_DB_URL"] = "postgres://postgres@127.0.0.1:1/nothing"
    handler = build_handler("postgres", "TEST_PY_DEAD_DB_URL")
    wrong_version = {**writeback_request(), "protocol_version": "2.0"}
    cut = {**writeback_request(), "change_set": {"action": CREDIT_ACTION}}
    bad_patch = writeback_request()
    bad_patch["change_set"]["patch"] = {"credit_cents": {"nested": 1}}
    other_tenant_column = writeback_request()
    other_tenant_column["change_set"]["guards"]["tenant"]["column"] = "customer_id"
    no_version = writeback_request()
    no_version["change_set"]["guards"]["expected_version"] = None
    for body in ["not json", "[]", wrong_version, cut, bad_patch, other_tenant_column, no_version]:
        status, receipt = answer(handler, body)
        assert status == 400, body
        assert receipt["status"] == "failed"
        assert receipt["safe_error_code"] == "HANDLER_FAILED"
        assert receipt["message"].startswith("Malformed writeback request: ")


def test_issued_at_header_missing_outside_the_window_or_unlike_the_body_is_refused(handler_env) -> None:
    os.environ["TEST_PY_DEAD_DB_URL"] = "postgres://postgres@127.0.0.1:1/nothing"
    handler = build_handler("postgres", "TEST_PY_DEAD_DB_URL", max_skew_seconds=60)
    request = writeback_request(object_id="INV-3")
    future = (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat()
    for issued in [None, future, "yesterday"]:
        status, receipt = answer(handler, request, x_synapsor_issued_at=issued)
        assert (status, receipt["safe_error_code"]) == (401, "HANDLER_REJECTED_AUTH"), issued
    # A captured request replayed with a fresh (unsigned) header: the body still says 10 minutes ago.
    old = writeback_request(issued_at=(datetime.now(timezone.utc) - timedelta(minutes=10)).isoformat())
    status, receipt = answer(handler, old, x_synapsor_issued_at=datetime.now(timezone.utc).isoformat())
    assert (status, receipt["safe_error_code"]) == (401, "HANDLER_REJECTED_AUTH")


def test_without_a_token_configured_http_requests_are_refused(handler_env) -> None:
    os.environ["TEST_PY_DEAD_DB_URL"] = "postgres://postgres@127.0.0.1:1/nothing"
    handler = WritebackHandler(engine="postgres", url_env="TEST_PY_DEAD_DB_URL")
    status, _, headers_body = handler.handle(*signed(writeback_request()))
    assert status == 401
    assert json.loads(headers_body)["safe_error_code"] == "HANDLER_REJECTED_AUTH"


def test_missing_environment_variables_and_hostile_urls_fail_at_start_up(handler_env) -> None:
    with pytest.raises(ConfigurationError, match="TEST_PY_UNSET_URL"):
        build_handler("postgres", "TEST_PY_UNSET_URL")
    os.environ["TEST_PY_DEAD_DB_URL"] = "postgres://postgres@127.0.0.1:1/nothing"
    with pytest.raises(ConfigurationError, match="TEST_PY_UNSET_TOKEN"):
        WritebackHandler(engine="postgres", url_env="TEST_PY_DEAD_DB_URL", token_env="TEST_PY_UNSET_TOKEN")
    for engine, url, name in [
        ("postgres", "postgres://postgres@127.0.0.1:5432/x?options=-c%20TimeZone%3DAmerica%2FNew_York", "options"),
        ("mysql", "mysql://root@127.0.0.1:3306/x?multipleStatements=true", "multipleStatements"),
    ]:
        os.environ["TEST_PY_HOSTILE_URL"] = url
        with pytest.raises(ConfigurationError) as refused:
            build_handler(engine, "TEST_PY_HOSTILE_URL")
        text = str(refused.value)
        assert "TEST_PY_HOSTILE_URL" in text and f"'{name}'" in text and "Remove it from the URL" in text
        assert "New_York" not in text


def test_the_scoped_tx_sees_and_changes_only_the_jobs_tenant(db) -> None:
    seen: Dict[str, Any] = {}

    def apply(job, tx):
        seen["credits"] = tx.query("credits")
        seen["foreign_update"] = tx.update("invoices", "INV-2", {"credited_cents": 1})
        # Writing the values the row already has still counts the row, on both engines.
        seen["same_values"] = tx.update("invoices", job.object_id, {"credited_cents": job.row["credited_cents"]})
        seen["row"] = job.row
        return {"effects": []}

    status, receipt = answer(with_apply(db.engine, db.url_env, apply), writeback_request(object_id="INV-1", key=f"scoped-{db.engine}"))
    assert (status, receipt["status"]) == (200, "applied"), receipt
    assert seen["credits"] == [], "globex's credit is invisible to an acme job"
    assert seen["foreign_update"] == 0
    assert seen["same_values"] == 1
    assert seen["row"]["tenant_id"] == "acme"
    assert seen["row"]["updated_at"] == "2026-05-16T00:00:00.123456Z"
    assert db.rows("SELECT credited_cents FROM invoices WHERE id = 'INV-2'")[0]["credited_cents"] == 0


def test_scoped_tx_misuse_rolls_everything_back(db) -> None:
    errors = []

    def other_tenant(job, tx):
        tx.insert("credits", {"id": "CR-X1", "tenant_id": "globex", "invoice_id": "INV-2", "amount_cents": 1, "reason": "x"})

    def unlisted(job, tx):
        tx.insert("audit_log", {"id": "X", "note": "x"})

    def tenant_column(job, tx):
        tx.insert("credits", {"id": "CR-X3", "invoice_id": job.object_id, "amount_cents": 1, "reason": "x"})
        tx.update("invoices", job.object_id, {"tenant_id": "globex"})

    def unknown_column(job, tx):
        tx.insert("credits", {"id": "CR-X4", "invoice_id": job.object_id, "amount_cents": 1, "reason": "x"})
        tx.update("invoices", job.object_id, {"no_such_column": 1})

    def odd_value(job, tx):
        tx.insert("credits", {"id": "CR-X5", "invoice_id": job.object_id, "amount_cents": 1, "reason": {"not": "scalar"}})

    for apply in [other_tenant, unlisted, tenant_column, unknown_column, odd_value]:
        handler = with_apply(db.engine, db.url_env, apply, on_error=lambda err, ctx: errors.append(err))
        request = writeback_request(object_id="INV-4")
        status, receipt = answer(handler, request)
        assert (status, receipt["status"], receipt["safe_error_code"]) == (200, "failed", "HANDLER_FAILED"), apply.__name__
        assert db.rows("SELECT * FROM credits WHERE id LIKE 'CR-X%'") == []
        assert db.rows(f"SELECT * FROM synapsor_handler_receipts WHERE idempotency_key = '{request['idempotency_key']}'") == []
    assert [type(e).__name__ for e in errors] == ["ScopeError"] * 5


def test_receipts_table_missing_then_the_documented_ddl_fixes_it(db) -> None:
    handler = build_handler(db.engine, db.url_env, receipts_table="app_receipts", create_receipts_table=False)
    status, receipt = answer(handler, writeback_request(object_id="INV-5"))
    assert (status, receipt["safe_error_code"]) == (500, "RECEIPTS_TABLE_MISSING")
    db.exec([handler_receipts_ddl(db.engine, name="app_receipts")])
    status, receipt = answer(handler, writeback_request(object_id="INV-5"))
    assert receipt["status"] == "applied", receipt
    assert len(db.rows("SELECT * FROM app_receipts")) == 1


@pytest.mark.parametrize("url", ["postgres://postgres@127.0.0.1:1/nothing", "mysql://root@127.0.0.1:1/nothing"])
def test_an_unreachable_database_is_503_without_driver_text(url: str, handler_env) -> None:
    os.environ["TEST_PY_DEAD_DB_URL"] = url
    handler = build_handler(url.split(":")[0], "TEST_PY_DEAD_DB_URL")
    status, _, body = handler.handle(*signed(writeback_request(object_id="INV-3")))
    assert status == 503
    assert json.loads(body)["safe_error_code"] == "WRITER_UNAVAILABLE"
    assert b"refused" not in body.lower() and b"127.0.0.1" not in body


def test_sessions_run_in_utc_with_the_statement_timeout(db) -> None:
    session = Database(db.engine, db.url, statement_timeout_ms=300).connect()
    try:
        zone = "SELECT current_setting('TimeZone') AS tz" if db.engine == "postgres" else "SELECT @@session.time_zone AS tz"
        assert session.run(zone)[0][0]["tz"] in ("UTC", "+00:00")
        sleep = "SELECT pg_sleep(2)" if db.engine == "postgres" else "SELECT SLEEP(2) AS slept"
        database = Database(db.engine, db.url)
        if db.engine == "postgres":
            with pytest.raises(Exception) as timed_out:
                session.run(sleep)
            assert database.is_unavailable(timed_out.value)
        else:
            # MariaDB's max_statement_time ends the statement (SLEEP returns 1 when interrupted).
            try:
                rows, _ = session.run(sleep)
                assert rows[0]["slept"] == 1
            except Exception as err:  # noqa: BLE001
                assert database.is_unavailable(err)
    finally:
        session.close()


def test_mysql_idempotency_key_collision_is_refused_without_writing(handler_env) -> None:
    with create_database("mysql", "srpycol") as db:
        db.exec(schema_sql("mysql"))
        # A case-folding collation on the key column, as a hand-made receipts table might have.
        db.exec([handler_receipts_ddl("mysql").replace("varchar(255)", "varchar(255) COLLATE utf8mb4_general_ci", 1)])
        os.environ["TEST_PY_COLLISION_URL"] = db.url
        handler = build_handler("mysql", "TEST_PY_COLLISION_URL")
        status, first = answer(handler, writeback_request(object_id="INV-1", key="wrp_collide:KEY"))
        assert first["status"] == "applied", first
        status, receipt = answer(handler, writeback_request(object_id="INV-4", key="wrp_collide:key"))
        assert (status, receipt["status"], receipt["safe_error_code"]) == (200, "failed", "IDEMPOTENCY_KEY_COLLISION")
        assert receipt["source_database_mutated"] is False
        assert db.rows("SELECT * FROM credits WHERE invoice_id = 'INV-4'") == []
        assert [r["status"] for r in db.rows("SELECT status FROM synapsor_handler_receipts")] == ["applied"]


def test_versions_match_the_range_of_their_own_precision() -> None:
    assert versions_match("2026-05-16T00:00:00.123Z", "2026-05-16T00:00:00.123456Z")
    assert versions_match("2026-05-16T00:00:00Z", "2026-05-16 00:00:00.999999+00")
    assert versions_match("2026-05-16T02:00:00.5+02:00", "2026-05-16T00:00:00.500Z")
    assert versions_match("2026-05-16T00:00:00.123Z", datetime(2026, 5, 16, 0, 0, 0, 123999, tzinfo=timezone.utc))
    assert not versions_match("2026-05-16T00:00:00.124Z", "2026-05-16T00:00:00.123456Z")
    assert not versions_match("2026-05-16T00:00:00.000000Z", "2026-05-16T00:00:00.000001Z")
    assert not versions_match("2026-05-16T00:00:01Z", "2026-05-16T00:00:00.999999Z")
    assert not versions_match("2026-05-16T00:00:00.5Z", "2026-05-16T00:00:00Z")
    assert versions_match(7, "7")
    assert versions_match("9007199254740993", 9007199254740993)
    assert not versions_match(7, 8)
    assert not versions_match(None, "x")
    assert not versions_match("2026-02-30T00:00:00Z", "2026-03-02T00:00:00Z")


def test_either_helper_takes_over_from_the_other(db) -> None:
    """Same receipts table: what one helper applied, the other answers already_applied for."""
    script = REPO / "test" / "support" / "python" / "ts-helper-handle.ts"
    python_handler = build_handler(db.engine, db.url_env)
    by_typescript = writeback_request(object_id="INV-6", key=f"swap-ts-{db.engine}")
    first = run_node(script, {"engine": db.engine, "url": db.url, "request": by_typescript})
    assert first["status"] == "applied", first
    _, replay = answer(python_handler, by_typescript)
    assert replay["status"] == "already_applied", replay
    assert replay["new_version"] == first["new_version"]

    by_python = writeback_request(object_id="INV-7", key=f"swap-py-{db.engine}")
    _, applied = answer(python_handler, by_python)
    assert applied["status"] == "applied", applied
    again = run_node(script, {"engine": db.engine, "url": db.url, "request": by_python})
    assert again["status"] == "already_applied", again
    assert again["details"] == applied["details"]
    assert len(db.rows("SELECT * FROM credits WHERE invoice_id IN ('INV-6', 'INV-7')")) == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_keys_that_are_not_text_match_as_the_columns_own_equality(engine: str, handler_env) -> None:
    # A uuid given in upper case (Postgres) or an integer with leading zeros (MariaDB) is the same row.
    id_type, stored, given = ("uuid", "6f1c2a9e-0b7d-4c1e-9a3f-2b8d5e7c4a10", "6F1C2A9E-0B7D-4C1E-9A3F-2B8D5E7C4A10") if engine == "postgres" else ("integer", "42", "0042")
    with create_database(engine, "srpykey") as database:
        statements = [s for s in schema_sql(engine) if not s.startswith("INSERT")]
        statements[0] = statements[0].replace("id text PRIMARY KEY" if engine == "postgres" else "id varchar(64) PRIMARY KEY", f"id {id_type} PRIMARY KEY", 1)
        database.exec(statements + [f"INSERT INTO invoices VALUES ('{stored}', 'acme', 'C-1', 'overdue', 0, '2026-05-16 00:00:00.123456')"])
        os.environ["TEST_PY_KEY_URL"] = database.url
        status, receipt = answer(build_handler(engine, "TEST_PY_KEY_URL"), writeback_request(object_id=given))
        assert receipt["status"] == "applied", receipt
        assert [r["credited_cents"] for r in database.rows("SELECT credited_cents FROM invoices")] == [1500]


def test_effects_must_be_flat_records_of_scalars(db) -> None:
    def apply(job, tx):
        tx.insert("credits", {"id": "CR-EFFECT", "invoice_id": job.object_id, "amount_cents": 1, "reason": "x"})
        return {"effects": [{"type": "db.insert", "at": datetime.now(timezone.utc)}]}

    request = writeback_request(object_id="INV-4")
    status, receipt = answer(with_apply(db.engine, db.url_env, apply), request)
    assert (status, receipt["status"], receipt["safe_error_code"]) == (200, "failed", "HANDLER_FAILED")
    assert db.rows("SELECT * FROM credits WHERE id = 'CR-EFFECT'") == []
