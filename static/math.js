/**
 * LaTeX maths in model answers, typeset as MathML. A `marked` extension finds `\( … \)` and
 * `$ … $` (inline) and `\[ … \]` and `$$ … $$` (display) before markdown can touch them, so no
 * backslash is lost, and KaTeX typesets each as MathML only: no HTML, no fonts, no inline styles,
 * so the page's strict CSP holds. What is not maths stays text exactly as written: a formula not
 * closed yet (while it streams), one KaTeX cannot read, a lone `\(` (it keeps its backslash), and
 * dollar amounts: `$…$` is maths only when a non-space follows the opening `$` and precedes the
 * closing one, and no digit follows it ("$5 and $10" is money). The source stays in the page, in
 * the formula's `<annotation encoding="application/x-tex">`, and its delimiters in the class of the
 * `<span>` around it, so a copy can give back the LaTeX as written.
 *
 * @module
 */

import katex from "./vendor/katex.mjs";
import { escapeHtml } from "./escape_html.js";
import { memoize } from "./memo.js";

/** The delimiters a formula was written with, by the class of the `<span>` holding it. */
export const DELIMITERS = {
  "tex-paren": ["\\(", "\\)"],
  "tex-bracket": ["\\[", "\\]"],
  "tex-dollars": ["$$", "$$"],
  "tex-dollar": ["$", "$"],
};

/** @typedef {keyof typeof DELIMITERS} Kind */

/** Inline patterns (group 1 is the TeX), tried in this order; display ones may sit in a line. */
const INLINE = /** @type {[RegExp, Kind][]} */ ([
  [/^\\\(([\s\S]+?)\\\)/, "tex-paren"],
  [/^\\\[([\s\S]+?)\\\]/, "tex-bracket"],
  [/^\$\$((?:\\[\s\S]|[^\\$])+?)\$\$/, "tex-dollars"],
  [/^\$(?![\s$])((?:\\[\s\S]|[^\\$\n])+?)(?<!\s)\$(?!\d)/, "tex-dollar"],
]);
/** Display maths on lines of their own: group 1 is `$$` TeX, group 2 `\[` TeX. */
const BLOCK = /^ {0,3}(?:\$\$((?:\\[\s\S]|[^\\$])+?)\$\$|\\\[([\s\S]+?)\\\])[ \t]*(?:\n+|$)/;
/** A delimiter without its partner: shown with its backslash rather than as markdown's escape. */
const LONE = /^\\[()[\]]/;
/** Any inline formula anywhere, to hide its `*` and `_` from markdown's emphasis. */
const ANY_INLINE = new RegExp(INLINE.map(([pattern]) => pattern.source.slice(1)).join("|"), "g");

/** KaTeX's settings: MathML only, no commands that link or load (`trust`), bounded sizes. */
const KATEX_OPTIONS = {
  output: /** @type {const} */ ("mathml"),
  throwOnError: true,
  strict: /** @type {const} */ ("ignore"),
  trust: false,
  maxSize: 50,
  maxExpand: 1000,
};

/** `tex` as a `<math>` element's markup, or `null` when KaTeX cannot read it. Key: `D`/`I` + TeX. */
const typeset = memoize((key) => {
  try {
    const html = katex.renderToString(key.slice(1), {
      ...KATEX_OPTIONS,
      displayMode: key[0] === "D",
    });
    // KaTeX wraps the <math> in a span or two of its own; the page has its own wrapper.
    return html.slice(html.indexOf("<math"), html.lastIndexOf("</math>") + "</math>".length);
  } catch {
    return null;
  }
}, 500);

/**
 * The markup for one formula: its MathML in a `<span>` naming its delimiters, or its source as
 * text when it is no formula KaTeX can read.
 *
 * @example
 * ```js
 * import { assertEquals, assertMatch } from "@std/assert";
 * assertMatch(renderMath("tex-dollar", "x^2", "$x^2$"), /^<span class="tex-dollar"><math [^>]*>.*<msup>/);
 * assertEquals(renderMath("tex-paren", "\\frac{1", "\\(\\frac{1\\)"), "\\(\\frac{1\\)");
 * ```
 *
 * @param {Kind} kind How it was delimited.
 * @param {string} tex The LaTeX between the delimiters.
 * @param {string} raw The formula as written, delimiters included.
 */
