// The questions `init --wizard` and `start` ask: from an inspected schema to an
// OnboardingSelection. It only asks and shows; the caller writes files, and only once the
// person confirms the final preview. Ctrl-C or Esc at any prompt throws WizardCancelled.

import type { SchemaSnapshot } from "../../../compiler/inspect/snapshot.ts";
import { terminalSafeLines } from "../../../runtime/text/terminal-safe.ts";
import type { OnboardingSelection } from "../selection.ts";
import { terminalAsker, WizardCancelled, type Asker } from "./prompt.ts";
import { selectionOf, STEPS, type Draft, type Step, type StepContext } from "./steps.ts";

/** What the person sees before confirming: the tools, or why the choices do not build yet. */
export type WizardPreview = { ok: true; text: string } | { ok: false; problems: string };

export interface WizardInput {
  snapshot: SchemaSnapshot;
  /** Env var holding the read URL (a name, never the URL). */
  readUrlEnv: string;
  /** Answers already given by flags; asked again only if missing. */
  given?: Partial<OnboardingSelection>;
  /** Plans the selection and renders the tools preview (terminal-safe text). */
  preview(selection: OnboardingSelection): Promise<WizardPreview>;
  ask?: Asker;
  write?: (text: string) => void;
}

type Next = { kind: "confirm" } | { kind: "revise"; step: Step } | { kind: "cancel" };

export async function askSelection(input: WizardInput): Promise<OnboardingSelection> {
  if (input.snapshot.tables.length === 0) throw new Error("The inspected schema has no tables or views to choose from.");
  const ask = input.ask ?? terminalAsker;
  const write = input.write ?? ((text: string) => process.stdout.write(text));
  const ctx: StepContext = { ask, snapshot: input.snapshot };
  const draft: Draft = { version: 1, engine: input.snapshot.engine, read_url_env: input.readUrlEnv, ...input.given };

  await askMissing(draft, ctx);
  for (;;) {
    const selection = selectionOf(draft);
    if (!selection) {
      await askMissing(draft, ctx);
      continue;
    }
    const preview = await input.preview(selection);
    write(preview.ok ? `\n${preview.text}\n` : `\nThese choices do not build yet:\n${terminalSafeLines(preview.problems)}\n\n`);
    const next = await ask.select<Next>(preview.ok ? "Write these files?" : "Revise a step to fix it:", [
      ...(preview.ok ? [{ label: "Yes, write the files", value: { kind: "confirm" } as Next }] : []),
      ...STEPS.filter((s) => s.applies(draft, ctx)).map((step) => ({ label: `Revise: ${step.title}`, value: { kind: "revise", step } as Next })),
      { label: "Cancel (write nothing)", value: { kind: "cancel" } },
    ]);
    if (next.kind === "confirm") return selection;
    if (next.kind === "cancel") throw new WizardCancelled();
    await next.step.run(draft, ctx);
    await askMissing(draft, ctx);
  }
}

/** Runs, in order, every step that applies and has no answer yet. */
async function askMissing(draft: Draft, ctx: StepContext): Promise<void> {
  for (const step of STEPS) {
    if (step.applies(draft, ctx) && !step.done(draft)) await step.run(draft, ctx);
  }
}
