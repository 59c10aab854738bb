// The http_jwt settings a compiled server carries (planned from trusted_context.http_jwt).
// Names only: the key, the shared secret and the key-set URL are read from the environment at start.

/** trusted_context.http_jwt as the server carries it: variable names and claim names, never a key. */
export interface HttpJwtSettings {
  issuer: string;
  audience: string;
  jwksUrlEnv?: string;
  keyEnv?: string;
  algorithms: string[];
  claims: { tenant: string; principal: string; roles?: string };
  requiredScopes: string[];
  clockSkewS: number;
}
