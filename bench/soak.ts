// `npm run soak`: the load and fault suite (docs/reliability.md). 2-3 replicas of the compiled
// example behind a round-robin balancer, a private source cluster, 16-64 clients, then the faults:
// a source restart under load and in the idle window, a ledger restart under load (Postgres
// ledger), a stalling and a resetting proxy, racing
// approvals and applies, a replica killed with SIGKILL. Prints a table (or --json); exits 1 when
// any check fails. The short version of the same harness runs in `npm test` (test/e2e/soak.test.ts).

import { SHORT, SOAK, runSoak } from "../test/support/soak/harness.ts";
import type { PhaseReport } from "../test/support/soak/phases.ts";
import { formatReport } from "../test/support/soak/report.ts";
import { LEDGER_NAMES, sqliteFactory } from "../test/support/soak/ledger-backend.ts";
import { parseBenchArgs, usageError, wholeNumber } from "./lib/cli-args.ts";

const USAGE = `Usage: npm run soak -- [options]

  --duration S     seconds of steady load before the faults (default ${SOAK.durationMs / 1000})
  --clients N      concurrent clients, 16 to 64 (default ${SOAK.clients})
  --replicas N     replicas of the compiled server, 2 or 3 (default ${SOAK.replicas})
  --ledger KIND    postgres (default: a database named by the contract's
                   storage.postgres_url_env, in a second private cluster that is restarted
                   once under load; with --short, on the shared server and not restarted) or
                   sqlite (one file shared by the replicas with --allow-concurrent-store)
  --short          the short run's settings (what npm test runs)
  --json           print the report as JSON
  -h, --help       this text

Needs root (pg_createcluster makes private PostgreSQL 15 clusters on free ports, for the source and
the Postgres ledger, dropped at the end).`;

const CLI = { name: "soak", usage: USAGE };

const { values } = parseBenchArgs(CLI, {
  options: {
    duration: { type: "string" },
    clients: { type: "string" },
    replicas: { type: "string" },
    short: { type: "boolean" },
    ledger: { type: "string", default: "postgres" },
    json: { type: "boolean" },
  },
});
if (values.ledger !== "sqlite" && values.ledger !== "postgres") usageError(CLI, `--ledger must be sqlite or postgres, not '${values.ledger}'`);
const began = performance.now();
const base = values.short ? SHORT : SOAK;
const duration = wholeNumber(CLI, "--duration", values.duration, undefined, { min: 1, max: 3600 });
const options = {
  ...base,
  ...(duration !== undefined ? { durationMs: duration * 1000 } : {}),
  clients: wholeNumber(CLI, "--clients", values.clients, base.clients, { min: 16, max: 64 }),
  replicas: wholeNumber(CLI, "--replicas", values.replicas, base.replicas, { min: 2, max: 3 }),
  // The harness's default is the Postgres ledger; --ledger sqlite swaps in the shared file.
  ...(values.ledger === "sqlite" ? { ledger: sqliteFactory, ledgerName: LEDGER_NAMES.sqlite } : {}),
  onPhase: values.json ? undefined : (p: PhaseReport) => {
    console.error(`soak: ${p.name}: ${p.checks.filter((c) => c.ok).length}/${p.checks.length} checks passed (${((performance.now() - began) / 1000).toFixed(0)} s)`);
    for (const c of p.checks) if (!c.ok) console.error(`soak:   FAILED ${c.name}: ${c.detail ?? ""}`);
  },
};
try {
  const report = await runSoak(options);
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  process.exitCode = report.ok ? 0 : 1;
} catch (err) {
  // The set-up failed (no checks ran): say what, without a stack trace.
  console.error(`soak: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
