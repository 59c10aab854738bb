-- Support-billing example schema (MariaDB 10.11 / MySQL 8, InnoDB).
-- Same tables, columns and constraints as schema.postgres.sql. DATETIME(6)
-- holds UTC by convention; microseconds matter for the conflict guard.

CREATE TABLE tenants (
  id   VARCHAR(64)  NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE customers (
  id         VARCHAR(64)  NOT NULL PRIMARY KEY,
  tenant_id  VARCHAR(64)  NOT NULL,
  name       VARCHAR(200) NOT NULL,
  email      VARCHAR(320) NOT NULL,
  plan       VARCHAR(16)  NOT NULL,
  created_at DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  CONSTRAINT customers_tenant_id_id_key UNIQUE (tenant_id, id),
  CONSTRAINT customers_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id),
  CONSTRAINT customers_plan_check CHECK (plan IN ('starter', 'growth', 'enterprise'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE invoices (
  id             VARCHAR(64)  NOT NULL PRIMARY KEY,
  tenant_id      VARCHAR(64)  NOT NULL,
  customer_id    VARCHAR(64)  NOT NULL,
  amount_cents   INT          NOT NULL,
  late_fee_cents INT          NOT NULL DEFAULT 0,
  status         VARCHAR(16)  NOT NULL,
  waiver_reason  VARCHAR(500) NULL,
  -- Staff-only notes: no capability may list this column as visible.
  internal_notes TEXT         NULL,
  due_at         DATETIME(6)  NOT NULL,
  updated_at     DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  KEY invoices_tenant_status_idx (tenant_id, status),
  CONSTRAINT invoices_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id),
  CONSTRAINT invoices_customer_fkey FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
  CONSTRAINT invoices_amount_cents_check CHECK (amount_cents >= 0),
  CONSTRAINT invoices_late_fee_cents_check CHECK (late_fee_cents >= 0),
  CONSTRAINT invoices_status_check CHECK (status IN ('draft', 'open', 'overdue', 'paid', 'void'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE support_tickets (
  id          VARCHAR(64)  NOT NULL PRIMARY KEY,
  tenant_id   VARCHAR(64)  NOT NULL,
  customer_id VARCHAR(64)  NOT NULL,
  subject     VARCHAR(200) NOT NULL,
  status      VARCHAR(16)  NOT NULL,
  priority    VARCHAR(16)  NOT NULL DEFAULT 'normal',
  created_at  DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at  DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  KEY support_tickets_tenant_customer_status_idx (tenant_id, customer_id, status, created_at),
  CONSTRAINT support_tickets_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id),
  CONSTRAINT support_tickets_customer_fkey FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
  CONSTRAINT support_tickets_status_check CHECK (status IN ('open', 'pending', 'closed')),
  CONSTRAINT support_tickets_priority_check CHECK (priority IN ('low', 'normal', 'high'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
