// Golden cases: each compiles a checked-in config + schema snapshot and compares the
// generated sources and manifest byte for byte with test/golden/<case>/expected/.
// Regenerate with `npm run golden:update` and review the diff like any code change.

import { fileURLToPath } from "node:url";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export interface GoldenCase {
  name: string;
  config: string;
  schema: string;
  expectedDir: string;
}

export const GOLDEN_CASES: GoldenCase[] = [
  {
    name: "support-billing",
    config: here("../../examples/support-billing/synapsor.runner.json"),
    schema: here("../../examples/support-billing/synapsor.schema.json"),
    expectedDir: here("./support-billing/expected"),
  },
];
