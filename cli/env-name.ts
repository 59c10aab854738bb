// The CLI's refusal of a value where a variable's name belongs (the rule: runtime/env-name.ts).

import { envNameRefusal, isEnvName } from "../runtime/env-name.ts";
import { CliError } from "./program.ts";

export function envNameOrRefuse(flag: string, value: string): string {
  if (isEnvName(value)) return value;
  throw new CliError(envNameRefusal(flag));
}
