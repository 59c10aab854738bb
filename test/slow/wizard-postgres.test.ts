// `init --wizard` on Postgres, driven through a pseudo-terminal as a person would: every answer
// typed, the preview read, one step revised, the final confirmation; then the written config
// builds and the built server answers a call. Ctrl-C half-way writes nothing.

import { test } from "node:test";
import { wizardRoundTrip, wizardCancelLeavesNothing } from "../support/wizard-scenarios.ts";

test("init --wizard on Postgres: typed answers, preview, a revision and confirmation give a config that builds and serves", { timeout: 180_000 }, (t) =>
  wizardRoundTrip(t, "postgres"));

test("init --wizard on Postgres: Ctrl-C at a question writes nothing and exits non-zero with one line", { timeout: 120_000 }, (t) =>
  wizardCancelLeavesNothing(t, "postgres"));

test("init --wizard on Postgres: Esc at a question cancels the same way", { timeout: 120_000 }, (t) => wizardCancelLeavesNothing(t, "postgres", "esc"));
