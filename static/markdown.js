/**
 * Markdown for model answers, made safe. Model output is untrusted: `marked` renders it, raw HTML
 * in it is shown as text rather than markup, images become links (an image would load from a
 * server of the model's choosing the moment it is shown), LaTeX maths becomes MathML (`math.js`),
 * closed code blocks that name their language are highlighted (`code_highlight.js`), and
 * DOMPurify then keeps only the elements and attributes these produce, links to http(s) and mail
 * only. Code blocks get a header with their language and a copy button.
 *
 * @module
 */

import { highlightCode, isClosedFence } from "./code_highlight.js";
import { copyWithTex } from "./copy_tex.js";
import { escapeHtml } from "./escape_html.js";
import { mathExtension, MATHML_ATTRIBUTES, MATHML_TAGS } from "./math.js";
import { Marked } from "./vendor/marked.esm.js";
import DOMPurify from "./vendor/purify.es.mjs";

const marked = new Marked({
  gfm: true,
  renderer: {
    html: ({ text, block }) => (block ? `<p>${escapeHtml(text)}</p>` : escapeHtml(text)),
    image: ({ href, text }) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
    checkbox: ({ checked }) => (checked ? "☑ " : "☐ "),
    code({ text, lang, raw }) {
      const language = lang?.match(/^\S*/)?.[0] ?? "";
      const html = isClosedFence(raw) ? highlightCode(text, language) : null;
      // Not highlighted (no language known, or not closed yet): marked's own plain block.
      if (html === null) return false;
      return `<pre><code class="language-${escapeHtml(language)}">${html}\n</code></pre>\n`;
    },
  },
}, mathExtension);

const SANITIZE = {
  // What markdown, KaTeX and highlight.js produce, and nothing else: no images, forms, frames,
  // media, styles or scripts.
  ALLOWED_TAGS: ("a blockquote br code del em h1 h2 h3 h4 h5 h6 hr li ol p pre strong table " +
    "tbody td th thead tr ul span").split(" ").concat(MATHML_TAGS),
  ALLOWED_ATTR: ["href", "title", "start", "align", "class", ...MATHML_ATTRIBUTES],
  // Attributes whose values are words or lengths, not addresses (the rule below is for `href`).
  ADD_URI_SAFE_ATTR: ["start", "align", ...MATHML_ATTRIBUTES],
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  RETURN_DOM_FRAGMENT: true,
};

/** Classes as the renderers write them, on the elements they write them on; no other. */
const CLASSES = {
  // marked on code: language-…
  CODE: /^language-[\w#+.-]{1,30}$/,
  // highlight.js on its tokens (hljs-…, with sub-scopes such as `function_`), and math.js on the
  // span around a formula (its delimiters).
  SPAN: /^(?:(?:hljs-[\w-]+|[a-z]+_+|language-[\w-]+)(?: |$))+$|^tex-(?:paren|bracket|dollars?)$/,
};

DOMPurify.addHook("uponSanitizeAttribute", (node, data) => {
  if (data.attrName === "class") {
    const allowed = CLASSES[/** @type {keyof CLASSES} */ (node.nodeName)];
    data.keepAttr = allowed !== undefined && allowed.test(data.attrValue);
  }
  // Links are for links: MathML knows `href` too.
  if (data.attrName === "href") data.keepAttr = node.nodeName === "A";
});
// Links open in a new tab (the page may be inside an iframe) and pass nothing to where they go.
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.nodeName === "A" && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

// Copying rendered maths copies its LaTeX.
document.addEventListener("copy", copyWithTex);

/**
 * `text` as safe DOM nodes, ready to insert.
 *
 * @param {string} text Markdown from the model.
 * @returns {DocumentFragment}
 */
export function renderMarkdown(text) {
  const fragment = sanitize(/** @type {string} */ (marked.parse(text)));
  for (const pre of fragment.querySelectorAll("pre")) decorateCodeBlock(pre);
  // Code and tables scroll sideways on their own: keyboard users need to reach them to scroll.
  for (const scroller of fragment.querySelectorAll("pre, table")) scroller.tabIndex = 0;
  return fragment;
}

/**
 * `html` as DOM nodes holding only what the renderers may produce: markdown's elements, the
 * spans of highlighted code, and KaTeX's MathML.
 *
 * @param {string} html
 * @returns {DocumentFragment}
 */
export function sanitize(html) {
  return DOMPurify.sanitize(html, SANITIZE);
}

/** Wraps a `<pre>` with a header naming its language and a copy button. @param {Element} pre */
function decorateCodeBlock(pre) {
  const language = pre.querySelector("code")?.className.replace("language-", "") ?? "";
  const block = document.createElement("div");
  block.className = "code-block";
  const header = document.createElement("div");
  header.className = "code-header";
  const label = document.createElement("span");
  label.textContent = language || "code";
  const copy = document.createElement("button");
  copy.type = "button";
  copy.className = "copy-code";
  copy.textContent = "Copy";
  copy.setAttribute("aria-label", `Copy ${language || "code"}`);
  header.append(label, copy);
  pre.replaceWith(block);
  block.append(header, pre);
}

/**
 * Copies the code of the block `button` belongs to, and says so on the button; where the
 * clipboard is not allowed (some iframes), selects the code for the reader to copy.
 *
 * @param {HTMLButtonElement} button
 */
export async function copyCode(button) {
  const code = button.closest(".code-block")?.querySelector("code");
  if (!code) return;
  try {
    await navigator.clipboard.writeText((code.textContent ?? "").replace(/\n$/, ""));
    button.textContent = "Copied";
  } catch {
    getSelection()?.selectAllChildren(code);
    button.textContent = "Selected: press Ctrl+C";
  }
  setTimeout(() => (button.textContent = "Copy"), 2000);
}
