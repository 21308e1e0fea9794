/**
 * Shows a markdown answer while it streams, smoothly and without quadratic cost: text is
 * collected as it arrives, and at most once per animation frame the blocks that have settled are
 * rendered once and kept, and only the last, still growing block is rendered again. When the
 * answer ends, it is rendered whole once, exactly as it will look after a reload.
 *
 * @module
 */

import { createBlockTracker } from "./markdown_blocks.js";
import { renderMarkdown } from "./markdown.js";

/**
 * @typedef {object} LiveMarkdown
 * @property {(text: string) => void} append Adds streamed text; it shows at the next frame.
 * @property {() => void} finish Renders the whole answer and stops updating.
 * @property {() => string} text The answer so far.
 */

/**
 * Renders a streaming answer into `container`.
 *
 * @param {HTMLElement} container Emptied and then owned by the returned renderer.
 * @param {() => void} onRender Called after each update of the display (e.g. to follow the end).
 * @returns {LiveMarkdown}
 */
export function createLiveMarkdown(container, onRender) {
  const settledEnd = createBlockTracker();
  const live = document.createElement("div");
  live.className = "live-block";
  container.replaceChildren(live);
  let text = "";
  let rendered = 0;
  let frame = 0;

  const render = () => {
    frame = 0;
    const settled = settledEnd(text);
    if (settled > rendered) {
      container.insertBefore(renderMarkdown(text.slice(rendered, settled)), live);
      rendered = settled;
    }
    live.replaceChildren(renderMarkdown(text.slice(rendered)));
    onRender();
  };

  return {
    append(chunk) {
      text += chunk;
      if (frame === 0) frame = requestAnimationFrame(render);
    },
    finish() {
      cancelAnimationFrame(frame);
      frame = 0;
      container.replaceChildren(renderMarkdown(text));
      onRender();
    },
    text: () => text,
  };
}
