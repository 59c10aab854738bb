// The runner's rule for database URLs: an unreadable URL is a configuration error with the fix,
// never an INTERNAL failure, and the URL (it holds the password) is never quoted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { DatabaseConfigurationError, checkConnectionUrl, mysqlTarget } from "../../runtime/db/connection-url.ts";
import { classifyDatabaseError, operatorHint } from "../../runtime/db/classify.ts";
import { describeFailure } from "../../compiler/inspect/failure.ts";

const MALFORMED = {
  "a bad percent escape in the password": { postgres: "postgres://u:Secret%zz@h/db", mysql: "mysql://u:Secret%zz@h/db" },
  "a port above 65535": { postgres: "postgres://u:Secret@h:99999/db", mysql: "mysql://u:Secret@h:99999/db" },
} as const;

for (const [what, urls] of Object.entries(MALFORMED)) {
  for (const engine of ["postgres", "mysql"] as const) {
    test(`${engine}: ${what} is a configuration error that says how to fix it`, () => {
      const url = urls[engine];
      const refused = (err: unknown) =>
        err instanceof DatabaseConfigurationError && /not a valid URL.*percent-encode special characters in the user name and password/.test(err.message) && !err.message.includes("Secret");
      assert.throws(() => checkConnectionUrl(engine, url), refused);
      if (engine === "mysql") assert.throws(() => mysqlTarget(url), refused);
      let err: unknown;
      try {
        checkConnectionUrl(engine, url);
      } catch (e) {
        err = e;
      }
      assert.equal(classifyDatabaseError(err).code, "CONFIGURATION_ERROR");
      assert.match(operatorHint(err, "APP_DB_URL"), /^\$APP_DB_URL: .*not a valid URL/);
      assert.match(describeFailure("connect", err, "APP_DB_URL", 5000), /^\$APP_DB_URL: .*not a valid URL/);
    });
  }
}

test("well-formed URLs with encoded passwords and socket paths pass", () => {
  checkConnectionUrl("postgres", "postgres://u:p%40ss%25@h:5432/db?sslmode=require");
  checkConnectionUrl("postgres", "/var/run/postgresql db");
  checkConnectionUrl("postgres", "postgres://u@/db?host=/var/run/postgresql");
  assert.deepEqual(mysqlTarget("mysql://u:p%40ss@h:3307/db"), { host: "h", port: 3307, user: "u", password: "p@ss", database: "db" });
});
