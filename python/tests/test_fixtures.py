"""The published protocol fixtures (schemas/fixtures/) through the Python helper, as the TypeScript
helper's test does: the request fixture, re-issued and signed, answers applied, then
already_applied, then (for another invoice whose version moved) conflict, and (for an action whose
business function raises) failed; each answer has the members and values of the receipt fixture
for its status. The fixtures are what a handler in any language is tested against."""

from __future__ import annotations

import copy
import json
import os
from datetime import datetime, timezone
from typing import Any, Dict, Iterator

import pytest

from billing_app import FAILING_ACTION, SECRET, TOKEN, build_handler, schema_sql
from conftest import ENGINES, REPO, create_database
from synapsor_handler import sign_body

FIXTURES = REPO / "schemas" / "fixtures"


def fixture(name: str) -> Dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def reissued(request: Dict[str, Any], **change: Any) -> Dict[str, Any]:
    """The fixture with a fresh issued_at (its own is fixed, so stale) and the changes a case needs."""
    out = copy.deepcopy(request)
    out["issued_at"] = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    for path, value in change.items():
        node = out
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return out


def answer(handler: Any, request: Dict[str, Any]) -> Dict[str, Any]:
    body = json.dumps(request).encode()
    headers = {
        "authorization": f"Bearer {TOKEN}",
        "x-synapsor-signature": sign_body(SECRET, body),
        "x-synapsor-issued-at": request["issued_at"],
        "idempotency-key": request["idempotency_key"],
        "x-synapsor-proposal-id": request["proposal_id"],
    }
    status, _, reply = handler.handle(headers, body)
    assert status == 200, reply
    return json.loads(reply)


def assert_like(receipt: Dict[str, Any], status: str) -> None:
    expected = fixture(f"app-handler-receipt.{status}.v1.json")
    assert set(expected) <= set(receipt), f"members of app-handler-receipt.{status}.v1.json missing from {receipt}"
    for member in ("status", "source_database_mutated", "safe_error_code"):
        assert receipt[member] == expected[member], (member, receipt)
    # How many rows an applied change touches is the business function's (this one inserts a
    # credit and updates the invoice); every other status touches none.
    if status == "applied":
        assert receipt["rows_affected"] >= 1, receipt
    else:
        assert receipt["rows_affected"] == expected["rows_affected"] == 0, receipt
    assert receipt["details"]["effects"] == expected["details"]["effects"] or status in ("already_applied",), receipt


@pytest.fixture(params=ENGINES)
def handler(request, handler_env) -> Iterator[Any]:
    engine = request.param
    with create_database(engine, "srpyfx") as database:
        database.exec(schema_sql(engine))
        url_env = f"TEST_PY_FIXTURE_DB_URL_{engine.upper()}"
        os.environ[url_env] = database.url
        yield build_handler(engine, url_env)


def test_the_request_fixture_answers_each_receipt_fixtures_status(handler: Any) -> None:
    request = fixture("app-handler-request.v1.json")
    # The change set fixture is the request's own change set.
    assert fixture("change-set.v1.json") == request["change_set"]

    applied = answer(handler, reissued(request))
    assert_like(applied, "applied")
    assert_like(answer(handler, reissued(request)), "already_applied")

    # INV-4 moved on after the proposal saw it (a later expected version than the row holds).
    conflict = reissued(
        request,
        proposal_id="wrp_2c6kqv7m22hx4tnb5pzs",
        idempotency_key="wrp_2c6kqv7m22hx4tnb5pzs:INV-4",
        change_set__scope={"tenant_id": "acme", "object_id": "INV-4"},
        change_set__target={"schema": None, "table": "invoices", "primary_key": {"column": "id", "value": "INV-4"}},
    )
    conflict["change_set"]["guards"]["expected_version"]["value"] = "2026-05-16T00:00:01Z"
    assert_like(answer(handler, conflict), "conflict")

    failing = reissued(
        request,
        proposal_id="wrp_2c6kqv7m22hx4tnb5pzt",
        idempotency_key="wrp_2c6kqv7m22hx4tnb5pzt:INV-5",
        change_set__action=FAILING_ACTION,
        change_set__scope={"tenant_id": "acme", "object_id": "INV-5"},
        change_set__target={"schema": None, "table": "invoices", "primary_key": {"column": "id", "value": "INV-5"}},
    )
    assert_like(answer(handler, failing), "failed")
