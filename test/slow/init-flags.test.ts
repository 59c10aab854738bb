// `init` as a new user runs it, on an unfamiliar clinic schema, on Postgres and MySQL: the
// acceptance line from issue 8 writes a config that `build --from-env` accepts and whose server
// serves a read and a proposal to the SDK's real client; --spec, --inspection-json and --append
// produce configs that build; refusals name the fix; and no planted secret (database passwords,
// tokens) reaches any file init writes, any `mcp config` snippet or `config show --redacted`.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";
import { connectStdio, envelopeOf, tempDir } from "../support/compiled-server.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { CLINIC_SQL } from "../support/clinic-schema.ts";

const READ_PASSWORD = "Rd-planted-7f3a9c41";
const WRITE_PASSWORD = "Wr-planted-2b8e1d77";
const TOKEN = "tok-planted-5c1e0a93";
const PLANTED = [READ_PASSWORD, WRITE_PASSWORD, TOKEN];

/** Every file under a directory, recursively (the directory init wrote into). */
function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

function assertNoSecret(text: string, where: string): void {
  for (const secret of PLANTED) assert.ok(!text.includes(secret), `${where} contains a planted secret`);
}

for (const engine of ["postgres", "mysql"] as const) {
  describe(`init on ${engine}`, () => {
    let db: TestDatabase;
    let env: NodeJS.ProcessEnv;
    const users: string[] = [];

    before(async () => {
      db = await createDatabase(engine, "srinit");
      await db.exec(CLINIC_SQL[engine]);
      let readUrl: string;
      let writeUrl: string;
      if (engine === "mysql") {
        const reader = `ir_${db.name.slice(-8)}`;
        const writer = `iw_${db.name.slice(-8)}`;
        users.push(reader, writer);
        await db.exec(
          `CREATE USER '${reader}'@'%' IDENTIFIED BY '${READ_PASSWORD}'; GRANT SELECT ON \`${db.name}\`.* TO '${reader}'@'%';
           CREATE USER '${writer}'@'%' IDENTIFIED BY '${WRITE_PASSWORD}'; GRANT SELECT, UPDATE ON \`${db.name}\`.* TO '${writer}'@'%';`,
        );
        readUrl = `mysql://${reader}:${READ_PASSWORD}@127.0.0.1:3306/${db.name}`;
        writeUrl = `mysql://${writer}:${WRITE_PASSWORD}@127.0.0.1:3306/${db.name}`;
      } else {
        // Local Postgres uses trust auth, which accepts (and ignores) the passwords.
        const u = new URL(db.url);
        u.password = READ_PASSWORD;
        readUrl = u.toString();
        u.password = WRITE_PASSWORD;
        writeUrl = u.toString();
      }
      env = {
        ...process.env,
        CLINIC_READ_URL: readUrl,
        CLINIC_WRITE_URL: writeUrl,
        CLINIC_ID: "c-north",
        CLINIC_STAFF: "front-desk-3",
        SYNAPSOR_HTTP_TOKEN: TOKEN,
        APP_HANDLER_TOKEN: TOKEN,
        APP_HANDLER_URL: `http://127.0.0.1:9/writeback?key=${TOKEN}`,
      };
    });

    after(async () => {
      for (const user of users) await db.exec(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
      await db?.drop();
    });

    const cli = (args: string[], cwd: string) => runCli(args, { env, cwd });

    test("the acceptance line writes a config that builds and serves a read and a proposal", async () => {
      const dir = tempDir("synapsor-init-");
      const init = await cli(
        [
          "init", "--non-interactive", "--from-env", "CLINIC_READ_URL", "--table", "appointments", "--tenant-column", "clinic_id",
          "--primary-key", "id", "--mode", "review", "--read-tool", "clinic.inspect_appointment", "--proposal-tool", "clinic.propose_cancellation",
          "--patch", "cancel_reason=arg:reason,duration_minutes=fixed:15", "--patch-bounds", "duration_minutes=5:120",
          "--status-guards", "status=scheduled:cancelled", "--conflict-column", "updated_at", "--visible-columns", "status,scheduled_at,cancel_reason",
          "--tenant-env", "CLINIC_ID", "--principal-env", "CLINIC_STAFF", "--write-url-env", "CLINIC_WRITE_URL", "--out", "clinic.runner.json",
        ],
        dir,
      );
      assert.equal(init.code, 0, init.stderr);
      for (const file of ["clinic.runner.json", "synapsor.schema.json", ".env.example", ".synapsor/clients/clinic.runner.generic.json", ".synapsor/clients/clinic.runner.claude-desktop.json"]) {
        assert.ok(existsSync(join(dir, file)), `${file} was written`);
      }
      const config = JSON.parse(readFileSync(join(dir, "clinic.runner.json"), "utf8"));
      assert.equal(config.capabilities[1].patch.duration_minutes.fixed, 15, "a fixed value is typed from its integer column");
      assert.equal(config.build.schema_snapshot, "./synapsor.schema.json");

      const build = await cli(["build", "--config", "clinic.runner.json", "--out", "out", "--from-env", "CLINIC_READ_URL"], dir);
      assert.equal(build.code, 0, build.stderr + build.stdout);

      const session = await connectStdio(join(dir, "out", "server.mjs"), dir, {
        CLINIC_READ_URL: env.CLINIC_READ_URL!,
        CLINIC_ID: "c-north",
        CLINIC_STAFF: "front-desk-3",
      }, ["--store", join(dir, "ledger.db")]);
      try {
        const tools = (await session.client.listTools()).tools.map((t) => t.name).sort();
        assert.deepEqual(tools, ["clinic.inspect_appointment", "clinic.propose_cancellation"]);
        const read = envelopeOf(await session.client.callTool({ name: "clinic.inspect_appointment", arguments: { id: "a-100" } }));
        assert.equal(read.ok, true, read.summary);
        assert.equal(JSON.stringify(read).includes("a-100"), true);
        const other = envelopeOf(await session.client.callTool({ name: "clinic.inspect_appointment", arguments: { id: "a-200" } }));
        assert.equal(other.ok, false, "another clinic's appointment is not visible");
        const proposal = envelopeOf(await session.client.callTool({ name: "clinic.propose_cancellation", arguments: { id: "a-100", reason: "patient called to cancel" } }));
        assert.equal(proposal.ok, true, proposal.summary);
        assert.deepEqual(proposal.proposal.diff.status, { before: "scheduled", proposed: "cancelled" });
      } finally {
        await session.close();
      }

      // Secrets: none in any file init or build's config names, the snippets, or what the operator commands print.
      for (const file of allFiles(dir).filter((f) => !f.includes(`${join(dir, "out")}`) && !f.endsWith(".db") && !f.includes(".db-"))) {
        assertNoSecret(readFileSync(file, "utf8"), file);
      }
      const example = readFileSync(join(dir, ".env.example"), "utf8");
      for (const name of ["CLINIC_READ_URL", "CLINIC_ID", "CLINIC_STAFF", "SYNAPSOR_HTTP_TOKEN"]) assert.match(example, new RegExp(`^${name}=$`, "m"));
      assert.doesNotMatch(example, /^CLINIC_WRITE_URL=/m, "the writer credential is not in the file the server loads");
      assert.match(readFileSync(join(dir, ".env.apply.example"), "utf8"), /^CLINIC_WRITE_URL=$/m);
      // The operator commands only read the config: side by side, not one after another.
      const clients = ["generic", "claude-desktop", "cursor", "openai-agents"];
      const [snippets, shown, instructions] = await Promise.all([
        Promise.all(clients.map((client) => cli(["mcp", "config", client, "--config", "clinic.runner.json", "--store", ".synapsor/local.db"], dir))),
        cli(["config", "show", "--config", "clinic.runner.json", "--redacted"], dir),
        cli(["mcp", "instructions", "--config", "clinic.runner.json"], dir),
      ]);
      for (const [i, client] of clients.entries()) {
        const snippet = snippets[i]!;
        assert.equal(snippet.code, 0, snippet.stderr);
        const parsed = JSON.parse(snippet.stdout);
        assertNoSecret(snippet.stdout + snippet.stderr, `mcp config ${client}`);
        if (client === "openai-agents") {
          assert.equal(parsed.auth.token_env, "SYNAPSOR_HTTP_TOKEN");
          assert.ok(parsed.start_server.args.includes("serve-streamable-http") && parsed.start_server.args.includes("openai"));
        } else {
          const server = parsed.mcpServers["synapsor-runner"];
          assert.ok(server.args.includes("--env-file") && server.args.includes(join(dir, ".env")), "secrets come from the env file");
          assert.ok(server.args.includes(join(dir, "clinic.runner.json")), "absolute config path");
        }
      }
      assert.equal(shown.code, 0, shown.stderr);
      assertNoSecret(shown.stdout + shown.stderr, "config show --redacted");

      assert.equal(instructions.code, 0, instructions.stderr);
      assert.match(instructions.stdout, /Gather evidence first: look the record up with clinic\.inspect_appointment/);
      assert.match(instructions.stdout, /never approve, apply or write/);
    });

    test("--spec produces a config that builds, and a spec mistake points at its JSON path", async () => {
      const dir = tempDir("synapsor-init-spec-");
      const spec = {
        version: 1,
        engine,
        mode: "review",
        read_url_env: "CLINIC_READ_URL",
        schema: engine === "postgres" ? "public" : db.name,
        table: "appointments",
        primary_key: "id",
        tenant_column: "clinic_id",
        conflict_column: "updated_at",
        namespace: "clinic",
        object_name: "appointment",
        visible_columns: ["id", "status", "scheduled_at"],
        patch: { scheduled_at: { from_arg: "new_time" } },
        writeback: { type: "http_handler", url_env: "APP_HANDLER_URL", token_env: "APP_HANDLER_TOKEN" },
        tenant_env: "CLINIC_ID",
        principal_env: "CLINIC_STAFF",
      };
      writeFileSync(join(dir, "selection.json"), JSON.stringify(spec));
      const init = await cli(["init", "--spec", "selection.json", "--non-interactive", "--emit-handler", "--json"], dir);
      assert.equal(init.code, 0, init.stderr);
      const records = JSON.parse(init.stdout);
      assert.deepEqual(records.tools.map((t: { name: string }) => t.name), ["clinic.inspect_appointment", "clinic.propose_appointment_update"]);
      assert.ok(records.written.some((w: { kind: string }) => w.kind === "handler"), "the handler stub was written");
      const config = JSON.parse(readFileSync(join(dir, "synapsor.runner.json"), "utf8"));
      assert.equal(config.sources.app_db.write_url_env, undefined, "a handler config names no database writer");
      const build = await cli(["build", "--config", "synapsor.runner.json", "--out", "out"], dir);
      assert.equal(build.code, 0, build.stderr + build.stdout);
      for (const file of allFiles(dir).filter((f) => !f.includes(join(dir, "out")))) assertNoSecret(readFileSync(file, "utf8"), file);

      writeFileSync(join(dir, "bad.json"), JSON.stringify({ ...spec, patch: { scheduled_at: { from_argument: "x" } } }));
      const bad = await cli(["init", "--spec", "bad.json", "--out", "other.json"], dir);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /spec \/patch\/scheduled_at\/from_argument: .*Did you mean 'from_arg'\?/);
      assert.ok(!existsSync(join(dir, "other.json")));
    });

    test("--inspection-json builds from the saved snapshot, and --append adds a list tool keeping the config", async () => {
      const dir = tempDir("synapsor-init-snap-");
      const inspect = await cli(["inspect", "--from-env", "CLINIC_READ_URL", "--json", "--output", "schema.json"], dir);
      assert.equal(inspect.code, 0, inspect.stderr);
      const init = await cli(
        ["init", "--inspection-json", "schema.json", "--table", "appointments", "--tenant-column", "clinic_id", "--mode", "read_only", "--tenant-env", "CLINIC_ID", "--principal-env", "CLINIC_STAFF"],
        dir,
      );
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stdout, /primary key 'id' taken from the table/);
      const config = JSON.parse(readFileSync(join(dir, "synapsor.runner.json"), "utf8"));
      assert.equal(config.build.schema_snapshot, "./schema.json");
      assert.equal(config.sources.app_db.read_url_env, "DATABASE_URL");

      const append = await cli(
        ["init", "--append", "--inspection-json", "schema.json", "--table", "patients", "--tenant-column", "clinic_id", "--mode", "read_only", "--list-tool", "--filters", "full_name", "--order-by", "full_name:asc", "--max-rows", "10"],
        dir,
      );
      assert.equal(append.code, 0, append.stderr);
      const merged = JSON.parse(readFileSync(join(dir, "synapsor.runner.json"), "utf8"));
      assert.deepEqual(merged.capabilities.map((c: { name: string }) => c.name), ["appointments.inspect_appointment", "patients.inspect_patient", "patients.list_patients"]);
      assert.equal(merged.trusted_context.values.tenant_id_env, "CLINIC_ID", "the existing trusted context is kept");
      const build = await cli(["build", "--config", "synapsor.runner.json", "--out", "out"], dir);
      assert.equal(build.code, 0, build.stderr + build.stdout);

      const clash = await cli(["init", "--append", "--inspection-json", "schema.json", "--table", "patients", "--tenant-column", "clinic_id", "--mode", "read_only"], dir);
      assert.equal(clash.code, 1);
      assert.match(clash.stderr, /already has a tool named 'patients\.inspect_patient'/);
      assert.match(clash.stderr, /--read-tool/);
      const otherSource = await cli(["init", "--append", "--from-env", "CLINIC_WRITE_URL", "--table", "patients", "--tenant-column", "clinic_id", "--namespace", "elsewhere", "--mode", "read_only"], dir);
      assert.equal(otherSource.code, 1);
      assert.match(otherSource.stderr, /--from-env DATABASE_URL/);
    });

    test("--preconditions build into a proposal that is refused while the row does not hold the value", async () => {
      const dir = tempDir("synapsor-init-pre-");
      const init = await cli(
        [
          "init", "--from-env", "CLINIC_READ_URL", "--table", "appointments", "--tenant-column", "clinic_id", "--namespace", "clinic",
          "--patch", "cancel_reason=arg:note", "--preconditions", "status=checked_in|completed", "--write-url-env", "CLINIC_WRITE_URL",
          "--tenant-env", "CLINIC_ID", "--principal-env", "CLINIC_STAFF",
        ],
        dir,
      );
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stdout, /mode review \(a patch was given/);
      assert.match(init.stdout, /conflict column 'updated_at' guessed/);
      const build = await cli(["build", "--config", "synapsor.runner.json", "--out", "out"], dir);
      assert.equal(build.code, 0, build.stderr + build.stdout);
      const session = await connectStdio(join(dir, "out", "server.mjs"), dir, { CLINIC_READ_URL: env.CLINIC_READ_URL!, CLINIC_ID: "c-north", CLINIC_STAFF: "front-desk-3" }, [
        "--store",
        join(dir, "ledger.db"),
      ]);
      try {
        const refused = envelopeOf(await session.client.callTool({ name: "clinic.propose_appointment_update", arguments: { id: "a-100", note: "late" } }));
        assert.equal(refused.ok, false, "a-100 is scheduled, not checked_in or completed");
      } finally {
        await session.close();
      }
    });

    test("refusals name the fix and write nothing", async () => {
      const dir = tempDir("synapsor-init-refuse-");
      const base = ["init", "--from-env", "CLINIC_READ_URL", "--table", "appointments", "--tenant-column", "clinic_id"];

      // Three refusals in one empty directory, side by side: none may write anything.
      const [noPatch, typo, pasted] = await Promise.all([
        cli([...base, "--mode", "review", "--write-url-env", "CLINIC_WRITE_URL"], dir),
        cli([...base, "--visible-columns", "status,sheduled_at"], dir),
        cli([...base, "--write-url-env", env.CLINIC_WRITE_URL!, "--mode", "review", "--patch", "cancel_reason=arg:reason"], dir),
      ]);
      assert.equal(noPatch.code, 1);
      assert.match(noPatch.stderr, /--patch: Review mode creates a proposal tool/);
      assert.match(noPatch.stderr, /--mode read_only/);

      assert.equal(typo.code, 1);
      assert.match(typo.stderr, /Column 'sheduled_at' does not exist/);
      assert.match(typo.stderr, /Did you mean 'scheduled_at'\?/);
      assert.deepEqual(readdirSync(dir), [], "nothing was written");

      assert.equal(pasted.code, 1);
      assert.match(pasted.stderr, /--write-url-env takes the NAME of an environment variable/);
      assertNoSecret(pasted.stdout + pasted.stderr, "the refusal of a pasted URL");
      assert.ok(!pasted.stderr.includes("127.0.0.1"), "the URL is not echoed");

      const first = await cli(base, dir);
      assert.equal(first.code, 0, first.stderr);
      const before = readFileSync(join(dir, "synapsor.runner.json"), "utf8");
      const again = await cli([...base, "--visible-columns", "status"], dir);
      assert.equal(again.code, 1);
      for (const file of ["synapsor.runner.json", "synapsor.schema.json", "generic.json", "claude-desktop.json"]) assert.match(again.stderr, new RegExp(file.replace(".", "\\.")));
      assert.match(again.stderr, /--force/);
      assert.equal(readFileSync(join(dir, "synapsor.runner.json"), "utf8"), before, "the existing config is untouched");
      const token = await cli(["mcp", "config", "openai-agents", "--config", "synapsor.runner.json", "--store", "s.db", "--auth-token-env", TOKEN], dir);
      assert.equal(token.code, 1);
      assert.equal(token.stdout, "");
      assertNoSecret(token.stderr, "the refusal of a pasted token");

      const forced = await cli([...base, "--visible-columns", "status", "--force"], dir);
      assert.equal(forced.code, 0, forced.stderr);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, "synapsor.runner.json"), "utf8")).capabilities[0].visible_columns, ["id", "status"]);
    });
  });
}

test("init --wizard reaches the wizard seam, not the flags", async () => {
  const dir = tempDir("synapsor-init-wizard-");
  mkdirSync(dir, { recursive: true });
  const result = await runCli(["init", "--wizard", "--non-interactive"], { cwd: dir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /--wizard asks questions and --non-interactive forbids them/);
});
