"""The app's writeback endpoint for the runner's http_handler executor, in Python, built with the
synapsor_handler helper. `python3 handler.py` listens on 127.0.0.1:$PORT (default 8787) at
/writeback with the standard library's WSGI server; `app` is the same handler as an ASGI app
(`uvicorn handler:app`) and `wsgi_app` as a WSGI app (gunicorn, mod_wsgi).

The helper has already authenticated the runner (bearer token and HMAC signature over the raw
body, issued-at inside the skew window), checked the request against the binding below, locked
the invoice (SELECT ... FOR UPDATE inside the tenant), compared updated_at with the version the
proposal saw, checked the status transition and claimed the idempotency key when
`late_fee_waiver` runs. It only does the write, which commits together with the idempotency
receipt; raising rolls everything back."""

import logging
import os
import sys

from synapsor_handler import Job, ScopedTx, Target, WritebackHandler

logging.basicConfig(level=logging.INFO, format="%(message)s")
log = logging.getLogger("writeback")


def _log_error(err, context):
    # Raw causes go to the app's own log, never into a receipt.
    log.error("[writeback] %s %s: %r", context.get("stage"), context.get("proposal_id") or "", err)


handler = WritebackHandler(
    # The app database: APP_DATABASE_URL, postgres:// or mysql:// (the engine follows the URL).
    engine="mysql" if os.environ.get("APP_DATABASE_URL", "").lower().startswith(("mysql:", "mariadb:")) else "postgres",
    url_env="APP_DATABASE_URL",
    token_env="BILLING_HANDLER_TOKEN",
    signing_secret_env="BILLING_HANDLER_SECRET",
    on_error=_log_error,
)


@handler.writeback_handler(
    "billing.propose_late_fee_waiver",
    # Must name the same table, key and tenant column as the capability in synapsor.runner.json.
    table=Target("invoices", primary_key="id", tenant_key="tenant_id", version_column="updated_at"),
    # The only other table this function may touch.
    tables=["late_fee_waivers"],
)
def late_fee_waiver(job: Job, tx: ScopedTx):
    # job.patch is the approved change: {"late_fee_cents": ..., "waiver_reason": ..., "status": "open"}.
    tx.update("invoices", job.object_id, job.patch)
    tx.insert(
        "late_fee_waivers",
        {
            "proposal_id": job.proposal_id,
            "invoice_id": job.object_id,
            "old_late_fee_cents": job.row["late_fee_cents"],
            "new_late_fee_cents": job.patch["late_fee_cents"],
            "approved_by": job.approval_actor,
        },
    )
    return {
        "effects": [
            {"type": "db.update", "table": "invoices", "id": job.object_id},
            {"type": "db.insert", "table": "late_fee_waivers", "id": job.proposal_id},
        ]
    }


app = handler.asgi


def wsgi_app(environ, start_response):
    """POST /writeback goes to the helper; every other path is 404."""
    if environ.get("PATH_INFO") == "/writeback":
        return handler.wsgi(environ, start_response)
    start_response("404 Not Found", [("content-type", "text/plain")])
    return [b"not found\n"]


def main():
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIServer, make_server

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    server = make_server("127.0.0.1", int(os.environ.get("PORT", "8787")), wsgi_app, server_class=Server)
    print(f"writeback handler listening on http://127.0.0.1:{server.server_port}/writeback", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
