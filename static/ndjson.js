/**
 * Reads a streamed NDJSON body (one JSON object a line) as objects, however the network splits
 * it: a line cut across reads waits for its end, a character cut across reads is decoded whole,
 * and a last line without its newline still counts.
 *
 * @module
 */

/**
 * Yields the objects of `body`'s lines as they complete. Throws if a line is not JSON. Stopping
 * early (`break`, `return`) cancels the body.
 *
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<Record<string, unknown>>}
 */
export async function* ndjsonObjects(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let partialLine = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      let start = 0;
      let newline = value.indexOf("\n");
      if (newline === -1) {
        partialLine += value;
        continue;
      }
      let line = partialLine + value.slice(0, newline);
      for (;;) {
        if (line.trim() !== "") yield parseLine(line);
        start = newline + 1;
        newline = value.indexOf("\n", start);
        if (newline === -1) break;
        line = value.slice(start, newline);
      }
      partialLine = value.slice(start);
    }
    if (partialLine.trim() !== "") yield parseLine(partialLine);
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** @param {string} line */
function parseLine(line) {
  try {
    return JSON.parse(line);
  } catch {
    throw new SyntaxError(`The server sent a line that is not JSON: ${line.slice(0, 80)}`);
  }
}
