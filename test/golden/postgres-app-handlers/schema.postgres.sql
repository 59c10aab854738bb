-- The tables synapsor.schema.json in this folder was captured from (PostgreSQL 15):
--   createdb -h 127.0.0.1 -U postgres golden_clinic && psql -h 127.0.0.1 -U postgres golden_clinic -f schema.postgres.sql
--   GOLDEN_DB_URL=postgres://postgres@127.0.0.1:5432/golden_clinic \
--     npx synapsor-runner inspect --from-env GOLDEN_DB_URL --json --output synapsor.schema.json
-- A clinic whose writes belong to the app: proposals go to its HTTP and command handlers.
-- Tables live in a non-default schema; the tenant column is clinic_id (uuid).

CREATE SCHEMA scheduling;

CREATE TABLE scheduling.appointments (
  id             uuid        PRIMARY KEY,
  clinic_id      uuid        NOT NULL,
  patient_ref    text        NOT NULL,
  starts_at      timestamptz NOT NULL,
  duration_min   smallint    NOT NULL,
  status         text        NOT NULL CHECK (status IN ('booked', 'confirmed', 'cancelled', 'no_show')),
  cancel_reason  text,
  fee_due        numeric(8,2) NOT NULL DEFAULT 0,
  version        bigint      NOT NULL DEFAULT 1
);

CREATE TABLE scheduling.rooms (
  code        text    NOT NULL,
  clinic_id   uuid    NOT NULL,
  capacity    integer NOT NULL,
  out_of_service boolean NOT NULL DEFAULT false,
  note        text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (clinic_id, code)
);
