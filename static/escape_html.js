/**
 * Escaping text for HTML, shared by the page's renderers.
 *
 * @module
 */

/**
 * `text` with the characters that mean markup in HTML (and in attribute values) escaped.
 *
 * @example
 * ```js
 * import { assertEquals } from "@std/assert";
 * assertEquals(escapeHtml(`<a href="x">&'</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
 * ```
 *
 * @param {string} text
 */
export const escapeHtml = (text) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
