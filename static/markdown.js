/**
 * Markdown for model answers, made safe. Model output is untrusted: `marked` renders it, raw HTML
 * in it is shown as text rather than markup, images become links (an image would load from a
 * server of the model's choosing the moment it is shown), and DOMPurify then keeps only the
 * elements and attributes markdown produces, links to http(s) and mail only. Code blocks get a
 * header with their language and a copy button.
 *
 * @module
 */

import { Marked } from "./vendor/marked.esm.js";
import DOMPurify from "./vendor/purify.es.mjs";

/** @param {string} text */
const escapeHtml = (text) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");

const marked = new Marked({
  gfm: true,
  renderer: {
    html: ({ text, block }) => (block ? `<p>${escapeHtml(text)}</p>` : escapeHtml(text)),
    image: ({ href, text }) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
    checkbox: ({ checked }) => (checked ? "☑ " : "☐ "),
  },
});

const SANITIZE = {
  // What markdown produces, and nothing else: no images, forms, frames, media, styles or scripts.
  ALLOWED_TAGS: ("a blockquote br code del em h1 h2 h3 h4 h5 h6 hr li ol p pre strong table " +
    "tbody td th thead tr ul").split(" "),
  ALLOWED_ATTR: ["href", "title", "start", "align", "class"],
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  RETURN_DOM_FRAGMENT: true,
};

const LANGUAGE_CLASS = /^language-[\w#+.-]{1,30}$/;

// Classes only as marked writes them on code (language-…): no other class of the page's own.
DOMPurify.addHook("uponSanitizeAttribute", (node, data) => {
  if (data.attrName === "class") {
    data.keepAttr = node.nodeName === "CODE" && LANGUAGE_CLASS.test(data.attrValue);
  }
});
// Links open in a new tab (the page may be inside an iframe) and pass nothing to where they go.
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.nodeName === "A" && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

/**
 * `text` as safe DOM nodes, ready to insert.
 *
 * @param {string} text Markdown from the model.
 * @returns {DocumentFragment}
 */
export function renderMarkdown(text) {
  const fragment = DOMPurify.sanitize(marked.parse(text), SANITIZE);
  for (const pre of fragment.querySelectorAll("pre")) decorateCodeBlock(pre);
  // Code and tables scroll sideways on their own: keyboard users need to reach them to scroll.
  for (const scroller of fragment.querySelectorAll("pre, table")) scroller.tabIndex = 0;
  return fragment;
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
