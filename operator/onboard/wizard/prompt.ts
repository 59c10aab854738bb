// The one module that talks to enquirer. Its own typings only declare the generic `prompt()`
// function, so the few prompt classes the wizard uses are typed here, and every question returns
// a plain value or throws WizardCancelled (Ctrl-C or Esc). Choices are identified by position,
// never by their label, so a hostile column name can neither collide with another choice nor
// reach the screen unescaped: the caller passes labels already made terminal-safe.

import readline from "node:readline";
import enquirer from "enquirer";

/** The person pressed Ctrl-C or Esc; nothing has been written. */
export class WizardCancelled extends Error {
  constructor() {
    super("cancelled");
  }
}

export interface Choice<T> {
  /** Terminal-safe label. */
  label: string;
  /** Terminal-safe hint shown after the label. */
  hint?: string;
  value: T;
}

/** The questions the wizard asks; an interface so a flow can be exercised without a terminal. */
export interface Asker {
  select<T>(message: string, choices: Array<Choice<T>>, initial?: number): Promise<T>;
  /** At least one choice unless `allowNone`. */
  multiselect<T>(message: string, choices: Array<Choice<T> & { selected?: boolean }>, options?: { allowNone?: boolean }): Promise<T[]>;
  /** `validate` returns undefined when the text is acceptable, otherwise what is wrong. */
  input(message: string, options?: { initial?: string; validate?: (text: string) => string | undefined }): Promise<string>;
  confirm(message: string, initial: boolean): Promise<boolean>;
}

interface EnquirerChoice {
  name: string;
  message: string;
  hint?: string;
}

interface PromptInstance {
  run(): Promise<unknown>;
}

type PromptClass = new (options: Record<string, unknown>) => PromptInstance;

const classes = enquirer as unknown as { Select: PromptClass; MultiSelect: PromptClass; Input: PromptClass; Confirm: PromptClass };

/**
 * Since Node 24.2 a readline interface closes itself on Ctrl-C when nothing listens for its
 * SIGINT, and enquirer 2.4.1 then calls pause() on the closed interface: an uncaught
 * ERR_USE_AFTER_CLOSE instead of a cancelled prompt (enquirer issue #483, fix not released).
 * While a prompt runs, each interface enquirer creates gets a SIGINT listener, so it stays open
 * and enquirer handles the Ctrl-C keypress itself, as a cancel.
 */
function keepInterfaceOpenOnCtrlC(): () => void {
  const original = readline.createInterface;
  readline.createInterface = function (this: unknown, ...args: Parameters<typeof original>) {
    const rl = original.apply(readline, args);
    rl.on("SIGINT", () => undefined);
    return rl;
  } as typeof original;
  return () => {
    readline.createInterface = original;
  };
}

async function run(prompt: PromptInstance): Promise<unknown> {
  const restore = keepInterfaceOpenOnCtrlC();
  try {
    return await prompt.run();
  } catch (err) {
    // enquirer rejects a cancelled prompt with an empty string; anything else is a real failure.
    if (err === "" || err === undefined) throw new WizardCancelled();
    throw err;
  } finally {
    restore();
  }
}

function toEnquirer<T>(choices: Array<Choice<T>>): EnquirerChoice[] {
  return choices.map((c, i) => ({ name: String(i), message: c.label, ...(c.hint !== undefined ? { hint: c.hint } : {}) }));
}

interface ChoicePromptState {
  state: { submitted: boolean; cancelled: boolean };
  selected: EnquirerChoice | EnquirerChoice[] | undefined;
  styles: { primary(text: string): string };
}

/** After an answer, enquirer shows the choice's name (here its position): show its label instead. */
function showLabels<T>(choices: Array<Choice<T>>) {
  return function format(this: ChoicePromptState): string {
    if (!this.state.submitted || this.state.cancelled || this.selected === undefined) return "";
    const picked = Array.isArray(this.selected) ? this.selected : [this.selected];
    return picked.map((c) => this.styles.primary(choices[Number(c.name)]!.label)).join(", ");
  };
}

export const terminalAsker: Asker = {
  async select(message, choices, initial = 0) {
    const picked = await run(new classes.Select({ name: "value", message, choices: toEnquirer(choices), initial, format: showLabels(choices) }));
    return choices[Number(picked)]!.value;
  },
  async multiselect(message, choices, options = {}) {
    const picked = await run(
      new classes.MultiSelect({
        name: "value",
        message: `${message} (space toggles, enter accepts)`,
        choices: toEnquirer(choices),
        format: showLabels(choices),
        initial: choices.flatMap((c, i) => (c.selected ? [String(i)] : [])),
        validate: (value: string[]) => (options.allowNone || value.length > 0 ? true : "Choose at least one (space toggles)."),
      }),
    );
    return (picked as string[]).map((i) => choices[Number(i)]!.value);
  },
  async input(message, options = {}) {
    const answer = await run(
      new classes.Input({
        name: "value",
        message,
        ...(options.initial !== undefined ? { initial: options.initial } : {}),
        validate: (text: string) => options.validate?.(text.trim()) ?? true,
      }),
    );
    return String(answer ?? "").trim();
  },
  async confirm(message, initial) {
    return Boolean(await run(new classes.Confirm({ name: "value", message, initial })));
  },
};
