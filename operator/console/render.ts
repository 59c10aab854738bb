// Renders the console's pages from templates/console/*.hbs. Every string that reaches a template
// has passed through htmlText exactly once, here: the view data is escaped as a whole before the
// template sees it, and the templates are compiled without Handlebars' own escaping (which leaves
// control and bidi characters raw). So no slot can be forgotten, and the only markup on a page is
// the templates' own.

import { readFileSync } from "node:fs";
import Handlebars from "handlebars";
import { packageFile } from "../../compiler/package-root.ts";
import { htmlText, htmlValue } from "../../runtime/text/html-safe.ts";

/** A value shown as the CLI shows it: a string as text, anything else as its JSON. */
export class Shown {
  readonly value: unknown;
  constructor(value: unknown) {
    this.value = value;
  }
}

export const shown = (value: unknown) => new Shown(value);

const PARTIALS = ["layout-top", "layout-bottom", "state-badge"] as const;

const hb = Handlebars.create();
const cache = new Map<string, Handlebars.TemplateDelegate>();

function source(name: string): string {
  return readFileSync(packageFile(`templates/console/${name}.hbs`), "utf8");
}

function template(name: string): Handlebars.TemplateDelegate {
  let compiled = cache.get(name);
  if (!compiled) {
    if (cache.size === 0) for (const partial of PARTIALS) hb.registerPartial(partial, source(partial));
    compiled = hb.compile(source(name), { noEscape: true });
    cache.set(name, compiled);
  }
  return compiled;
}

/** The view data with every string escaped once; numbers, booleans and null stay for `{{#if}}`. */
export function escapeView(value: unknown): unknown {
  if (typeof value === "string") return htmlText(value);
  if (value instanceof Shown) return htmlValue(value.value);
  if (value === null || value === undefined || typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map(escapeView);
  if (typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeView(v)]));
  return htmlText(String(value));
}

export function renderPage(name: string, view: Record<string, unknown>): string {
  return template(name)(escapeView(view));
}

/** A static asset of the console (one stylesheet, one script). */
export function asset(name: "console.css" | "console.js"): string {
  return readFileSync(packageFile(`templates/console/assets/${name}`), "utf8");
}
