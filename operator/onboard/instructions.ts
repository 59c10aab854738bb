// The agent-instruction block `mcp instructions` prints: the config's tools by role, and the
// rules of the boundary in words a model follows (evidence first; propose, never approve or write).

import type { Contract } from "../../compiler/config/contract.ts";
import { openAiAlias } from "../../compiler/config/rules/names.ts";

export function agentInstructions(contract: Contract, aliasMode: "canonical" | "openai" = "canonical"): { text: string; reads: string[]; proposals: string[] } {
  const shown = (name: string) => (aliasMode === "openai" ? openAiAlias(name) : name);
  const reads = contract.capabilities.filter((c) => c.kind === "read").map((c) => shown(c.name));
  const proposals = contract.capabilities.filter((c) => c.kind === "proposal").map((c) => shown(c.name));
  const lines = ["You work with records through these tools only:"];
  for (const c of contract.capabilities) {
    const role = c.kind === "read" ? "read" : "propose a change";
    lines.push(`- ${shown(c.name)} (${role})${c.description ? `: ${firstSentence(c.description)}` : ""}`);
  }
  lines.push("", "Rules:");
  lines.push(`- Gather evidence first: look the record up with ${orList(reads)} and base every statement on what the tools returned.`);
  if (proposals.length > 0) {
    lines.push(
      `- You can propose a change with ${orList(proposals)}, and only after reading the record. You can never approve, apply or write a change: a person reviews every proposal outside this conversation.`,
      "- Tell the user a proposal is waiting for review; never say a change was made.",
    );
  } else {
    lines.push("- You can only read. You cannot change any record; say so when asked to.");
  }
  lines.push(
    "- The tenant and the user you act for are fixed by the server. Never ask for them or try to pass them as arguments.",
    "- When a tool returns an error, report it in plain words. Do not retry with guessed ids or values.",
  );
  return { text: lines.join("\n") + "\n", reads, proposals };
}

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end === -1 ? text : text.slice(0, end + 1);
}

function orList(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "the read tools";
  return `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}
