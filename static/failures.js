/**
 * What went wrong, in words a reader understands: each way a request or an answer can fail
 * becomes a short sentence saying what happened and what to do.
 *
 * @module
 */

import { RequestFailure } from "./chat_api.js";

/**
 * The sentence for an answer that could not start because of `error`.
 *
 * @param {unknown} error What `streamChat` threw before the first line.
 * @param {string} model The model asked for ("" for the server's default).
 */
export function describeFailure(error, model) {
  if (!(error instanceof RequestFailure)) {
    return "Cannot reach OllamaSpace. Check your connection, then send the message again.";
  }
  const named = model === "" ? "The server's default model" : `The model "${model}"`;
  switch (error.status) {
    case 401:
      return "The API key is missing or wrong. Paste the server's key in the API key field " +
        "above, save it, and send the message again.";
    case 404:
      return `${named} is not installed on this server. Choose another model, or install it ` +
        `there with "ollama pull ${model || "<model>"}".`;
    case 429: {
      const wait = error.retryAfter ? ` in ${error.retryAfter} seconds` : " in a few seconds";
      return `The server is busy with other answers. Try again${wait}.`;
    }
    case 502:
      return "The server cannot reach Ollama, which writes the answers. It may be starting or " +
        "stopped; try again in a minute.";
    case 504:
      return "Ollama did not start answering in time (a large model may still be loading). " +
        "Try again in a minute.";
    case 413:
      return "The message is too long for this server. Shorten it, or start a new chat.";
    case 400:
      return `The server could not take this message: ${error.message}`;
    default:
      return `The server failed (HTTP ${error.status}): ${error.message || "no details"}`;
  }
}

/**
 * The sentence for an answer that broke off: `reason` is the server's error line, or the error
 * that ended the stream.
 *
 * @param {unknown} reason
 */
export function describeInterruption(reason) {
  if (typeof reason === "string") return `The answer broke off: ${reason}`;
  if (reason instanceof SyntaxError) return `The answer broke off: ${reason.message}`;
  return "The connection was lost, so the answer is incomplete.";
}
