/**
 * Relaying a client's `/v1/*` request to the OpenAI-compatible engine and its answer back,
 * untouched, as `ollama/passthrough.ts` does for Ollama: `/v1/chat/completions` goes to
 * `OPENAI_BASE_URL` + `/chat/completions`, with the engine's key in place of the client's. One
 * answer is not passed on as it is: the engine refusing the gateway's own key (`401`, `403`) is
 * the operator's to fix, so the client gets a `502` that says so, not a `401` that blames its key.
 *
 * @module
 */

import type { Context } from "hono";
import { relayVia } from "../ollama/passthrough.ts";
import { engineError, type EngineTarget, fetchEngine } from "./client.ts";

/** A handler that relays `/v1/<path>` to `<OPENAI_BASE_URL>/<path>` on the engine. */
export function relayToEngine(
  target: EngineTarget,
  shutdown: AbortSignal,
): (c: Context) => Promise<Response> {
  return relayVia(async (path, init) => {
    const response = await fetchEngine(target, path.replace(/^\/v1/, ""), init);
    if (response.status === 401 || response.status === 403) throw await engineError(response, "");
    return response;
  }, shutdown);
}
