-- The tables synapsor.schema.json in this folder was captured from (MariaDB 10.11):
--   mysql -uroot -e 'CREATE DATABASE golden_fulfillment' && mysql -uroot golden_fulfillment < schema.mysql.sql
--   GOLDEN_DB_URL=mysql://root@127.0.0.1:3306/golden_fulfillment \
--     npx synapsor-runner inspect --from-env GOLDEN_DB_URL --json --output synapsor.schema.json
-- A warehouse domain on purpose: the tenant column is account_ref, keys are BIGINT and
-- VARCHAR, one table is versioned by DATETIME(6), the other by an integer counter.

CREATE TABLE accounts (
  ref  CHAR(36)     NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE shipments (
  id              BIGINT        NOT NULL PRIMARY KEY,
  account_ref     CHAR(36)      NOT NULL,
  carrier         VARCHAR(32)   NOT NULL,
  status          VARCHAR(16)   NOT NULL,
  weight_grams    INT           NOT NULL,
  declared_value  DECIMAL(10,2) NULL,
  hold_reason     VARCHAR(300)  NULL,
  expedited       TINYINT(1)    NOT NULL DEFAULT 0,
  created_at      DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at      DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  KEY shipments_account_carrier_idx (account_ref, carrier, status, created_at),
  CONSTRAINT shipments_account_fkey FOREIGN KEY (account_ref) REFERENCES accounts (ref),
  CONSTRAINT shipments_status_check CHECK (status IN ('label_created', 'in_transit', 'delayed', 'on_hold', 'delivered'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE stock_levels (
  sku           VARCHAR(40)  NOT NULL,
  account_ref   CHAR(36)     NOT NULL,
  warehouse     VARCHAR(16)  NOT NULL,
  on_hand       INT          NOT NULL,
  reorder_point INT          NOT NULL,
  row_version   INT UNSIGNED NOT NULL DEFAULT 1,
  PRIMARY KEY (account_ref, sku),
  CONSTRAINT stock_levels_account_fkey FOREIGN KEY (account_ref) REFERENCES accounts (ref)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
