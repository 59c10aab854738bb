// Contract rules: checks that relate one part of a schema-valid contract to another
// (names, references, credentials, lookups, patches). They need no database; checks
// against the real schema belong to the resolve stage. Every rule runs and every
// problem is collected, so one `config validate` lists them all.

import type { Contract } from "../contract.ts";
import { pointer, type Diagnostic } from "../../diagnostics.ts";
import type { Report } from "./report.ts";
import { checkNames } from "./names.ts";
import { checkMode, checkReferences, checkSources, checkWriteCredentials } from "./references.ts";
import { checkArguments } from "./arguments.ts";
import { checkLookup } from "./lookup.ts";
import { checkPatch } from "./patch.ts";
import { checkTrustedContextVariables } from "./trusted-context.ts";
import { checkHttpJwt } from "./http-jwt.ts";
import { checkApproval } from "./approval.ts";
import { checkReviewers } from "./reviewers.ts";
import { checkLimits } from "./limits.ts";
import { checkStorage } from "./storage.ts";

export { CONTRACT_RULES, type ContractRuleCode } from "./report.ts";
export { MAX_CAPABILITY_NAME_LENGTH, openAiAlias } from "./names.ts";

export function checkContractRules(contract: Contract): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report: Report = (code, at, message, fix) => diagnostics.push({ code, pointer: at, message, fix });
  checkNames(contract, report);
  checkSources(contract, report);
  checkTrustedContextVariables(contract, report);
  checkHttpJwt(contract, report);
  contract.capabilities.forEach((capability, index) => {
    const at = (...rest: Array<string | number>) => pointer("capabilities", index, ...rest);
    checkMode(contract, capability, at, report);
    checkReferences(contract, capability, at, report);
    checkArguments(capability, at, report);
    checkLookup(capability, at, report);
    if (capability.kind === "proposal") {
      checkPatch(capability, at, report);
      checkApproval(capability, at, report);
    }
  });
  if (contract.reviewers) checkReviewers(contract.reviewers, contract.capabilities, report);
  checkWriteCredentials(contract, report);
  checkLimits(contract, report);
  checkStorage(contract, report);
  return diagnostics;
}
