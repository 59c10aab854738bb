"""The receipts the helper answers with. Every message is ours; a failure's cause goes to the
app's on_error hook, never into the body (the same shapes as handler/receipt.ts)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

# The stable codes of runtime/executors/protocol.ts (SAFE_ERROR_CODES).
SAFE_ERROR_CODES = (
    "ROW_NOT_FOUND_OR_WRONG_TENANT",
    "ROW_CHANGED_AFTER_PROPOSAL",
    "TRANSITION_NOT_ALLOWED",
    "PRECONDITION_NOT_MET",
    "MULTI_ROW_BLOCKED",
    "RECEIPTS_TABLE_MISSING",
    "WRITE_PERMISSION_DENIED",
    "WRITER_UNAVAILABLE",
    "HANDLER_UNREACHABLE",
    "HANDLER_TIMEOUT",
    "HANDLER_HTTP_ERROR",
    "HANDLER_BAD_RESPONSE",
    "HANDLER_FAILED",
    "HANDLER_REJECTED_AUTH",
    "UNKNOWN_ACTION",
    "IDEMPOTENCY_KEY_COLLISION",
    "INTERNAL",
)

Receipt = Dict[str, Any]


def applied_receipt(rows: int, previous: Any, new: Any, effects: List[Dict[str, Any]]) -> Receipt:
    return {
        "status": "applied",
        "rows_affected": rows,
        "source_database_mutated": rows > 0,
        "previous_version": previous,
        "new_version": new,
        "safe_error_code": None,
        "message": "The handler applied the approved change.",
        "details": {"effects": effects},
    }


def already_applied_receipt(stored: Receipt) -> Receipt:
    """A replay of a key applied before: the stored outcome, with nothing written now."""
    return {
        **stored,
        "status": "already_applied",
        "rows_affected": 0,
        "source_database_mutated": False,
        "safe_error_code": None,
        "message": "This change was already applied; nothing was written again.",
    }


def refused_receipt(status: str, code: str, message: str, previous: Any = None) -> Receipt:
    if status not in ("conflict", "failed"):
        raise ValueError("a refused receipt is a conflict or a failure")
    if code not in SAFE_ERROR_CODES:
        raise ValueError(f"{code} is not a safe error code")
    return {
        "status": status,
        "rows_affected": 0,
        "source_database_mutated": False,
        "previous_version": previous,
        "new_version": None,
        "safe_error_code": code,
        "message": message,
        "details": {"effects": []},
    }


def failed(code: str, message: str, previous: Optional[Any] = None) -> Receipt:
    return refused_receipt("failed", code, message, previous)
