/**
 * Separates reasoning that a model writes inline, as `<think>…</think>` at the start of its
 * answer, from the answer itself while the text streams in. Tags cut across chunks are still
 * recognised. Only a `<think>` that opens the answer counts: the same tag later in the text (in an
 * explanation, say) is answer text like any other.
 *
 * @module
 */

const OPEN = "<think>";
const CLOSE = "</think>";

/**
 * @typedef {{ thinking: string, answer: string }} Parts
 * The text of one chunk, split: reasoning, then answer (either may be empty).
 */

/**
 * A splitter for one answer: call `split` with each chunk of answer text as it arrives, then
 * `flush` once at the end for whatever was held back while a tag could still be forming.
 *
 * @returns {{ split(text: string): Parts, flush(): Parts }}
 */
export function createThinkSplitter() {
  /** "start": only blanks so far; "thinking": inside the tags; "gap": blanks after them. */
  let state = "start";
  let held = "";

  /** @param {string} text @returns {Parts} */
  const split = (text) => {
    if (state === "answer") return { thinking: "", answer: text };
    if (state === "gap") {
      const answer = text.trimStart();
      if (answer !== "") state = "answer";
      return { thinking: "", answer };
    }
    held += text;
    if (state === "start") {
      const begun = held.trimStart();
      if (begun.length < OPEN.length && OPEN.startsWith(begun)) return { thinking: "", answer: "" };
      if (!begun.startsWith(OPEN)) {
        state = "answer";
        const answer = held;
        held = "";
        return { thinking: "", answer };
      }
      state = "thinking";
      held = begun.slice(OPEN.length);
    }
    const close = held.indexOf(CLOSE);
    if (close !== -1) {
      const thinking = held.slice(0, close);
      const rest = held.slice(close + CLOSE.length);
      held = "";
      state = "gap";
      return { thinking, answer: split(rest).answer };
    }
    const keep = closingTagStart(held);
    const thinking = held.slice(0, held.length - keep);
    held = held.slice(held.length - keep);
    return { thinking, answer: "" };
  };

  /** @returns {Parts} */
  const flush = () => {
    const rest = held;
    held = "";
    if (state === "thinking") return { thinking: rest, answer: "" };
    return { thinking: "", answer: state === "start" ? rest : "" };
  };

  return { split, flush };
}

/** How many characters at the end of `text` could be the start of `</think>`. */
function closingTagStart(/** @type {string} */ text) {
  for (let length = Math.min(CLOSE.length - 1, text.length); length > 0; length--) {
    if (CLOSE.startsWith(text.slice(-length))) return length;
  }
  return 0;
}
