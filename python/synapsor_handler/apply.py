"""One approved change, start to finish, inside one transaction: claim the idempotency key, lock
the target row inside the tenant, check version and transition guards, run the app's business
function through a scoped tx, store the receipt, commit. Anything short of success rolls back, so
the business rows and the receipt move together or not at all (handler/apply.ts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

from .db import Database, Row, Session, describe_table
from .receipt import Receipt, already_applied_receipt, applied_receipt, refused_receipt
from .receipts import ReceiptStore
from .request import Target, WritebackRequest
from .scoped_tx import ScopedTx
from .version import as_text, versions_match


@dataclass(frozen=True)
class Job:
    """A parsed, checked request plus the locked row: what the business function works from."""

    action: str
    proposal_id: str
    idempotency_key: str
    issued_at: str
    tenant_id: str
    object_id: str
    principal: str
    patch: Dict[str, Any]
    before: Dict[str, Any]
    after: Dict[str, Any]
    row: Row
    approval_actor: str
    approval_role: Optional[str]
    approved_at: str
    evidence_bundle_id: str


BusinessFunction = Callable[[Job, ScopedTx], Any]


@dataclass(frozen=True)
class Capability:
    action: str
    table: Target
    tables: Sequence[str]
    apply: BusinessFunction


class BusinessFunctionError(Exception):
    """The business function raised; the cause goes to on_error only."""


def _lock_target_row(session: Session, db: Database, table: Target, object_id: str, tenant_id: str) -> Optional[Row]:
    d = db.dialect
    columns, _ = describe_table(session, d, table.schema, table.name)
    params: List[Any] = []

    def match(column: str, value: str) -> str:
        sql, times = d.exact_match(d.quote(column), columns.get(column, True))
        params.extend([value] * times)
        return sql

    where = f"{match(table.primary_key, object_id)} AND {match(table.tenant_key, tenant_id)}"
    rows, _ = session.run(f"SELECT * FROM {d.qualified(table.schema, table.name)} WHERE {where} FOR UPDATE", params)
    return rows[0] if rows else None


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool, int)) or (isinstance(value, float) and value == value and abs(value) != float("inf"))


def _effects(result: Any) -> List[Dict[str, Any]]:
    """The function's {"effects": [...]}: flat records of JSON scalars keyed by text (the runner bounds the rest)."""
    if result is None:
        return []
    effects = result.get("effects", []) if isinstance(result, dict) else result
    if not isinstance(effects, list) or not all(
        isinstance(e, dict) and all(isinstance(k, str) and _is_scalar(v) for k, v in e.items()) for e in effects
    ):
        raise BusinessFunctionError("The business function must return None or {'effects': [{name: str | int | float | bool | None, ...}, ...]}.")
    return effects


def apply_request(db: Database, session: Session, receipts: ReceiptStore, capability: Capability, request: WritebackRequest) -> Receipt:
    """Runs inside the session's open transaction; commits on success, rolls back otherwise."""
    table = capability.table
    stored = receipts.claim(session, request.idempotency_key, request.proposal_id, request.action, request.tenant_id)
    if stored is not None:
        session.rollback()
        return already_applied_receipt(stored)

    row = _lock_target_row(session, db, table, request.object_id, request.tenant_id)
    if row is None:
        session.rollback()
        return refused_receipt("conflict", "ROW_NOT_FOUND_OR_WRONG_TENANT", "The target row does not exist in this tenant.")
    version_column = request.expected_version.column if request.expected_version else None
    previous = row.get(version_column) if version_column else None
    expected = request.expected_version
    if expected is not None and not versions_match(expected.value, row.get(expected.column)):
        session.rollback()
        return refused_receipt("conflict", "ROW_CHANGED_AFTER_PROPOSAL", "The row changed after the proposal was made.", previous)
    for t in request.transitions:
        if not any(as_text(allowed) == as_text(row.get(t.column)) for allowed in t.from_values):
            session.rollback()
            return refused_receipt("conflict", "TRANSITION_NOT_ALLOWED", f"The row's {t.column} no longer allows this change.", previous)

    tx = ScopedTx(session, db.dialect, table, capability.tables, request.tenant_id)
    job = Job(
        action=request.action,
        proposal_id=request.proposal_id,
        idempotency_key=request.idempotency_key,
        issued_at=request.issued_at,
        tenant_id=request.tenant_id,
        object_id=request.object_id,
        principal=request.principal,
        patch=dict(request.patch),
        before=dict(request.before),
        after=dict(request.after),
        row=row,
        approval_actor=request.approval.actor,
        approval_role=request.approval.role,
        approved_at=request.approval.approved_at,
        evidence_bundle_id=request.evidence_bundle_id,
    )
    try:
        effects = _effects(capability.apply(job, tx))
    except BusinessFunctionError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure of the app's code rolls back
        raise BusinessFunctionError("The business function failed.") from err

    current = _lock_target_row(session, db, table, request.object_id, request.tenant_id) if version_column else None
    new = current.get(version_column) if current and version_column else None
    receipt = applied_receipt(tx.rows_affected, previous, new, effects)
    receipts.complete(session, request.idempotency_key, receipt)
    session.commit()
    return receipt
