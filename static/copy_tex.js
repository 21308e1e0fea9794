/**
 * Copying a selection that holds typeset maths copies the LaTeX as written (`\(x^2\)`), not the
 * glyphs of its MathML (`x2`): in the plain-text copy each formula is its source, delimiters
 * included; the HTML copy keeps the MathML, whose TeX annotation editors that read MathML keep.
 * A selection that starts or ends inside a formula takes the whole formula.
 *
 * @module
 */

import { texOf } from "./math.js";

/**
 * The `copy` event handler; leaves copies without maths to the browser.
 *
 * @param {ClipboardEvent} event
 */
export function copyWithTex(event) {
  const selection = getSelection();
  if (!event.clipboardData || !selection || selection.isCollapsed) return;
  const holder = document.createElement("div");
  for (let index = 0; index < selection.rangeCount; index++) {
    const range = selection.getRangeAt(index).cloneRange();
    const first = formulaAround(range.startContainer);
    const last = formulaAround(range.endContainer);
    if (first) range.setStartBefore(first);
    if (last) range.setEndAfter(last);
    holder.append(range.cloneContents());
  }
  const maths = holder.querySelectorAll("math");
  if (maths.length === 0) return;
  const html = holder.innerHTML;
  for (const math of maths) math.replaceWith(texOf(math));
  // innerText (paragraphs and lines as shown) needs the copy laid out: off-screen, for a moment.
  holder.className = "copy-buffer";
  document.body.append(holder);
  const text = holder.innerText;
  holder.remove();
  event.clipboardData.setData("text/plain", text);
  event.clipboardData.setData("text/html", html);
  event.preventDefault();
}

/** The `<span>` holding the formula `node` is part of, if it is. @param {Node} node */
function formulaAround(node) {
  const element = node instanceof Element ? node : node.parentElement;
  return element?.closest("math")?.parentElement ?? null;
}
