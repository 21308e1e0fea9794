/**
 * The gateway's HTTP API as the page uses it: the streamed chat (`POST chat_api`), the server's
 * default model (`GET healthz`) and the installed models (`GET api/tags`, Ollama's own list behind
 * the gateway's key). URLs are relative, so the page also works below a path prefix.
 *
 * @module
 */

import { ndjsonObjects } from "./ndjson.js";

/** A request the server answered with an error status, before any answer began. */
export class RequestFailure extends Error {
  /**
   * @param {number} status HTTP status.
   * @param {string} message The server's own explanation.
   * @param {number | null} retryAfter Seconds to wait, when the server said.
   */
  constructor(status, message, retryAfter) {
    super(message);
    this.name = "RequestFailure";
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/**
 * @typedef {object} ChatBody The `/chat_api` request (DESIGN.md, "`/chat_api` contract").
 * @property {string} prompt
 * @property {string} [model]
 * @property {{ role: "user" | "assistant", content: string }[]} history
 */

/**
 * Sends a prompt and yields the answer's NDJSON lines (`{response}`, `{thinking}`, `{done,…}`,
 * `{error}`) as they arrive. Throws a {@link RequestFailure} when the server refuses, a
 * `TypeError` when it cannot be reached, and the abort when `signal` stops it.
 *
 * @param {{ apiKey: string, body: ChatBody, signal: AbortSignal }} request
 */
export async function* streamChat({ apiKey, body, signal }) {
  const response = await fetch("chat_api", {
    method: "POST",
    headers: { "content-type": "application/json", ...authorization(apiKey) },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok || !response.body) throw await failureOf(response);
  yield* ndjsonObjects(response.body);
}

/** The server's default model (`OLLAMA_MODEL`), or "" if the server cannot say. */
export async function fetchDefaultModel() {
  try {
    const response = await fetch("healthz");
    const health = await response.json();
    return typeof health?.model === "string" ? health.model : "";
  } catch {
    return "";
  }
}

/**
 * Names of the models installed on the server, sorted; empty when the list cannot be had (no key,
 * a wrong key, or a server without the list).
 *
 * @param {string} apiKey
 * @returns {Promise<string[]>}
 */
export async function fetchModelNames(apiKey) {
  if (apiKey === "") return [];
  try {
    const response = await fetch("api/tags", { headers: authorization(apiKey) });
    if (!response.ok) {
      await response.body?.cancel();
      return [];
    }
    const { models } = await response.json();
    return models.map((/** @type {{ name: string }} */ model) => String(model.name)).sort();
  } catch {
    return [];
  }
}

/** @param {string} apiKey */
function authorization(apiKey) {
  return apiKey === "" ? {} : { authorization: `Bearer ${apiKey}` };
}

/** @param {Response} response */
async function failureOf(response) {
  let message = "";
  try {
    const text = await response.text();
    try {
      message = String(JSON.parse(text).error ?? text);
    } catch {
      message = text;
    }
  } catch {
    // No body to read: the status says enough.
  }
  const retryAfter = Number.parseInt(response.headers.get("retry-after") ?? "", 10);
  return new RequestFailure(
    response.status,
    message.slice(0, 300),
    Number.isNaN(retryAfter) ? null : retryAfter,
  );
}
