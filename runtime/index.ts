// The runtime's public surface: the only module generated code imports.
// Adding an export here adds public API.

// Its declarations use Node.js types (NodeJS.ProcessEnv, node:http). Kept in the emitted .d.ts so an
// app type-checks against them without listing "node" in its own `types` (TypeScript 6 and later
// include no @types by default); @types/node is a dependency of this package.
/// <reference types="node" preserve="true" />

export { defineRead, defineProposal } from "./capability.ts";
export type { ArgsValidator, Capability, JsonSchema, ProposalCapability, ReadCapability, Scalar, Target } from "./capability.ts";
export type { TrustedContext } from "./context.ts";
export type { Envelope } from "./envelope.ts";
export { defineSqlUpdate } from "./executors/planned-write.ts";
export type { PlannedStatement, PlannedWrite, WriteValues } from "./executors/planned-write.ts";
export { runServerCli } from "./server-cli.ts";
export type { ServerDefinition } from "./server-definition.ts";
