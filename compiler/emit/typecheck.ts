// Type-checks the generated sources together with the runtime they link, before anything is
// written to the output directory. TypeScript's own compiler (typescript 7, a native program)
// checks a private temporary copy of the generated files; only the runtime and its types are read
// from the package. It replaced an in-process compiler that took most of a build's time and memory.

import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { nodeTypesRoot, PACKAGE_ROOT, packageFile, packageTypes } from "../package-root.ts";
import type { FileMap } from "./emit.ts";
import { terminalSafe, terminalSafeLines } from "../../runtime/text/terminal-safe.ts";

export interface TypeError {
  file: string;
  line: number;
  message: string;
}

/** The compiler could not run at all (not a verdict on the generated code). */
export class TypecheckUnavailableError extends Error {
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.name = "TypecheckUnavailableError";
    this.fix = fix;
  }
}

// The compiler's verdict arrives on stdout; a program of this size prints far less than this.
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
// It checks the example in about a second; a compiler still running after this is stuck, and a
// build (or `mcp serve`) must fail rather than wait for ever.
const COMPILER_TIMEOUT_MS = 5 * 60_000;

export async function typecheckSources(files: FileMap): Promise<TypeError[]> {
  const checked = [...files.keys()].filter((path) => path.endsWith(".ts") || path.endsWith(".d.mts"));
  if (checked.length === 0) return [];
  // mkdtemp makes the directory private to this user (mode 0700), so nothing else can swap a file
  // between writing it and the compiler reading it.
  const dir = mkdtempSync(join(tmpdir(), "synapsor-typecheck-"));
  try {
    for (const path of checked) {
      const target = resolve(dir, path);
      if (!target.startsWith(dir + sep)) throw new Error(`BUG: generated file path ${JSON.stringify(path)} leaves the type-check directory`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, files.get(path)!);
    }
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(projectConfig(checked)));
    return verdictOf(await runCompiler(dir), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The type errors the compiler printed, every one of them: generated code that misuses the runtime
 * shows as errors in the generated files, and an error anywhere else (an option the compiler
 * refuses, a runtime that no longer fits) must stop the build as well, never pass it. A failure
 * that printed nothing readable fails the build too.
 */
export function verdictOf(output: CompilerOutput, dir: string): TypeError[] {
  const diagnostics = parseDiagnostics(output.stdout);
  if (output.exitCode !== 0 && diagnostics.length === 0) {
    const said = [output.stdout, output.stderr].map((text) => text.trim()).filter(Boolean).join("\n");
    return [{ file: "", line: 0, message: terminalSafeLines(`TypeScript's compiler exited with code ${output.exitCode}${said ? `: ${said}` : ""}`) }];
  }
  // Escaped last, as they go to the terminal: the messages may quote schema text.
  return diagnostics.map((e) => ({ file: terminalSafe(e.file && displayPath(dir, e.file)), line: e.line, message: terminalSafeLines(e.message) }));
}

/** The compiler names files relative to its working directory: generated files stay as they are keyed, the package's own relative to it. */
function displayPath(dir: string, printed: string): string {
  const absolute = resolve(dir, printed);
  if (absolute.startsWith(dir + sep)) return relative(dir, absolute).split(sep).join("/");
  if (absolute.startsWith(PACKAGE_ROOT)) return absolute.slice(PACKAGE_ROOT.length);
  return printed;
}

/** The options generated code is checked under: strict, the language a server runs with, no DOM. */
function projectConfig(files: readonly string[]): object {
  return {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: "ES2023",
      module: "ESNext",
      moduleResolution: "bundler",
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      lib: ["ES2023"],
      types: ["node"],
      typeRoots: [nodeTypesRoot()],
      // The package's public entry points, as generated servers and handler stubs import them:
      // the sources in the repository, the shipped declarations once installed.
      paths: {
        "synapsor-runner/runtime": [packageTypes("runtime/index.ts")],
        "synapsor-runner/handler": [packageTypes("handler/index.ts")],
      },
    },
    files,
  };
}

export interface CompilerOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function runCompiler(cwd: string): Promise<CompilerOutput> {
  const compiler = compilerPath();
  return new Promise((done, fail) => {
    execFile(
      compiler,
      ["--project", join(cwd, "tsconfig.json"), "--pretty", "false"],
      { cwd, encoding: "utf8", maxBuffer: MAX_OUTPUT_BYTES, timeout: COMPILER_TIMEOUT_MS, killSignal: "SIGKILL", windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) return done({ exitCode: 0, stdout, stderr });
        if (typeof error.code === "number") return done({ exitCode: error.code, stdout, stderr });
        if (error.code === "ENOENT" || error.code === "EACCES") {
          return fail(new TypecheckUnavailableError(`TypeScript's compiler (${compiler}) could not be started (${error.code}).`, REINSTALL));
        }
        // Stopped after the time limit, killed, or more output than any program of this size prints: not a pass.
        const why =
          error.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER" ? `it printed more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MiB`
          : error.killed ? `stopped after ${COMPILER_TIMEOUT_MS / 1000} s`
          : error.signal ? `killed by ${error.signal}`
          : String(error.code);
        done({ exitCode: -1, stdout, stderr: `${stderr}\n${why}` });
      },
    );
  });
}

const REINSTALL = "Reinstall synapsor-runner with its optional dependencies (npm installs them unless told --omit=optional); the build needs TypeScript's compiler for this platform.";

/**
 * The native compiler of the `typescript` package, found the way its own `tsc` launcher finds it
 * (one optional dependency per platform), so a build does not start a second Node.js to reach it.
 */
function compilerPath(): string {
  const fromPackage = createRequire(packageFile("package.json"));
  const platformPackage = `@typescript/typescript-${process.platform}-${process.arch}`;
  try {
    const fromTypescript = createRequire(fromPackage.resolve("typescript/package.json"));
    const manifest = fromTypescript.resolve(`${platformPackage}/package.json`);
    return join(dirname(manifest), "lib", process.platform === "win32" ? "tsc.exe" : "tsc");
  } catch {
    throw new TypecheckUnavailableError(`TypeScript's compiler for this platform (${platformPackage}) is not installed.`, REINSTALL);
  }
}

// `--pretty false` prints one diagnostic per line, `FILE(LINE,COL): error TSnnnn: TEXT` or, for a
// diagnostic of no file, `error TSnnnn: TEXT`; the levels of a message chain follow on lines
// indented by two spaces per level. The compiler escapes line breaks inside quoted text, but a
// message may still quote schema text that looks like a header, so the file is read up to the
// first `(LINE,COL): error TS` of the line (generated file names never contain one), and a line
// that starts as a diagnostic of no file is one.
const OF_NO_FILE = /^error TS\d+: (.*)$/;
const IN_FILE = /^(.+?)\((\d+),\d+\): error TS\d+: (.*)$/;

/** The compiler's diagnostics as it printed them, each with its whole message chain (not yet escaped). */
export function parseDiagnostics(stdout: string): TypeError[] {
  const errors: TypeError[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const ofNoFile = OF_NO_FILE.exec(line);
    const inFile = ofNoFile ? null : IN_FILE.exec(line);
    if (ofNoFile) errors.push({ file: "", line: 0, message: ofNoFile[1]! });
    else if (inFile) errors.push({ file: inFile[1]!, line: Number(inFile[2]), message: inFile[3]! });
    else if (errors.length > 0 && line.startsWith("  ")) errors.at(-1)!.message += `\n${line}`;
  }
  return errors;
}
