// A node:test reporter that prints, when the run ends, the seconds each test file took, slowest
// first: where the suite's minutes go, for keeping `npm test` in its budget. A file's time runs
// from its first event (its tests queued, after its imports) to its last, so hooks count too.
// Use it beside the usual reporter:
//   node --test --test-reporter=spec --test-reporter-destination=stdout \
//     --test-reporter=./test/support/file-times-reporter.ts --test-reporter-destination=file-times.txt "test/e2e/**/*.test.ts"
// On a loaded machine compare files with each other, not with another run.

import { relative } from "node:path";

interface TestEvent {
  type: string;
  data?: { file?: string };
}

export default async function* fileTimes(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const spans = new Map<string, { first: number; last: number }>();
  for await (const event of source) {
    const file = event.data?.file;
    if (file === undefined) continue;
    const now = performance.now();
    const span = spans.get(file);
    if (span) span.last = now;
    else spans.set(file, { first: now, last: now });
  }
  const rows = [...spans].map(([file, { first, last }]) => [file, (last - first) / 1000] as const).sort((a, b) => b[1] - a[1]);
  yield `Seconds per test file, from its first test event to its last (slowest first):\n`;
  for (const [file, seconds] of rows) yield `${seconds.toFixed(1).padStart(8)}  ${relative(process.cwd(), file)}\n`;
}
