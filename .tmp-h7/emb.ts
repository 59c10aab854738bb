import { startEmbeddedPostgres } from "/work/wt-conn/operator/demo/embedded-postgres.ts";
import { exampleSql } from "/work/wt-conn/operator/demo/example-files.ts";
import pg from "/work/wt-conn/node_modules/pg/lib/index.js";
const e = await startEmbeddedPostgres({ sql: exampleSql("postgres") });
const c = new pg.Client({ connectionString: e.url, options: "-c TimeZone=UTC -c default_transaction_read_only=on" });
await c.connect();
try { const r = await c.query("SELECT current_setting('transaction_read_only') AS read_only, current_setting('TimeZone') AS time_zone"); console.log(r && r.rows); } catch (err) { console.log("err", err); }
try { const r = await c.query({text: "SELECT current_setting('transaction_read_only') AS read_only, current_setting('TimeZone') AS time_zone", values: []}); console.log(r && r.rows); } catch (err) { console.log("err", err); }
await c.end(); await e.stop();
