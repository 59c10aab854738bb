// A small clinic schema for the wizard tests, and the keystrokes a person types to answer the
// wizard's questions for it. The tests drive the real CLI on a pseudo-terminal with these.

import type { TestDatabase } from "./databases.ts";
import { KEYS, type PtySession } from "./pty.ts";

/** A column name no terminal should receive raw: a right-to-left override hides what follows. */
export const HOSTILE_COLUMN = "memo\u202Etxt.exe";

/** Two tables: clinics, and appointments (the one chosen), with an enum status and a hostile column. */
export async function createClinicSchema(db: TestDatabase): Promise<void> {
  if (db.engine === "postgres") {
    await db.exec(`
      CREATE TYPE appointment_status AS ENUM ('scheduled', 'confirmed', 'cancelled');
      CREATE TABLE clinics (id integer PRIMARY KEY, name text NOT NULL);
      CREATE TABLE appointments (
        id integer PRIMARY KEY,
        clinic_id integer NOT NULL REFERENCES clinics(id),
        status appointment_status NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        fee_cents integer NOT NULL,
        note text,
        "${HOSTILE_COLUMN}" text
      );
      INSERT INTO clinics VALUES (1, 'North'), (2, 'South');
      INSERT INTO appointments (id, clinic_id, status, fee_cents, note) VALUES
        (101, 1, 'scheduled', 2500, 'first visit'), (102, 1, 'confirmed', 4000, 'follow-up'), (201, 2, 'scheduled', 1000, 'other clinic');`);
    return;
  }
  await db.exec(`
    CREATE TABLE clinics (id int PRIMARY KEY, name varchar(100) NOT NULL);
    CREATE TABLE appointments (
      id int PRIMARY KEY,
      clinic_id int NOT NULL,
      status ENUM('scheduled', 'confirmed', 'cancelled') NOT NULL,
      updated_at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      fee_cents int NOT NULL,
      note varchar(200),
      \`${HOSTILE_COLUMN}\` varchar(50),
      FOREIGN KEY (clinic_id) REFERENCES clinics(id)
    );
    INSERT INTO clinics VALUES (1, 'North'), (2, 'South');
    INSERT INTO appointments (id, clinic_id, status, fee_cents, note) VALUES
      (101, 1, 'scheduled', 2500, 'first visit'), (102, 1, 'confirmed', 4000, 'follow-up'), (201, 2, 'scheduled', 1000, 'other clinic');`);
}

/**
 * Answers every question for appointments in review mode: namespace `clinic`, a patch of
 * fee_cents from an argument bounded 0..5000, and a transition guard status scheduled → confirmed
 * chosen from the enum's labels. Stops at the final "Write these files?" question.
 */
export async function answerClinicReview(p: PtySession): Promise<void> {
  await p.answer("Which table", KEYS.enter); // appointments sorts first
  await p.answer("Primary key", KEYS.enter); // id, the table's key
  await p.answer("Tenant key", KEYS.enter); // clinic_id, suggested
  await p.answer("Version column", KEYS.enter); // updated_at, suggested
  await p.answer("Columns the model may see", KEYS.enter); // the defaults
  await p.answer("Mode:", KEYS.down, KEYS.enter); // review
  await p.answer("Tool namespace:", KEYS.clearLine, ..."clinic", KEYS.enter);
  await p.answer("Object name", KEYS.enter);
  await p.answer("Read tool name:", KEYS.enter);
  await p.answer("Argument carrying the primary key:", KEYS.enter);
  await p.answer("Proposal tool name:", KEYS.enter);
  // Patchable, in table order: status, fee_cents, note, the hostile column.
  await p.answer("Columns a proposal may change", KEYS.down, KEYS.space, KEYS.enter);
  await p.answer("How does a proposal set fee_cents?", KEYS.enter); // from an argument
  await p.answer("Argument name for fee_cents:", KEYS.enter);
  await p.answer("Minimum for fee_cents", ..."0", KEYS.enter);
  await p.answer("Maximum for fee_cents", ..."5000", KEYS.enter);
  await p.answer("Add a guard on the row's current state?", KEYS.down, KEYS.enter); // a transition guard
  await p.answer("Which column?", KEYS.enter); // status, the enum, offered first
  await p.answer("Allowed current values of status", KEYS.space, KEYS.enter); // scheduled
  await p.answer("Value the proposal sets status to", KEYS.down, KEYS.enter); // confirmed
  await p.answer("Add another?", KEYS.enter); // no more guards
  await p.answer("How is an approved proposal written?", KEYS.enter); // sql_update
  await p.answer("Env var holding the writer URL:", KEYS.enter);
  await p.answer("tenant id from:", KEYS.enter);
  await p.answer("(the principal):", KEYS.enter);
}

/** From the final menu: revise the visible columns, dropping `note` (the third candidate after id). */
export async function reviseVisibleColumnsDroppingNote(p: PtySession): Promise<void> {
  await p.waitFor("Write these files?");
  // Menu: Yes, Revise: table, Revise: keys, Revise: visible columns, …
  await p.send(KEYS.down, KEYS.down, KEYS.down, KEYS.enter);
  // Candidates in table order without the key: clinic_id, status, updated_at, fee_cents, note, hostile.
  await p.answer("Columns the model may see", KEYS.down, KEYS.down, KEYS.down, KEYS.down, KEYS.space, KEYS.enter);
}

/** Visible characters that stand for HOSTILE_COLUMN on a screen: its override escaped. */
export const HOSTILE_COLUMN_SHOWN = JSON.stringify(HOSTILE_COLUMN).replace("\u202E", "\\u202e");
