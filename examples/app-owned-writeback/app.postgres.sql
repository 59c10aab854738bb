-- The app's own record of every late-fee waiver it applied. Load it after
-- ../support-billing/schema.postgres.sql and seed.postgres.sql. The handler writes the invoice
-- and this row in one transaction; the helper fills in tenant_id from the approved change.
CREATE TABLE late_fee_waivers (
  proposal_id        text PRIMARY KEY,
  tenant_id          text NOT NULL REFERENCES tenants (id),
  invoice_id         text NOT NULL REFERENCES invoices (id),
  old_late_fee_cents integer NOT NULL,
  new_late_fee_cents integer NOT NULL,
  approved_by        text NOT NULL,
  applied_at         timestamptz NOT NULL DEFAULT now()
);
