// Hostile text for the rendering tests, and the set of characters no screen may receive raw,
// written out independently of runtime/text/terminal-safe.ts.

import fc from "fast-check";

/**
 * The forbidden set, written out independently of the module's regular expression: controls,
 * bidi controls, the separators, lone surrogates, and the invisible formatting characters (zero
 * width, word joiner and invisible operators, BOM, soft hyphen, variation selectors, fillers, tags).
 */
export function forbidden(codePoint: number): boolean {
  return (
    codePoint <= 0x1f ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    codePoint === 0x00ad ||
    codePoint === 0x034f ||
    codePoint === 0x061c ||
    codePoint === 0x115f || codePoint === 0x1160 || codePoint === 0x3164 || codePoint === 0xffa0 ||
    (codePoint >= 0x180b && codePoint <= 0x180f) ||
    (codePoint >= 0x200b && codePoint <= 0x200f) ||
    (codePoint >= 0x2028 && codePoint <= 0x202e) ||
    (codePoint >= 0x2060 && codePoint <= 0x206f) ||
    (codePoint >= 0xfe00 && codePoint <= 0xfe0f) ||
    codePoint === 0xfeff ||
    (codePoint >= 0xfff9 && codePoint <= 0xfffb) ||
    (codePoint >= 0xd800 && codePoint <= 0xdfff) || // for...of yields a lone surrogate as its own code point
    (codePoint >= 0xe0000 && codePoint <= 0xe0fff)
  );
}

/** Emoji whose joiners, selectors and tags draw one picture: pictographs joined by ZWJ, keycaps, the three tag flags. */
const EMOJI = /\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}]?[\uFE0E\uFE0F]?(?:\u200D\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}]?[\uFE0E\uFE0F]?)*|[0-9#*]\uFE0F\u20E3|\u{1F3F4}\u{E0067}\u{E0062}(?:\u{E0065}\u{E006E}\u{E0067}|\u{E0073}\u{E0063}\u{E0074}|\u{E0077}\u{E006C}\u{E0073})\u{E007F}/gu;

/** The first forbidden character outside an emoji (👩‍👩‍👧 keeps its joiners). */
export const firstForbidden = (text: string) => [...text.replace(EMOJI, "")].find((c) => forbidden(c.codePointAt(0)!));

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n));
const listed = fc.constantFrom(
  "\u001b", "\u009b", "\u0085", "\u007f", "\u0000", "\n", "\r", "\t", "\u202e", "\u2066", "\u200f", "\u061c", "\u2028", "\u2029",
  "\u200b", "\u200d", "\u2060", "\u2064", "\ufeff", "\u00ad", "\ufe0f", "\u{e0041}", "\u{e007f}", "\u3164", "\u180e", "\\", "\\u202e", "👩\u200d👩", "❤\ufe0f",
);
/** Any code point, lone surrogates and the listed characters, mixed. */
export const hostile = fc.string({ unit: fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), loneSurrogate, listed), maxLength: 40 });
