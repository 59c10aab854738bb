// The wizard's preview: the selection through the same generator init uses, planned as `build`
// plans it, shown with `tools preview`'s own renderer. Nothing is written; a selection that would
// not build is shown with its problems instead, so the person can revise the step.

import { validateContract } from "../../../compiler/config/validate.ts";
import type { SchemaSnapshot } from "../../../compiler/inspect/snapshot.ts";
import { planContract } from "../../../compiler/pipeline.ts";
import { terminalSafe } from "../../../runtime/text/terminal-safe.ts";
import { buildToolsPreview, formatToolsPreview } from "../../preview/tools-preview.ts";
import { generateContract } from "../generate.ts";
import type { OnboardingSelection } from "../selection.ts";
import type { WizardPreview } from "./flow.ts";

export async function previewSelection(selection: OnboardingSelection, snapshot: SchemaSnapshot, configLabel: string): Promise<WizardPreview> {
  const generated = generateContract(selection, snapshot);
  if (!generated.ok) {
    return { ok: false, problems: generated.problems.map((p) => `- ${terminalSafe(p.field)}: ${terminalSafe(p.message)}\n  fix: ${terminalSafe(p.fix)}`).join("\n") };
  }
  // The contract as `build` will load it, defaults filled in.
  const validated = validateContract(structuredClone(generated.contract));
  if (!validated.ok) return { ok: false, problems: validated.diagnostics.map((d) => `- ${terminalSafe(d.message)}`).join("\n") };
  const planned = planContract({ contract: validated.value, snapshot, configPath: configLabel, configSha256: "" });
  if (!planned.ok) return { ok: false, problems: planned.diagnostics.map((d) => `- ${terminalSafe(d.message)}\n  fix: ${terminalSafe(d.fix)}`).join("\n") };
  const preview = buildToolsPreview({ contract: validated.value, plan: planned.plan, snapshot, aliasMode: "canonical" });
  return { ok: true, text: formatToolsPreview(preview, configLabel) };
}
