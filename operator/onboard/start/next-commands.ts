// The commands `start` prints last: each one complete, with absolute paths (a desktop client or
// another terminal starts from its own directory) quoted for a POSIX shell, so it works pasted.

import { shellWord } from "../../smoke/summary.ts";
import type { OnboardingSelection } from "../selection.ts";

export interface NextCommandsInput {
  selection: OnboardingSelection;
  /** Absolute paths. */
  configPath: string;
  storePath: string;
  serverPath: string;
  envExamplePath: string;
  /** .env.apply.example, when the config names variables only apply reads. */
  applyEnvExamplePath?: string;
  /** The first call's arguments, when an object id was chosen. */
  smokeArgs?: Record<string, unknown>;
}

export function nextCommands(input: NextCommandsInput): Array<{ what: string; command: string }> {
  const { selection } = input;
  const q = shellWord;
  const envFile = input.envExamplePath.replace(/\.example$/, "");
  const node = `node --env-file=${q(envFile)} ${q(input.serverPath)}`;
  const cfg = `--config ${q(input.configPath)} --store ${q(input.storePath)}`;
  const args = input.smokeArgs ?? { [selection.id_arg ?? selection.primary_key]: "<id>" };
  const commands = [
    { what: `Put the secrets in an env file the server reads (fill in ${[selection.read_url_env, selection.tenant_env, selection.principal_env].join(", ")})`, command: `cp ${q(input.envExamplePath)} ${q(envFile)}` },
    ...(input.applyEnvExamplePath !== undefined
      ? [{ what: "Put what only apply needs in its own file: load it only in the shell that runs apply, never in the .env the server loads", command: `cp ${q(input.applyEnvExamplePath)} ${q(input.applyEnvExamplePath.replace(/\.example$/, ""))}` }]
      : []),
    { what: "Serve over stdio (what a desktop client starts)", command: `${node} serve --transport stdio --store ${q(input.storePath)}` },
    { what: "Serve over Streamable HTTP (set SYNAPSOR_HTTP_TOKEN in the env file first)", command: `${node} serve --transport http --auth-token-env SYNAPSOR_HTTP_TOKEN --store ${q(input.storePath)}` },
    { what: "Client snippet for Claude Desktop", command: `synapsor-runner mcp config claude-desktop ${cfg}` },
    { what: "Call a tool again", command: `synapsor-runner smoke call ${cfg} --tool ${selection.read_tool ?? "<tool>"} --args ${q(JSON.stringify(args))}` },
  ];
  if (selection.mode === "review") {
    commands.push(
      { what: "Review what the model proposed", command: `synapsor-runner proposals list --store ${q(input.storePath)}` },
      { what: "Approve one (outside MCP; the model cannot)", command: `synapsor-runner proposals approve <proposal-id> --store ${q(input.storePath)} --actor <your-name>` },
      { what: `Apply an approved proposal, in a shell that loaded both env files first: set -a; . ${q(envFile)}; . ${q(`${envFile}.apply`)}; set +a`, command: `synapsor-runner apply --proposal <proposal-id> ${cfg}` },
    );
  }
  return commands;
}
