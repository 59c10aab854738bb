// The http_jwt gate alone, in process: CPU per check for a token seen before (the verified-token
// cache), for a token seen for the first time (jose's RS256 verification), and for the static
// bearer check it replaces. See docs/performance.md (issue 10, item 2).
// Run: npx node bench/jwt-verify.ts

import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { createJwtVerifier } from "../runtime/auth/jwt-verifier.ts";
import type { HttpJwtSettings } from "../runtime/auth/settings.ts";
import { bearerToken, createTokenCheck } from "../runtime/mcp/auth.ts";
import { parseBenchArgs } from "./lib/cli-args.ts";

// No options: --help, or a usage error, before the RSA key is made.
parseBenchArgs(
  {
    name: "jwt-verify",
    usage: `Usage: npx node bench/jwt-verify.ts

The http_jwt gate alone, in process, in 3 rounds: CPU per check for a token seen before (the
verified-token cache), for a token seen for the first time (RS256 verification), and for the
static bearer check. No database, no network.

  -h, --help     this text`,
  },
  {},
);

const CACHED_CALLS = 20_000;
const FRESH_TOKENS = 1_000;
const ROUNDS = 3;

const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const settings: HttpJwtSettings = {
  issuer: "https://id.bench.example/",
  audience: "https://mcp.bench.example/mcp",
  keyEnv: "BENCH_JWT_KEY",
  algorithms: ["RS256"],
  claims: { tenant: "tenant_id", principal: "sub" },
  requiredScopes: [],
  clockSkewS: 30,
};
const verifier = createJwtVerifier(settings, { BENCH_JWT_KEY: keys.publicKey.export({ type: "spki", format: "pem" }) as string });

const mint = (sub: string) =>
  new SignJWT({ tenant_id: "tenant_acme", sub })
    .setProtectedHeader({ alg: "RS256" })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setExpirationTime("2h")
    .sign(keys.privateKey);

async function cpuPerCall(n: number, call: (i: number) => Promise<unknown>): Promise<string> {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await call(i);
  const used = process.cpuUsage(before);
  return `${((used.user + used.system) / n).toFixed(1)} µs`;
}

const staticCheck = createTokenCheck("bench-token-0123456789abcdef");
const staticHeader = "Bearer bench-token-0123456789abcdef";
for (let round = 1; round <= ROUNDS; round++) {
  const header = `Bearer ${await mint("bench")}`;
  const fresh = await Promise.all(Array.from({ length: FRESH_TOKENS }, (_, i) => mint(`bench-${round}-${i}`).then((t) => `Bearer ${t}`)));
  const check = async (h: string) => {
    if (!(await verifier.verify(h)).ok) throw new Error("a bench token was refused");
  };
  console.log(`round ${round}:`, {
    cached: await cpuPerCall(CACHED_CALLS, () => check(header)),
    first_time: await cpuPerCall(FRESH_TOKENS, (i) => check(fresh[i]!)),
    static_bearer: await cpuPerCall(CACHED_CALLS, async () => staticCheck(bearerToken(staticHeader)!)),
  });
}
