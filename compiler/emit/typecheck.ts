// Type-checks the generated sources together with the runtime they link, before anything
// is written. The files stay in memory; only the runtime and its types are read from disk.

import type { SourceFile } from "ts-morph";
import { nodeTypesRoot, PACKAGE_ROOT, packageTypes } from "../package-root.ts";
import type { FileMap } from "./emit.ts";
import { terminalSafe, terminalSafeLines } from "../../runtime/text/terminal-safe.ts";

export interface TypeError {
  file: string;
  line: number;
  message: string;
}

export async function typecheckSources(files: FileMap): Promise<TypeError[]> {
  // ts-morph carries the whole TypeScript compiler; load it only when a build needs it,
  // so commands that never type-check (help, inspect, serve from cache) start fast.
  const { Project, ts } = await import("ts-morph");
  // A virtual directory inside the package, so the drivers' types resolve from its node_modules
  // (or the app's, where npm hoisted them).
  const root = `${PACKAGE_ROOT}.synapsor-typecheck/`;
  const project = new Project({
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      // The language a server runs with, without the browser's DOM: generated code has no
      // window, and leaving the DOM out halves the time to load the program.
      lib: ["lib.es2023.d.ts"],
      types: ["node"],
      typeRoots: [nodeTypesRoot()],
      // The package's public entry points, as generated servers and handler stubs import them:
      // the sources in the repository, the shipped declarations once installed.
      paths: {
        "synapsor-runner/runtime": [packageTypes("runtime/index.ts")],
        "synapsor-runner/handler": [packageTypes("handler/index.ts")],
      },
    },
    skipAddingFilesFromTsConfig: true,
  });
  const generated: SourceFile[] = [];
  for (const [path, text] of files) {
    if (path.endsWith(".ts") || path.endsWith(".d.mts")) generated.push(project.createSourceFile(root + path, text, { overwrite: true }));
  }
  // Only the generated files are checked: the runtime they link is checked once, by this
  // package's own CI, and checking all of it again on every build cost most of the build's time.
  // The compiler still reads the runtime's types wherever generated code uses them.
  const program = project.getProgram();
  return [
    ...program.getGlobalDiagnostics(),
    ...generated.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
  ]
    .filter((d) => d.getCategory() === ts.DiagnosticCategory.Error)
    .map((d) => ({
      file: terminalSafe((d.getSourceFile()?.getFilePath() ?? "").replace(root, "").replace(PACKAGE_ROOT, "")),
      line: d.getLineNumber() ?? 0,
      // The compiler's own message chain: ts-morph's wrapper of a chain is not one, and flattening
      // it printed "undefined". Generated code may quote schema text, so the message is escaped
      // for the terminal; its own line breaks (the chain's levels) stay.
      message: terminalSafeLines(ts.flattenDiagnosticMessageText(d.compilerObject.messageText, "\n")),
    }));
}
