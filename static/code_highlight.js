/**
 * Syntax highlighting for fenced code blocks that name their language, by highlight.js (its
 * common languages): the result is `<span class="hljs-…">` markup, coloured by the light and dark
 * themes of `rich.css`, never by inline styles. Only a closed block is highlighted, once (the
 * result is remembered), so a block still streaming costs nothing extra per frame.
 *
 * @module
 */

import hljs from "./vendor/highlight.min.js";
import { memoize } from "./memo.js";

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Whether the fenced code block written as `raw` has its closing fence yet.
 *
 * @example
 * ```js
 * import { assertEquals } from "@std/assert";
 * assertEquals(isClosedFence("~~~js\nx()\n~~~\n"), true);
 * assertEquals(isClosedFence("~~~js\nx()\n"), false);
 * assertEquals(isClosedFence("~~~~\n~~~\n"), false);
 * ```
 *
 * @param {string} raw
 */
export function isClosedFence(raw) {
  const lines = raw.trimEnd().split("\n");
  const opening = FENCE.exec(lines[0])?.[1];
  const closing = lines.length > 1 ? FENCE.exec(lines[lines.length - 1])?.[1] : undefined;
  return opening !== undefined && closing !== undefined && closing[0] === opening[0] &&
    closing.length >= opening.length && lines[lines.length - 1].trim() === closing;
}

/** `lang` NUL `code` → highlighted markup. */
const highlighted = memoize((key) => {
  const split = key.indexOf("\0");
  return hljs.highlight(key.slice(split + 1), {
    language: key.slice(0, split),
    ignoreIllegals: true,
  })
    .value;
}, 200);

/**
 * `code` as highlighted markup (its text escaped, tokens in `<span class="hljs-…">`), or `null`
 * when highlight.js does not know `language`.
 *
 * @example
 * ```js
 * import { assertEquals } from "@std/assert";
 * assertEquals(highlightCode("let a = '<b>';", "js"), '<span class="hljs-keyword">let</span> a = <span class="hljs-string">&#x27;&lt;b&gt;&#x27;</span>;');
 * assertEquals(highlightCode("let a;", "no-such-language"), null);
 * ```
 *
 * @param {string} code
 * @param {string} language
 */
export function highlightCode(code, language) {
  if (!language || !hljs.getLanguage(language)) return null;
  return highlighted(`${language}\0${code}`);
}
