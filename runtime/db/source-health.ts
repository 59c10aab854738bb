// The operator's view of each source's connection: a failed connection or login is logged once
// when it starts (at the start-up check or at any call) and once more when it changes or the
// source answers again, never once per call. Lines are JSON on stderr and carry our own words
// (operatorHint), the variable's name and the driver's short code: never the URL, the user or
// the password. What the model gets is unchanged: the classified code of each failed call.

import { writerErrorKind } from "../dialect/index.ts";
import type { Adapter } from "./adapter.ts";
import { classifyDatabaseError, operatorHint } from "./classify.ts";
import { DatabaseConfigurationError } from "./connection-url.ts";

/** Failures of the source as a whole; a refused permission or a bad value is about one statement, not the source. */
export type SourceFailureCategory = "authentication" | "connection" | "config";

export function sourceFailureCategory(err: unknown): SourceFailureCategory | undefined {
  if (err instanceof DatabaseConfigurationError) return "config";
  switch (writerErrorKind(err)) {
    case "authentication":
      return "authentication";
    case "missing_database":
      return "config";
    case "unreachable":
      return "connection";
    default:
      return undefined;
  }
}

export type SourceLog = (event: Record<string, unknown>) => void;

/** The same adapter, reporting its source's transitions (available → failing, one failure → another, failing → available) to `log`. */
export function watchSourceHealth(source: string, urlEnv: string, adapter: Adapter, log: SourceLog): Adapter {
  let failing: SourceFailureCategory | undefined;
  const failed = (err: unknown) => {
    const category = sourceFailureCategory(err);
    if (category === undefined || category === failing) return;
    failing = category;
    log({
      level: category === "connection" ? "warn" : "error",
      event: "source_unavailable",
      source,
      category,
      code: classifyDatabaseError(err).code,
      message: operatorHint(err, urlEnv),
    });
  };
  const answered = () => {
    if (failing === undefined) return;
    failing = undefined;
    log({ level: "info", event: "source_recovered", source });
  };
  const observe = <T>(work: Promise<T>): Promise<T> =>
    work.then(
      (value) => {
        answered();
        return value;
      },
      (err: unknown) => {
        failed(err);
        throw err;
      },
    );
  return {
    engine: adapter.engine,
    query: (statement, params) => observe(adapter.query(statement, params)),
    transaction: (work) => observe(adapter.transaction(work)),
    verify: () => observe(adapter.verify()),
    prepare: (statement) => adapter.prepare(statement),
    ...(adapter.poolStats ? { poolStats: () => adapter.poolStats!() } : {}),
    close: () => adapter.close(),
  };
}
