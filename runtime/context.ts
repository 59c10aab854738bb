// Trusted context: who the caller is and which tenant they act in. It comes from the
// operator's environment (or, later, verified token claims), never from model arguments.

export interface TrustedContext {
  tenantId: string;
  principal: string;
  provenance: "environment";
}

export interface TrustedContextSettings {
  tenantIdEnv: string;
  principalEnv: string;
}

export type ContextResult =
  | { ok: true; context: TrustedContext }
  | { ok: false; missing: string[] };

export function trustedContextFromEnv(
  settings: TrustedContextSettings,
  env: NodeJS.ProcessEnv = process.env,
): ContextResult {
  const tenantId = env[settings.tenantIdEnv]?.trim() ?? "";
  const principal = env[settings.principalEnv]?.trim() ?? "";
  const missing: string[] = [];
  if (!tenantId) missing.push(settings.tenantIdEnv);
  if (!principal) missing.push(settings.principalEnv);
  if (missing.length > 0) return { ok: false, missing };
  return { ok: true, context: { tenantId, principal, provenance: "environment" } };
}
