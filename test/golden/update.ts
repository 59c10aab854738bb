// Records what the build does with every golden case (or the ones named):
//   npm run golden:update                 every case
//   npm run golden:update -- mysql-fulfillment fail-json-syntax
// A case that builds gets expected/ rewritten; a case that fails gets stderr.txt (and exit_code
// when the build exits with something other than 1). The case `mcp-efficiency` records the
// output of `benchmark mcp-efficiency` (mcp-efficiency.json and .txt here). Review the diff like
// any code change.

import { discoverCases } from "./cases.ts";
import { EFFICIENCY_CASE, updateEfficiencySnapshots } from "./mcp-efficiency.ts";
import { produceOutcome, updateCase } from "./outcome.ts";

const wanted = process.argv.slice(2);
const all = discoverCases();
const unknown = wanted.filter((name) => name !== EFFICIENCY_CASE && !all.some((c) => c.name === name));
if (unknown.length > 0) {
  process.stderr.write(`No golden case named ${unknown.join(", ")}. Cases: ${[...all.map((c) => c.name), EFFICIENCY_CASE].join(", ")}\n`);
  process.exit(1);
}
if (wanted.length === 0 || wanted.includes(EFFICIENCY_CASE)) process.stdout.write((await updateEfficiencySnapshots()) + "\n");

let refused = 0;
for (const c of wanted.length > 0 ? all.filter((x) => wanted.includes(x.name)) : all) {
  const { status, message } = updateCase(c, await produceOutcome(c));
  if (status === "refused") refused++;
  (status === "refused" ? process.stderr : process.stdout).write(message + "\n");
}
if (refused > 0) process.exitCode = 1;
