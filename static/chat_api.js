/**
 * The gateway's HTTP API as the page uses it: the streamed chat (`POST chat_api`), the server's
 * default model and whether Ollama is up (`GET healthz`), the installed models (`GET api/tags`,
 * Ollama's own list behind the gateway's key, which also tells whether the key is accepted) and a
 * model's capabilities (`POST api/show`). URLs are relative, so the page also works below a path
 * prefix.
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
 * @typedef {object} ChatBody The `/chat_api` request.
 * @property {string} prompt
 * @property {string} [model]
 * @property {{ role: "user" | "assistant", content: string }[]} history
 * @property {string} [system]
 * @property {boolean | "low" | "medium" | "high"} [think]
 * @property {Record<string, number>} [options]
 */

/**
 * Sends a prompt and yields the answer's NDJSON lines (`{status}` while it waits, `{response}`,
 * `{thinking}`, `{done,…}`, `{error}`) as they arrive. Throws a {@link RequestFailure} when the server refuses, a
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

/**
 * The server's default model (`OLLAMA_MODEL`, "" if the server cannot say) and whether it can
 * reach Ollama.
 *
 * @returns {Promise<{ model: string, ollamaUp: boolean }>}
 */
export async function fetchHealth() {
  try {
    const response = await fetch("healthz", { cache: "no-store" });
    const health = await response.json();
    return {
      model: typeof health?.model === "string" ? health.model : "",
      ollamaUp: health?.ollama === "up",
    };
  } catch {
    return { model: "", ollamaUp: false };
  }
}

/**
 * @typedef {object} ModelList
 * @property {string[]} names Installed models, sorted; empty when the list could not be had.
 * @property {"ok" | "no-key" | "rejected" | "unavailable"} state "rejected": the server turned
 *   the key down; "unavailable": the key passed but the list did not come (Ollama down, say).
 */

/**
 * The models installed on the server, asked with `apiKey`: the answer also says whether the key
 * is accepted.
 *
 * @param {string} apiKey
 * @returns {Promise<ModelList>}
 */
export async function fetchModelList(apiKey) {
  if (apiKey === "") return { names: [], state: "no-key" };
  try {
    const response = await fetch("api/tags", { headers: authorization(apiKey), cache: "no-store" });
    if (!response.ok) {
      await response.body?.cancel();
      return { names: [], state: response.status === 401 ? "rejected" : "unavailable" };
    }
    const { models } = await response.json();
    const names = models.map((/** @type {{ name: string }} */ model) => String(model.name));
    return { names: names.sort(), state: "ok" };
  } catch {
    return { names: [], state: "unavailable" };
  }
}

/**
 * What `model` can do, from Ollama's `capabilities` ("completion", "thinking", "vision"…);
 * empty when the server cannot say (an engine without `/api/show`, say).
 *
 * @param {string} apiKey
 * @param {string} model
 * @returns {Promise<string[]>}
 */
export async function fetchCapabilities(apiKey, model) {
  if (apiKey === "" || model === "") return [];
  try {
    const response = await fetch("api/show", {
      method: "POST",
      headers: { "content-type": "application/json", ...authorization(apiKey) },
      body: JSON.stringify({ model }),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return [];
    }
    const { capabilities } = await response.json();
    return Array.isArray(capabilities) ? capabilities.map(String) : [];
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
