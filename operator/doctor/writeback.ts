// `--check-writeback`: the rollback-only probes of `writeback doctor` (operator/writeback/doctor.ts),
// each result renamed into the doctor's categories.

import type { BuildPlan } from "../../compiler/plan/capability-plan.ts";
import { runDoctor, type DoctorCheck as WriterCheck } from "../writeback/doctor.ts";
import { failed, passed, warned, type Category, type DoctorCheck } from "./check.ts";

const CATEGORY: Record<Exclude<WriterCheck["status"], "ok" | "not_configured">, Category> = {
  connection_failed: "connection",
  authentication_failed: "authentication",
  permission_denied: "permission",
  object_not_found: "object_not_found",
  failed: "permission",
};

const FIX: Record<Category, string> = {
  connection: "Check the host, port and database of the writer URL and that the server is running.",
  authentication: "Check the user name and password in the writer URL.",
  permission: "Run the DDL from `synapsor-runner writeback migration` and the GRANTs from `synapsor-runner writeback grants --config …` as an administrator.",
  object_not_found: "Create the receipts table (`synapsor-runner writeback migration`) or fix the table the capability names.",
  credentials_shared: "Give the writer its own login, separate from the read URL.",
  environment: "Export the writer URL where proposals are applied.",
  config: "",
  type_mismatch: "",
  read_only_session: "",
  store: "",
  boundary: "",
  handler: "",
};

export async function checkWriteback(plan: BuildPlan, env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const results = await runDoctor(plan, env);
  return results.map((r) => {
    const name = `writeback.${r.source}.${r.check.replace(/\s+/g, ".")}`;
    if (r.status === "ok") return passed(name, r.check === "connect" ? "connection" : "permission", r.message);
    if (r.status === "not_configured") return warned(name, "environment", r.message, r.source === "-" ? "Nothing to probe; --check-writeback applies to sql_update proposals." : FIX.environment);
    // The same URL for reading and writing is reported by the credentials check too; here it keeps its category.
    const category = r.check === "credential" ? "credentials_shared" : CATEGORY[r.status];
    return failed(name, category, r.message, FIX[category]);
  });
}
