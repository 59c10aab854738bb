// What a tool says about itself for the client: annotations (MCP's readOnlyHint, destructiveHint)
// and a closed input schema. Clients decide whether to ask a person before a call from these.

import type { AuditRule } from "../finding.ts";
import { changesData, writeKind } from "../classify.ts";
import { annotation, isObject, quoted } from "../tool-shape.ts";

export const missingAnnotations: AuditRule = {
  id: "missing-annotations",
  severity: "low",
  summary: "The tool has no annotations, so a client cannot tell a read from a write and treats it as possibly destructive (or, worse, does not ask).",
  check: (list) =>
    list.tools.flatMap((tool) =>
      // A writer without them is reported, graver, by writer-without-destructive-hint.
      !changesData(tool) && (!isObject(tool.annotations) || Object.keys(tool.annotations).length === 0)
        ? [{ tool: tool.name, why: "No annotations: clients cannot tell whether this tool only reads (readOnlyHint) or may destroy data (destructiveHint)." }]
        : [],
    ),
};

export const writerWithoutDestructiveHint: AuditRule = {
  id: "writer-without-destructive-hint",
  severity: "medium",
  summary: "A tool that changes data does not say whether the change is destructive (annotations.destructiveHint), so a client cannot decide to ask a person first.",
  check: (list) =>
    list.tools.flatMap((tool) =>
      changesData(tool) && typeof annotation(tool, "destructiveHint") !== "boolean"
        ? [{ tool: tool.name, why: "Changes data but sets no destructiveHint, so a client cannot tell whether to ask a person before each call." }]
        : [],
    ),
};

export const readOnlyClaimOnWriter: AuditRule = {
  id: "read-only-claim-on-writer",
  severity: "high",
  summary: "The tool claims readOnlyHint: true while its name says it writes, deletes or approves: a client trusting the hint runs it without asking.",
  check: (list) =>
    list.tools.flatMap((tool) => {
      const kind = writeKind(tool);
      return kind !== undefined && annotation(tool, "readOnlyHint") === true
        ? [{ tool: tool.name, why: `Claims readOnlyHint: true but its name's ${quoted(kind.verb)} says it changes data; a client trusting the hint will not ask before running it.` }]
        : [];
    }),
};

export const missingInputSchema: AuditRule = {
  id: "missing-input-schema",
  severity: "medium",
  summary: "The tool has no object inputSchema, so nothing says (or checks) which arguments it takes.",
  check: (list) =>
    list.tools.flatMap((tool) =>
      !isObject(tool.inputSchema) || tool.inputSchema.type !== "object"
        ? [{ tool: tool.name, why: "No inputSchema of type object: the arguments it accepts are undeclared and unchecked." }]
        : [],
    ),
};

export const openInputOnWriter: AuditRule = {
  id: "open-input-on-writer",
  severity: "low",
  summary: "A tool that changes data accepts undeclared arguments (inputSchema.additionalProperties is not false), so a model can pass fields nobody reviewed.",
  check: (list) =>
    list.tools.flatMap((tool) =>
      changesData(tool) && isObject(tool.inputSchema) && tool.inputSchema.type === "object" && tool.inputSchema.additionalProperties !== false
        ? [{ tool: tool.name, why: "Changes data and its inputSchema does not set additionalProperties: false, so arguments nobody declared or reviewed get through." }]
        : [],
    ),
};
