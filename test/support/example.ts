// Loads the support-billing example (schema, then seed) into a throwaway test database.

import { exampleSql } from "../../operator/demo/example-files.ts";
import type { TestDatabase } from "./databases.ts";

export { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR } from "../../operator/demo/example-files.ts";

export async function seedExample(db: TestDatabase): Promise<void> {
  for (const script of exampleSql(db.engine)) {
    await db.exec(script);
  }
}
