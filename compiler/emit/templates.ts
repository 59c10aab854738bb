// Loads and compiles the Handlebars templates in templates/ once per process.
//
// Templates receive only encoded text: every leaf of the data is `Code` (code-literal.ts: string
// literals, keys, code the generator wrote), `PyCode` (python-literal.ts, the same for Python) or
// `CommentText` (comment-text.ts), or a boolean for `{{#if}}`. The type below makes a raw config or schema string a compile error here, so
// encoding cannot be forgotten in one slot. Handlebars' own HTML escaping is turned off: it is not
// a code encoder (it would turn `"` into `&quot;` and leave a newline alone), and `{{x}}` and
// `{{{x}}}` therefore print the same, already-encoded text.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type Handlebars from "handlebars";
import { packageFile } from "../package-root.ts";
import type { Code } from "./code-literal.ts";
import type { CommentText } from "./comment-text.ts";
import type { PyCode } from "./python-literal.ts";

export type TemplateValue = Code | PyCode | CommentText | boolean | readonly TemplateValue[] | TemplateData;
export interface TemplateData {
  readonly [slot: string]: TemplateValue | undefined;
}

const cache = new Map<string, Handlebars.TemplateDelegate>();

// Loaded on the first render: only a build renders, and every other command starts without it.
let handlebars: typeof Handlebars | undefined;
function loadHandlebars(): typeof Handlebars {
  return (handlebars ??= createRequire(import.meta.url)("handlebars") as typeof Handlebars);
}

export function renderTemplate<T extends { [K in keyof T]: TemplateValue | undefined }>(name: string, data: T): string {
  let template = cache.get(name);
  if (!template) {
    const source = readFileSync(packageFile(`templates/${name}`), "utf8");
    template = loadHandlebars().compile(source, { noEscape: true, strict: true });
    cache.set(name, template);
  }
  return template(data);
}
