// The app's side of billing.propose_late_fee_waiver, written with the handler helper. It is
// shared by node/server.mjs (http_handler) and command/handler.mjs (command_handler): the
// business write is the same whichever way the runner delivers the approved change.
//
// The helper has already authenticated the request, checked it against this binding, locked
// the invoice (SELECT … FOR UPDATE inside the tenant), compared updated_at with the version
// the proposal saw, checked the status transition and claimed the idempotency key. This
// function only does the write; it commits together with the idempotency receipt.

/** The app database: APP_DATABASE_URL, postgres:// or mysql:// (the engine follows the URL). */
export function appDatabase() {
  const url = process.env.APP_DATABASE_URL ?? "";
  return { engine: /^mysql:/i.test(url) ? "mysql" : "postgres", urlEnv: "APP_DATABASE_URL" };
}

/** @type {Record<string, import("synapsor-runner/handler").CapabilityBinding>} */
export const capabilities = {
  "billing.propose_late_fee_waiver": {
    // Must name the same table, key and tenant column as the capability in synapsor.runner.json.
    table: { name: "invoices", primaryKey: "id", tenantKey: "tenant_id", versionColumn: "updated_at" },
    // The only other table this function may touch.
    tables: ["late_fee_waivers"],
    async apply(job, tx) {
      // job.patch is the approved change: { late_fee_cents, waiver_reason, status: "open" }.
      await tx.update("invoices", job.objectId, job.patch);
      await tx.insert("late_fee_waivers", {
        proposal_id: job.proposalId,
        invoice_id: job.objectId,
        old_late_fee_cents: job.row.late_fee_cents,
        new_late_fee_cents: job.patch.late_fee_cents,
        approved_by: job.approval.actor,
      });
      return {
        effects: [
          { type: "db.update", table: "invoices", id: job.objectId },
          { type: "db.insert", table: "late_fee_waivers", id: job.proposalId },
        ],
      };
    },
  },
};

/** Raw causes go to the app's own log (stderr), never into a receipt. */
export function logError(err, context) {
  console.error(`[writeback] ${context.stage}${context.proposalId ? ` ${context.proposalId}` : ""}:`, err);
}
