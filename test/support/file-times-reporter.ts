// A node:test reporter that prints, when the run ends, the seconds each test file's top-level
// tests and suites took (their hooks inside them included; the file's imports and top-level
// hooks not), slowest first: where the suite's minutes go, for keeping `npm test` in its budget.
// Use it beside the usual reporter:
//   node --test --test-reporter=spec --test-reporter-destination=stdout \
//     --test-reporter=./test/support/file-times-reporter.ts --test-reporter-destination=file-times.txt "test/e2e/**/*.test.ts"
// On a loaded machine compare files with each other, not with another run.

import { relative } from "node:path";

interface TestEvent {
  type: string;
  data?: { file?: string; nesting?: number; details?: { duration_ms?: number } };
}

export default async function* fileTimes(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const seconds = new Map<string, number>();
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { file, nesting, details } = event.data ?? {};
    if (file === undefined || nesting !== 0) continue;
    seconds.set(file, (seconds.get(file) ?? 0) + (details?.duration_ms ?? 0) / 1000);
  }
  const rows = [...seconds].sort((a, b) => b[1] - a[1]);
  yield "Seconds per test file (its top-level tests added up), slowest first:\n";
  for (const [file, s] of rows) yield `${s.toFixed(1).padStart(8)}  ${relative(process.cwd(), file)}\n`;
}
