"""Parses the request body into typed dataclasses and checks it against the capability the app
bound: protocol version, field types, and that the target, tenant and key the runner sent are the
ones this handler was configured for. Only then does anything touch the database
(the rules of handler/request.ts)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Union

PROTOCOL_VERSION = "1.0"
MAX_KEY = 255

Scalar = Union[str, int, float, bool, None]


class MalformedRequest(ValueError):
    """The body is not a well-formed writeback request; the message is ours and safe to return."""


@dataclass(frozen=True)
class Target:
    """The capability's target row, as the runner's config names it."""

    name: str
    primary_key: str
    tenant_key: str
    version_column: Optional[str] = None
    schema: Optional[str] = None


@dataclass(frozen=True)
class Transition:
    column: str
    from_values: List[Scalar]
    to_values: List[Scalar]


@dataclass(frozen=True)
class ExpectedVersion:
    column: str
    value: Scalar


@dataclass(frozen=True)
class Approval:
    actor: str
    role: Optional[str]
    approved_at: str


@dataclass(frozen=True)
class WritebackRequest:
    proposal_id: str
    idempotency_key: str
    issued_at: str
    action: str
    tenant_id: str
    object_id: str
    principal: str
    target_schema: Optional[str]
    target_table: str
    primary_key_column: str
    primary_key_value: str
    tenant_column: str
    tenant_value: str
    before: Dict[str, Any]
    patch: Dict[str, Scalar]
    after: Dict[str, Any]
    expected_version: Optional[ExpectedVersion]
    transitions: List[Transition]
    evidence_bundle_id: str
    approval: Approval


def _short_text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_KEY


def _scalar(value: Any) -> bool:
    if value is None or isinstance(value, (str, bool)):
        return True
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _obj(value: Any) -> bool:
    return isinstance(value, dict)


def parse_request(body: Union[bytes, str]) -> WritebackRequest:
    """The typed request, or MalformedRequest naming the first problem."""
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedRequest("The body is not JSON.") from None
    if not _obj(raw):
        raise MalformedRequest("The body is not a JSON object.")
    if raw.get("protocol_version") != PROTOCOL_VERSION:
        raise MalformedRequest(f'protocol_version must be "{PROTOCOL_VERSION}".')
    for name in ("proposal_id", "idempotency_key", "issued_at"):
        if not _short_text(raw.get(name)):
            raise MalformedRequest(f"{name} must be a non-empty string of at most {MAX_KEY} characters.")
    cs = raw.get("change_set")
    if not _obj(cs):
        raise MalformedRequest("change_set is missing.")
    if not _short_text(cs.get("action")):
        raise MalformedRequest("change_set.action is missing.")
    scope = cs.get("scope")
    if not _obj(scope) or not _short_text(scope.get("tenant_id")) or not _short_text(scope.get("object_id")):
        raise MalformedRequest("change_set.scope needs tenant_id and object_id.")
    principal = cs.get("principal")
    if not _obj(principal) or not isinstance(principal.get("id"), str):
        raise MalformedRequest("change_set.principal.id is missing.")
    target = cs.get("target")
    if not _obj(target) or not _short_text(target.get("table")) or not (target.get("schema") is None or isinstance(target.get("schema"), str)):
        raise MalformedRequest("change_set.target is malformed.")
    pk = target.get("primary_key")
    if not _obj(pk) or not _short_text(pk.get("column")) or not _short_text(pk.get("value")):
        raise MalformedRequest("change_set.target.primary_key is malformed.")
    if not _obj(cs.get("before")) or not _obj(cs.get("after")):
        raise MalformedRequest("change_set.before and change_set.after must be objects.")
    patch = cs.get("patch")
    if not _obj(patch) or not all(_scalar(v) for v in patch.values()):
        raise MalformedRequest("change_set.patch must map columns to scalar values.")
    guards = cs.get("guards")
    tenant = guards.get("tenant") if _obj(guards) else None
    if not _obj(tenant) or not _short_text(tenant.get("column")) or not _short_text(tenant.get("value")):
        raise MalformedRequest("change_set.guards.tenant is malformed.")
    ev = guards.get("expected_version")
    if not (ev is None or (_obj(ev) and _short_text(ev.get("column")) and _scalar(ev.get("value")))):
        raise MalformedRequest("change_set.guards.expected_version is malformed.")
    transitions = guards.get("transitions")
    transitions = [] if transitions is None else transitions
    if not isinstance(transitions, list) or not all(
        _obj(t) and _short_text(t.get("column")) and isinstance(t.get("from"), list) and all(_scalar(v) for v in t["from"])
        for t in transitions
    ):
        raise MalformedRequest("change_set.guards.transitions is malformed.")
    evidence = cs.get("evidence")
    if not _obj(evidence) or not isinstance(evidence.get("bundle_id"), str):
        raise MalformedRequest("change_set.evidence.bundle_id is missing.")
    approval = raw.get("approval")
    if not _obj(approval) or not isinstance(approval.get("actor"), str) or not isinstance(approval.get("approved_at"), str):
        raise MalformedRequest("approval is malformed.")
    role = approval.get("role")
    return WritebackRequest(
        proposal_id=raw["proposal_id"],
        idempotency_key=raw["idempotency_key"],
        issued_at=raw["issued_at"],
        action=cs["action"],
        tenant_id=scope["tenant_id"],
        object_id=scope["object_id"],
        principal=principal["id"],
        target_schema=target.get("schema"),
        target_table=target["table"],
        primary_key_column=pk["column"],
        primary_key_value=pk["value"],
        tenant_column=tenant["column"],
        tenant_value=tenant["value"],
        before=cs["before"],
        patch=patch,
        after=cs["after"],
        expected_version=ExpectedVersion(ev["column"], ev["value"]) if ev is not None else None,
        transitions=[Transition(t["column"], list(t["from"]), list(t.get("to") or [])) for t in transitions],
        evidence_bundle_id=evidence["bundle_id"],
        approval=Approval(approval["actor"], role if isinstance(role, str) else None, approval["approved_at"]),
    )


def check_against_target(request: WritebackRequest, table: Target) -> None:
    """The request must be about exactly the table, key and tenant guard the app configured."""
    if request.target_table != table.name or (table.schema and request.target_schema and request.target_schema != table.schema):
        raise MalformedRequest("The request targets a different table than this handler's capability.")
    if request.primary_key_column != table.primary_key or request.primary_key_value != request.object_id:
        raise MalformedRequest("The request's primary key does not match the capability.")
    if request.tenant_column != table.tenant_key or request.tenant_value != request.tenant_id:
        raise MalformedRequest("The request's tenant guard does not match the capability.")
    if table.version_column:
        ev = request.expected_version
        if ev is None or ev.column != table.version_column:
            raise MalformedRequest(f"The request must carry an expected version for {table.version_column}.")
