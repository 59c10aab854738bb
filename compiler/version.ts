import { readFileSync } from "node:fs";
import { packageFile } from "./package-root.ts";

const pkg = JSON.parse(readFileSync(packageFile("package.json"), "utf8")) as { version: string };

export const RUNNER_VERSION: string = pkg.version;
