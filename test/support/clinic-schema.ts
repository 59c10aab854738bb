// An unfamiliar schema for onboarding tests: clinics, patients and appointments, scoped by
// clinic_id. The same tables as SQL for both engines (real databases) and as a snapshot
// (pure generator tests).

import type { ColumnInfo, SchemaSnapshot, TableInfo } from "../../compiler/inspect/snapshot.ts";

export const CLINIC_SQL = {
  postgres: `
CREATE TYPE appointment_status AS ENUM ('scheduled', 'checked_in', 'completed', 'cancelled', 'no_show');
CREATE TABLE clinics (id text PRIMARY KEY, name varchar(120) NOT NULL);
CREATE TABLE patients (
  id text PRIMARY KEY,
  clinic_id text NOT NULL REFERENCES clinics(id),
  full_name varchar(120) NOT NULL
);
CREATE TABLE appointments (
  id text PRIMARY KEY,
  clinic_id text NOT NULL REFERENCES clinics(id),
  patient_id text NOT NULL REFERENCES patients(id),
  status appointment_status NOT NULL DEFAULT 'scheduled',
  scheduled_at timestamptz NOT NULL,
  duration_minutes integer NOT NULL DEFAULT 30,
  cancel_reason varchar(200),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO clinics VALUES ('c-north', 'North Clinic'), ('c-south', 'South Clinic');
INSERT INTO patients VALUES ('p-1', 'c-north', 'Ada Example'), ('p-2', 'c-south', 'Bo Example');
INSERT INTO appointments (id, clinic_id, patient_id, status, scheduled_at, duration_minutes)
VALUES ('a-100', 'c-north', 'p-1', 'scheduled', '2026-12-01T09:00:00Z', 30),
       ('a-200', 'c-south', 'p-2', 'scheduled', '2026-12-01T10:00:00Z', 45);
`,
  mysql: `
CREATE TABLE clinics (id varchar(32) PRIMARY KEY, name varchar(120) NOT NULL);
CREATE TABLE patients (
  id varchar(32) PRIMARY KEY,
  clinic_id varchar(32) NOT NULL,
  full_name varchar(120) NOT NULL,
  FOREIGN KEY (clinic_id) REFERENCES clinics(id)
);
CREATE TABLE appointments (
  id varchar(32) PRIMARY KEY,
  clinic_id varchar(32) NOT NULL,
  patient_id varchar(32) NOT NULL,
  status ENUM('scheduled','checked_in','completed','cancelled','no_show') NOT NULL DEFAULT 'scheduled',
  scheduled_at datetime(3) NOT NULL,
  duration_minutes int NOT NULL DEFAULT 30,
  cancel_reason varchar(200),
  updated_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  FOREIGN KEY (clinic_id) REFERENCES clinics(id),
  FOREIGN KEY (patient_id) REFERENCES patients(id)
);
INSERT INTO clinics VALUES ('c-north', 'North Clinic'), ('c-south', 'South Clinic');
INSERT INTO patients VALUES ('p-1', 'c-north', 'Ada Example'), ('p-2', 'c-south', 'Bo Example');
INSERT INTO appointments (id, clinic_id, patient_id, status, scheduled_at, duration_minutes)
VALUES ('a-100', 'c-north', 'p-1', 'scheduled', '2026-12-01 09:00:00', 30),
       ('a-200', 'c-south', 'p-2', 'scheduled', '2026-12-01 10:00:00', 45);
`,
} as const;

function col(name: string, data_type: string, type_class: ColumnInfo["type_class"], extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name, data_type, type_class, nullable: false, has_default: false, generated: false, ...extra };
}

function tableOf(name: string, columns: ColumnInfo[], suggestions: TableInfo["suggestions"] = {}): TableInfo {
  return { schema: "public", name, kind: "table", columns, primary_key: ["id"], foreign_keys: [], suggestions };
}

/** The Postgres snapshot of CLINIC_SQL, as inspect would write it (suggestions given explicitly). */
export function clinicSnapshot(): SchemaSnapshot {
  return {
    snapshot_version: 1,
    engine: "postgres",
    database: "clinic",
    tables: [
      tableOf(
        "appointments",
        [
          col("id", "text", "string"),
          col("clinic_id", "text", "string"),
          col("patient_id", "text", "string"),
          col("status", "appointment_status", "string", { has_default: true, enum_values: ["scheduled", "checked_in", "completed", "cancelled", "no_show"] }),
          col("scheduled_at", "timestamp with time zone", "timestamp"),
          col("duration_minutes", "integer", "integer", { has_default: true }),
          col("cancel_reason", "character varying(200)", "string", { nullable: true, max_length: 200 }),
          col("updated_at", "timestamp with time zone", "timestamp", { has_default: true }),
        ],
        { tenant_key: "clinic_id", version_column: "updated_at" },
      ),
      tableOf("clinics", [col("id", "text", "string"), col("name", "character varying(120)", "string", { max_length: 120 })]),
      tableOf(
        "patients",
        [col("id", "text", "string"), col("clinic_id", "text", "string"), col("full_name", "character varying(120)", "string", { max_length: 120 })],
        { tenant_key: "clinic_id" },
      ),
    ],
  };
}
