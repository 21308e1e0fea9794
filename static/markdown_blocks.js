/**
 * Finds where a growing markdown text has whole blocks that more text can no longer change, so a
 * streaming answer re-renders only its last block instead of everything so far. A block is
 * settled once a blank line (outside a code fence) is followed by a line that starts at the left
 * margin; indented lines may still belong to a list item above, and a fence holds everything until
 * it closes, as does display maths begun on a line of its own (`$$` or `\[`), so a formula is
 * never cut in two. A few constructs can still reach back across that line (a loose list, a link
 * reference defined later), so the finished answer is rendered once more, whole.
 *
 * @module
 */

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
/** A line opening display maths; group 1 is its delimiter. */
const MATH_OPENING = /^ {0,3}(\$\$|\\\[)/;
/** The delimiter that closes display maths opened with each. */
const MATH_CLOSING = { "$$": "$$", "\\[": "\\]" };

/**
 * A tracker for one growing text. The returned function takes the text so far (each call's text
 * extends the last one's) and returns the length of its settled start. Each line is looked at
 * once, so tracking a whole answer costs time in proportion to its length.
 *
 * @returns {(text: string) => number}
 */
export function createBlockTracker() {
  let scanned = 0;
  let settled = 0;
  let fence = "";
  /** The delimiter that will close the display maths open, or "". */
  let maths = "";
  let afterBlank = false;

  return (text) => {
    for (let end = text.indexOf("\n", scanned); end !== -1; end = text.indexOf("\n", scanned)) {
      const start = scanned;
      const line = text.slice(start, end);
      scanned = end + 1;
      const marker = FENCE.exec(line)?.[1] ?? "";
      if (maths !== "") {
        if (line.includes(maths)) {
          maths = "";
          afterBlank = false;
        }
      } else if (fence !== "") {
        if (closesFence(marker, fence, line)) {
          fence = "";
          afterBlank = true;
        }
      } else if (line.trim() === "") {
        afterBlank = true;
      } else {
        if (afterBlank && line[0] !== " " && line[0] !== "\t") settled = start;
        afterBlank = false;
        fence = marker;
        maths = opensMaths(line);
      }
    }
    return settled;
  };
}

/** The delimiter closing display maths `line` opens and does not close, or "". */
function opensMaths(/** @type {string} */ line) {
  const opening = MATH_OPENING.exec(line)?.[1];
  if (opening === undefined) return "";
  const closing = MATH_CLOSING[/** @type {keyof MATH_CLOSING} */ (opening)];
  return line.includes(closing, line.indexOf(opening) + opening.length) ? "" : closing;
}

/** Whether `line`, whose fence marker is `marker`, closes a fence opened with `opening`. */
function closesFence(
  /** @type {string} */ marker,
  /** @type {string} */ opening,
  /** @type {string} */ line,
) {
  return marker !== "" && marker[0] === opening[0] && marker.length >= opening.length &&
    line.trim() === marker;
}