export function renderMath(kind, tex, raw) {
  const display = kind === "tex-bracket" || kind === "tex-dollars";
  const math = typeset((display ? "D" : "I") + tex);
  return math === null ? escapeHtml(raw) : `<span class="${kind}">${math}</span>`;
}

/**
 * @typedef {object} MathToken
 * @property {"math" | "blockMath"} type
 * @property {string} raw
 * @property {string} text The TeX.
 * @property {Kind | null} kind `null` for a lone delimiter, which is kept as text.
 */

/**
 * The `marked` extension: `new Marked(mathExtension)` or `marked.use(mathExtension)`.
 *
 * @example
 * ```js
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 * import { Marked } from "./vendor/marked.esm.js";
 * const marked = new Marked(mathExtension);
 * assertStringIncludes(marked.parse("Area \\(\\pi r^2\\)."), "<annotation encoding=\"application/x-tex\">\\pi r^2</annotation>");
 * assertEquals(marked.parse("It costs $5 and $10."), "<p>It costs $5 and $10.</p>\n");
 * ```
 */
export const mathExtension = {
  extensions: [
    {
      name: "blockMath",
      level: /** @type {const} */ ("block"),
      /** @param {string} src */
      start(src) {
        const index = src.search(/\n {0,3}(?:\$\$|\\\[)/);
        return index === -1 ? undefined : index + 1;
      },
      /** @param {string} src @returns {MathToken | undefined} */
      tokenizer(src) {
        const match = BLOCK.exec(src);
        if (!match) return undefined;
        const dollars = match[1] !== undefined;
        return {
          type: "blockMath",
          raw: match[0],
          text: dollars ? match[1] : match[2],
          kind: dollars ? "tex-dollars" : "tex-bracket",
        };
      },
      /** @param {MathToken} token */
      renderer: (token) =>
        `<p>${renderMath(/** @type {Kind} */ (token.kind), token.text, token.raw.trim())}</p>\n`,
    },
    {
      name: "math",
      level: /** @type {const} */ ("inline"),
      /** @param {string} src */
      start(src) {
        const index = src.search(/\$|\\[()[\]]/);
        return index === -1 ? undefined : index;
      },
      /** @param {string} src @returns {MathToken | undefined} */
      tokenizer(src) {
        for (const [pattern, kind] of INLINE) {
          const match = pattern.exec(src);
          if (match) return { type: "math", raw: match[0], text: match[1], kind };
        }
        const lone = LONE.exec(src);
        return lone ? { type: "math", raw: lone[0], text: "", kind: null } : undefined;
      },
      /** @param {MathToken} token */
      renderer: (token) =>
        token.kind === null ? escapeHtml(token.raw) : renderMath(token.kind, token.text, token.raw),
    },
  ],
  hooks: {
    /** Hides the inside of formulas from emphasis, as markdown does for code spans. */
    emStrongMask: (/** @type {string} */ src) =>
      src.replace(
        ANY_INLINE,
        (formula) => formula[0] + "+".repeat(formula.length - 2) + formula.at(-1),
      ),
  },
};

/** MathML elements KaTeX writes; the sanitizer allows these and no other. */
export const MATHML_TAGS = ("math semantics annotation mrow mi mn mo ms mtext mspace msup msub " +
  "msubsup mfrac msqrt mroot mover munder munderover mtable mtr mtd mstyle mpadded mphantom " +
  "menclose").split(" ");

/** Attributes KaTeX writes on them: presentation only, none that links, loads or acts. */
export const MATHML_ATTRIBUTES = ("display encoding mathvariant stretchy fence separator lspace " +
  "rspace width height depth voffset notation scriptlevel displaystyle columnspacing rowspacing " +
  "columnalign columnlines rowlines minsize maxsize mathsize mathcolor mathbackground " +
  "linethickness accent accentunder largeop movablelimits symmetric form linebreak").split(" ");

/**
 * The LaTeX a rendered `<math>` element came from, with its delimiters as written.
 *
 * @param {Element} math
 */
export function texOf(math) {
  const tex = math.querySelector('annotation[encoding="application/x-tex"]')?.textContent ?? "";
  const kind = /** @type {Kind} */ (math.parentElement?.className);
  const [open, close] = DELIMITERS[kind] ??
    (math.getAttribute("display") === "block"
      ? DELIMITERS["tex-bracket"]
      : DELIMITERS["tex-paren"]);
  return open + tex + close;
}
