-- The app's own record of every late-fee waiver it applied. Load it after
-- ../support-billing/schema.mysql.sql and seed.mysql.sql. The handler writes the invoice and
-- this row in one transaction; the helper fills in tenant_id from the approved change.
CREATE TABLE late_fee_waivers (
  proposal_id        VARCHAR(100) NOT NULL PRIMARY KEY,
  tenant_id          VARCHAR(64)  NOT NULL,
  invoice_id         VARCHAR(64)  NOT NULL,
  old_late_fee_cents INT          NOT NULL,
  new_late_fee_cents INT          NOT NULL,
  approved_by        VARCHAR(200) NOT NULL,
  applied_at         DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  CONSTRAINT late_fee_waivers_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id),
  CONSTRAINT late_fee_waivers_invoice_fkey FOREIGN KEY (invoice_id) REFERENCES invoices (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
