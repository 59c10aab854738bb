// What a tool's descriptive text gives away: credentials, and where the data lives (connection
// strings, internal hosts, addresses). Every client and every model that connects reads them.

import type { AuditRule } from "../finding.ts";
import { describingTexts } from "../tool-shape.ts";

/**
 * Each pattern with what it found, for the finding's sentence. Values are never quoted back.
 * The text is the audited server's, so no pattern may take more than linear time: one that starts
 * with a repeated class begins only where that class's run begins (a one-character lookbehind, not
 * \b, which inside `a.a.a…` holds at every character), so a run is tried once, not at each of its
 * characters (test/unit/audit-rules.test.ts feeds it 300 KB hostile shapes).
 */
const CREDENTIALS: ReadonlyArray<[RegExp, string]> = [
  [/(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:[^\s@/]+@/i, "a URL with a user name and password"],
  [/\b(password|passwd|pwd|secret|api[_-]?key|access[_-]?key|auth[_-]?token|client[_-]?secret|token)\s*=\s*['"]?[^\s'"&;,)]{3,}/i, "a password or key assignment"],
  [/\b(password|passwd|secret|api[_-]?key|token)\s*:\s*['"][^'"\s]{3,}['"]/i, "a quoted password or key"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/(?<![\w-])(sk|rk)[-_](live|test|proj)?[-_]?[A-Za-z0-9]{20,}\b/, "an API secret key"],
  [/\b(ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}\b/, "a GitHub token"],
  [/(?<![\w-])xox[abprs]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\bBearer\s+[A-Za-z0-9._~+/-]{20,}=*/, "a bearer token"],
  [/(?<![\w-])eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/, "a JSON Web Token"],
];

const LOCATIONS: ReadonlyArray<[RegExp, string]> = [
  [/\b(postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|mssql|sqlserver|oracle|clickhouse|cockroachdb|snowflake):\/\/\S+/i, "a database connection string"],
  [/\bjdbc:[a-z0-9]+:\S+/i, "a JDBC connection string"],
  [/\b(host|hostaddr|server|data source|dbname|database)\s*=\s*[^\s;'"]+/i, "connection parameters"],
  [/\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/, "an IP address"],
  [/\blocalhost(?::\d+)?\b/i, "a local host name"],
  [/(?<![a-z0-9.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:internal|local|localdomain|lan|corp|intranet|intra|private|svc|home\.arpa)\b/i, "an internal host name"],
  [/(?<![a-z0-9.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}:\d{2,5}\b/i, "a host and port"],
];

/** "a", "a and b", "a, b and c". */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

function found(patterns: ReadonlyArray<[RegExp, string]>, texts: readonly string[]): string[] {
  const what = new Set<string>();
  for (const [pattern, label] of patterns) if (texts.some((t) => pattern.test(t))) what.add(label);
  return [...what];
}

export const credentialInDescription: AuditRule = {
  id: "credential-in-description",
  severity: "critical",
  summary: "A description or schema text holds a credential (a URL with a password, password=, an API key or token): every client and model that lists the tools can read it.",
  check: (list) =>
    list.tools.flatMap((tool) => {
      const what = found(CREDENTIALS, describingTexts(tool));
      return what.length === 0
        ? []
        : [{ tool: tool.name, why: `Its text holds ${listed(what)}: anyone who can list the tools, the model included, can read it; rotate it and take it out.` }];
    }),
};

export const infrastructureInDescription: AuditRule = {
  id: "infrastructure-in-description",
  severity: "medium",
  summary: "A description or schema text names where the data lives (a connection string, an internal host name, an IP address, a host and port): a map for whoever is steering the model.",
  check: (list) =>
    list.tools.flatMap((tool) => {
      const what = found(LOCATIONS, describingTexts(tool));
      return what.length === 0
        ? []
        : [{ tool: tool.name, why: `Its text names ${listed(what)}: the model (and anyone steering it) learns where the data lives; keep infrastructure out of tool text.` }];
    }),
};
