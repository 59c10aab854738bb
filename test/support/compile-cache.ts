// Preloaded into the process of every test file (`node --test --import`, which passes it on to each
// file's process): V8 keeps the code it compiled for the repository's modules, types stripped,
// between test files, so the 170-odd test processes of a run do not each strip and compile the same
// sources again (about a quarter of a test process's CPU on a 2-core VM). Node.js checks each
// file's contents against its cache entry, so an edited file is never served stale. Processes the
// tests start (the CLI, compiled servers) are not affected: they decide about caches themselves.

import module from "node:module";
import { join } from "node:path";

module.enableCompileCache?.(join(import.meta.dirname, "..", "..", "node_modules", ".cache", "synapsor-runner-tests", "compile-cache"));
