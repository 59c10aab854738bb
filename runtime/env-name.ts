// Flags that take the NAME of an environment variable. A URL, password or token pasted into one
// is refused without being repeated, so it never reaches a terminal, a log or a generated file.
// Shared by the CLI (cli/env-name.ts) and the compiled server's own flags (runtime/server-store.ts).

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A token often fits the name pattern too ("ghp_…", "sk_live_…", a long random run); names are
 * words joined by underscores, so a long run of letters mixed with digits is taken for a value.
 */
export function looksLikeSecretValue(value: string): boolean {
  if (value.length > 64) return true;
  return value.split("_").some((word) => word.length >= 16 && /\d/.test(word) && /[A-Za-z]/.test(word));
}

export function isEnvName(value: string): boolean {
  return ENV_NAME.test(value) && !looksLikeSecretValue(value);
}

/** Why `flag` refused what it was given; the value itself is never part of it. */
export function envNameRefusal(flag: string): string {
  return `${flag} takes the NAME of an environment variable (e.g. DATABASE_URL), not a value; what was given looks like a URL, password or token and is not repeated here. Put the value in the env file and pass its name.`;
}
