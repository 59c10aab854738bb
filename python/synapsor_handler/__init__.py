"""synapsor_handler: the Python helper for app-owned writeback handlers of synapsor-runner.

    handler = WritebackHandler(engine="postgres", url_env="APP_DATABASE_URL",
                               token_env="SYNAPSOR_HANDLER_TOKEN", signing_secret_env="SYNAPSOR_HANDLER_SIGNING_SECRET")

    @handler.writeback_handler("billing.propose_plan_credit",
                               table=Target("invoices", primary_key="id", tenant_key="tenant_id", version_column="updated_at"),
                               tables=["credits"])
    def plan_credit(job, tx):
        tx.insert("credits", {"id": f"CR-{job.object_id}", "invoice_id": job.object_id, "amount_cents": job.patch["credit_cents"]})
        return {"effects": [{"type": "db.insert", "table": "credits", "id": f"CR-{job.object_id}"}]}

    app = handler.asgi          # or handler.wsgi, or handler.run_command() for a command_handler
"""

from .apply import Job
from .auth import sign_body, verify_body_signature
from .db import ConfigurationError
from .handler import WritebackHandler
from .receipt import SAFE_ERROR_CODES
from .receipts import DEFAULT_RECEIPTS_TABLE, handler_receipts_ddl
from .request import PROTOCOL_VERSION, MalformedRequest, Target, WritebackRequest, parse_request
from .scoped_tx import ScopedTx, ScopeError
from .version import versions_match

__all__ = [
    "ConfigurationError",
    "DEFAULT_RECEIPTS_TABLE",
    "Job",
    "MalformedRequest",
    "PROTOCOL_VERSION",
    "SAFE_ERROR_CODES",
    "ScopeError",
    "ScopedTx",
    "Target",
    "WritebackHandler",
    "WritebackRequest",
    "handler_receipts_ddl",
    "parse_request",
    "sign_body",
    "verify_body_signature",
    "versions_match",
]
__version__ = "0.1.0"
