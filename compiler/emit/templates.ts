// Loads and compiles the Handlebars templates in templates/ once per process.

import { readFileSync } from "node:fs";
import Handlebars from "handlebars";
import { packageFile } from "../package-root.ts";

const cache = new Map<string, Handlebars.TemplateDelegate>();

export function renderTemplate(name: string, data: object): string {
  let template = cache.get(name);
  if (!template) {
    const source = readFileSync(packageFile(`templates/${name}`), "utf8");
    // Generated code is not HTML: values are pre-rendered literals and must not be escaped.
    template = Handlebars.compile(source, { noEscape: true, strict: true });
    cache.set(name, template);
  }
  return template(data);
}
