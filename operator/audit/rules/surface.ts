// The list as a whole and the names in it: how much a client loads into every conversation,
// names that collide or break the naming rules, and characters that hide or reorder text.

import type { AuditRule } from "../finding.ts";
import { WHOLE_LIST } from "../finding.ts";
import { describingTexts, inputProperties } from "../tool-shape.ts";
import { UNSAFE_CLASS } from "../../../runtime/text/terminal-safe.ts";

/** Above these a client spends a large part of every context window on tool definitions alone. */
export const TOOL_COUNT_LIMIT = 40;
export const TOOLS_LIST_BYTES_LIMIT = 64 * 1024;

export const oversizedToolList: AuditRule = {
  id: "oversized-tool-list",
  severity: "medium",
  summary: `More than ${TOOL_COUNT_LIMIT} tools or more than ${TOOLS_LIST_BYTES_LIMIT / 1024} KiB of tools/list: every conversation pays for it in context, and models pick the wrong tool more often.`,
  check: (list) => {
    const over: string[] = [];
    if (list.tools.length > TOOL_COUNT_LIMIT) over.push(`${list.tools.length} tools (more than ${TOOL_COUNT_LIMIT})`);
    if (list.bytes > TOOLS_LIST_BYTES_LIMIT) over.push(`${list.bytes} bytes (more than ${TOOLS_LIST_BYTES_LIMIT})`);
    return over.length === 0
      ? []
      : [{ tool: WHOLE_LIST, why: `Oversized: ${over.join(" and ")} go into the model's context on every conversation; expose fewer, task-shaped tools.` }];
  },
};

export const duplicateToolName: AuditRule = {
  id: "duplicate-tool-name",
  severity: "medium",
  summary: "Two tools share a name: which one a call reaches depends on the client.",
  check: (list) => {
    const seen = new Map<string, number>();
    for (const tool of list.tools) seen.set(tool.name, (seen.get(tool.name) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([name, n]) => ({ tool: name, why: `${n} tools share this name: which one a call reaches depends on the client.` }));
  },
};

/** MCP's tool name guidance (spec 2025-11-25): 1 to 128 of ASCII letters, digits, `_`, `-` and `.`. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

export const invalidToolName: AuditRule = {
  id: "invalid-tool-name",
  severity: "low",
  summary: "A tool name is outside MCP's naming guidance (1-128 ASCII letters, digits, _ - .): clients may reject it, and look-alike names are possible.",
  check: (list) =>
    list.tools.flatMap((tool) =>
      TOOL_NAME.test(tool.name) ? [] : [{ tool: tool.name, why: "The name is not 1-128 ASCII letters, digits, _, - or .: clients may reject or mangle it, and it can imitate another tool's name." }],
    ),
};

/** Controls, bidi and invisible characters, except the line breaks and tabs of ordinary prose. */
const HIDDEN = new RegExp(`(?![\\n\\r\\t])${UNSAFE_CLASS}`, "u");

export const hiddenCharacters: AuditRule = {
  id: "hidden-characters",
  severity: "high",
  summary: "A name or description holds control, bidi or invisible characters: text a model reads but a person reviewing the tool does not see as written (a classic tool-poisoning carrier).",
  check: (list) =>
    list.tools.flatMap((tool) => {
      const texts = [tool.name, ...describingTexts(tool), ...inputProperties(tool).map(([name]) => name)];
      return texts.some((t) => HIDDEN.test(t))
        ? [{ tool: tool.name, why: "Hidden characters (terminal escapes, bidi overrides or invisible text) in its name or text: what the model reads differs from what a reviewer sees." }]
        : [];
    }),
};
