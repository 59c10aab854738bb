"""The helper an app team mounts behind its http_handler (ASGI or WSGI) or runs as its
command_handler. It does the security-critical part (authentication, request checks,
tenant-scoped row lock, version and transition guards, idempotency, atomic receipt) and leaves
the app only its business write, registered with the `writeback_handler` decorator."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from .apply import BusinessFunction, BusinessFunctionError, Capability, apply_request
from .auth import ISSUED_AT_HEADER, AuthRefused, authenticate, header
from .db import ConfigurationError, Database
from .receipt import Receipt, failed
from .receipts import DEFAULT_RECEIPTS_TABLE, IdempotencyKeyCollision, ReceiptStore, ReceiptsTableMissing
from .request import MalformedRequest, Target, check_against_target, parse_request
from .scoped_tx import ScopeError

DEFAULT_SKEW_SECONDS = 300
MAX_BODY_BYTES = 1024 * 1024

OnError = Callable[[BaseException, Dict[str, Optional[str]]], None]
Response = Tuple[int, Dict[str, str], bytes]


def _require_env(name: str, purpose: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigurationError(f"WritebackHandler: environment variable {name} ({purpose}) is not set.")
    return value


class WritebackHandler:
    """Configured once at start-up; misconfiguration raises ConfigurationError here, not on the
    first approved change. `token_env` unset means every HTTP request is refused (command use only)."""

    def __init__(
        self,
        *,
        engine: str,
        url_env: str,
        token_env: Optional[str] = None,
        signing_secret_env: Optional[str] = None,
        max_skew_seconds: float = DEFAULT_SKEW_SECONDS,
        statement_timeout_ms: int = 10_000,
        receipts_schema: Optional[str] = None,
        receipts_table: str = DEFAULT_RECEIPTS_TABLE,
        create_receipts_table: bool = True,
        on_error: Optional[OnError] = None,
    ):
        self._token = _require_env(token_env, "the bearer token") if token_env else None
        self._secret = _require_env(signing_secret_env, "the signing secret") if signing_secret_env else None
        url = _require_env(url_env, "the database URL")
        try:
            self._db = Database(engine, url, statement_timeout_ms)
        except ConfigurationError as err:
            raise ConfigurationError(f"WritebackHandler: environment variable {url_env}: {err}") from None
        self._skew = max_skew_seconds
        self._receipts = ReceiptStore(self._db, receipts_schema, receipts_table, create_receipts_table)
        self._capabilities: Dict[str, Capability] = {}
        self._report: OnError = on_error or (lambda err, context: None)

    # --- the registry ---

    def writeback_handler(self, action: str, *, table: Target, tables: Sequence[str] = ()) -> Callable[[BusinessFunction], BusinessFunction]:
        """Registers the business function for `action` (the capability's canonical name)."""

        def register(fn: BusinessFunction) -> BusinessFunction:
            if action in self._capabilities:
                raise ConfigurationError(f"WritebackHandler: {action} already has a business function.")
            self._capabilities[action] = Capability(action, table, tuple(tables), fn)
            return fn

        return register

    @property
    def actions(self) -> List[str]:
        return sorted(self._capabilities)

    # --- processing ---

    def process_body(self, body: bytes, signed_issued_at: Optional[str] = None) -> Tuple[int, Receipt]:
        """Runs an authenticated (or trusted) body; returns the HTTP status and the receipt."""
        try:
            request = parse_request(body)
        except MalformedRequest as err:
            return 400, failed("HANDLER_FAILED", f"Malformed writeback request: {err}")
        # The header is an unsigned copy; the skew check only counts if it is the signed body's time.
        if signed_issued_at is not None and signed_issued_at != request.issued_at:
            return 401, failed("HANDLER_REJECTED_AUTH", "The issued-at header does not match the signed request.")
        capability = self._capabilities.get(request.action)
        if capability is None:
            return 200, failed("UNKNOWN_ACTION", "This handler has no business function for the requested action.")
        try:
            check_against_target(request, capability.table)
        except MalformedRequest as err:
            return 400, failed("HANDLER_FAILED", f"Malformed writeback request: {err}")

        context = {"action": request.action, "proposal_id": request.proposal_id}
        session = None
        try:
            session = self._db.connect()
            self._receipts.ensure(session)
            return 200, apply_request(self._db, session, self._receipts, capability, request)
        except (BusinessFunctionError, ScopeError) as err:
            _rollback(session)
            cause = (err.__cause__ or err) if isinstance(err, BusinessFunctionError) else err
            self._report(cause, {**context, "stage": "business_function"})
            return 200, failed("HANDLER_FAILED", "The business function failed; the transaction was rolled back.")
        except Exception as err:  # noqa: BLE001 - every failure becomes a safe receipt
            _rollback(session)
            self._report(err, {**context, "stage": "database"})
            return self._database_failure(err)
        finally:
            if session is not None:
                session.close()

    def _database_failure(self, err: BaseException) -> Tuple[int, Receipt]:
        if isinstance(err, ReceiptsTableMissing):
            return 500, failed("RECEIPTS_TABLE_MISSING", "The handler's receipts table is missing; create it with the DDL in docs/handler.md (synapsor_handler.handler_receipts_ddl()).")
        if isinstance(err, IdempotencyKeyCollision):
            return 200, failed(
                "IDEMPOTENCY_KEY_COLLISION",
                "The receipts table's collation treats this idempotency key as equal to a different stored key; give the "
                'idempotency_key column a binary collation (MySQL: utf8mb4_bin; Postgres: "C").',
            )
        if self._db.is_permission(err):
            return 200, failed("WRITE_PERMISSION_DENIED", "The handler's database credential may not perform this write.")
        if self._db.is_unavailable(err):
            return 503, failed("WRITER_UNAVAILABLE", "The handler's database is unreachable or timed out.")
        return 500, failed("INTERNAL", "The handler failed; details are in the handler's logs.")

    def handle(self, headers: Mapping[str, str], body: bytes) -> Response:
        """Framework-neutral: the raw body and headers in, (status, headers, body) out."""
        try:
            authenticate(headers, body, self._token, self._secret, self._skew)
        except AuthRefused as err:
            return _respond(401, failed("HANDLER_REJECTED_AUTH", str(err)))
        status, receipt = self.process_body(body, header(headers, ISSUED_AT_HEADER) if self._secret else None)
        return _respond(status, receipt)

    def run_command(self, stdin: Any = None, stdout: Any = None) -> Receipt:
        """The command_handler entry: request JSON on stdin, receipt JSON on stdout. No bearer
        check: the runner that spawns the command is the trusted caller."""
        source = stdin if stdin is not None else sys.stdin.buffer
        sink = stdout if stdout is not None else sys.stdout
        data = source.read()
        _, receipt = self.process_body(data if isinstance(data, bytes) else data.encode("utf-8"))
        sink.write(json.dumps(receipt) + "\n")
        sink.flush()
        return receipt

    # --- adapters ---

    def wsgi(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """A WSGI application (any path; POST only)."""
        if environ.get("REQUEST_METHOD") != "POST":
            status, headers, body = _respond(405, failed("HANDLER_FAILED", "Only POST is accepted."))
        else:
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY_BYTES:
                status, headers, body = _respond(413, failed("HANDLER_FAILED", "The request body is too large."))
            else:
                raw = environ["wsgi.input"].read(length) if length else b""
                request_headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
                if "CONTENT_TYPE" in environ:
                    request_headers["content-type"] = environ["CONTENT_TYPE"]
                status, headers, body = self.handle(request_headers, raw)
        start_response(f"{status} {_REASONS.get(status, 'Status')}", list(headers.items()))
        return [body]

    @property
    def asgi(self) -> "AsgiApp":
        """An ASGI 3 application (any path; POST only), e.g. `app = handler.asgi`, then `uvicorn module:app`."""
        return AsgiApp(self)

    async def _asgi(self, scope: Dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        """The database work runs in a worker thread, so the event loop stays free."""
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        import asyncio

        chunks: List[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                break
            chunks.append(chunk)
            more = message.get("more_body", False)
        if scope.get("method") != "POST":
            status, headers, body = _respond(405, failed("HANDLER_FAILED", "Only POST is accepted."))
        elif size > MAX_BODY_BYTES:
            status, headers, body = _respond(413, failed("HANDLER_FAILED", "The request body is too large."))
        else:
            request_headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            loop = asyncio.get_running_loop()
            status, headers, body = await loop.run_in_executor(None, self.handle, request_headers, b"".join(chunks))
        await send({"type": "http.response.start", "status": status, "headers": [(k.encode(), v.encode()) for k, v in headers.items()]})
        await send({"type": "http.response.body", "body": body})


class AsgiApp:
    """The handler as an ASGI 3 callable (a class instance with an async __call__, so servers detect ASGI 3)."""

    def __init__(self, handler: WritebackHandler):
        self._handler = handler

    async def __call__(self, scope: Dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        await self._handler._asgi(scope, receive, send)


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 405: "Method Not Allowed", 413: "Payload Too Large", 500: "Internal Server Error", 503: "Service Unavailable"}


def _respond(status: int, receipt: Receipt) -> Response:
    headers = {"content-type": "application/json", "cache-control": "no-store"}
    if status == 401:
        headers["www-authenticate"] = "Bearer"
    return status, headers, json.dumps(receipt).encode("utf-8")


def _rollback(session: Any) -> None:
    if session is None:
        return
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 - the connection is closed next anyway
        pass
