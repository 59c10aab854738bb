// The capabilities exactly as the build compiles them: config → validate → schema → resolve →
// plan, stopping before emit. `apply` re-checks a stored proposal against them and runs the
// statements they planned; `writeback grants` and `writeback doctor` read the same plan, and
// `tools preview` and `handler stub` show it. The schema comes from the flags, else
// build.schema_snapshot, else the live schema of the source's read URL when that variable is
// set (the same choice `mcp serve` makes).

import type { Contract } from "../../compiler/config/contract.ts";
import type { Diagnostic } from "../../compiler/diagnostics.ts";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import type { BuildPlan, CapabilityPlan } from "../../compiler/plan/capability-plan.ts";
import { loadContract, loadSchema, planContract, type SchemaInput } from "../../compiler/pipeline.ts";
import { chooseServeSchema } from "../serve/schema-source.ts";

export type CompiledContract =
  | {
      ok: true;
      contract: Contract;
      plan: BuildPlan;
      /** The schema the plan was resolved against (a preview lists the columns it leaves out). */
      snapshot: SchemaSnapshot;
      schemaNote?: string;
    }
  | { ok: false; stage: string; diagnostics: Diagnostic[] };

export async function compileCapabilities(input: {
  configPath: string;
  /** From --schema / --from-env; undefined picks the default. */
  schema?: SchemaInput;
  env?: NodeJS.ProcessEnv;
  /** How the calling command spells its snapshot flag, for the fix of a missing schema. */
  snapshotFlag?: string;
}): Promise<CompiledContract> {
  const loaded = loadContract(input.configPath);
  if (!loaded.ok) return loaded;
  const { contract } = loaded;
  const choice = chooseServeSchema(input.schema, contract, input.configPath, input.env ?? process.env, input.snapshotFlag);
  if (!choice.ok) return { ok: false, stage: "resolve", diagnostics: [choice.diagnostic] };
  const snapshot = await loadSchema(choice.input);
  if (!snapshot.ok) return { ok: false, stage: "resolve", diagnostics: [snapshot.diagnostic] };
  const planned = planContract({ contract, snapshot: snapshot.snapshot, configPath: input.configPath, configSha256: loaded.sha256 });
  if (!planned.ok) return planned;
  return { ok: true, contract, plan: planned.plan, snapshot: snapshot.snapshot, ...(choice.note ? { schemaNote: choice.note } : {}) };
}

/** The compiled proposal capability with this name, if the build has one. */
export function compiledProposal(plan: BuildPlan, name: string): CapabilityPlan | undefined {
  return plan.capabilities.find((c) => c.name === name && c.kind === "proposal" && c.proposal !== undefined);
}
