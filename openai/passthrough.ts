/**
 * Relaying a client's `/v1/*` request to the OpenAI-compatible engine and its answer back,
 * untouched, as `ollama/passthrough.ts` does for Ollama: `/v1/chat/completions` goes to
 * `OPENAI_BASE_URL` + `/chat/completions`, with the engine's key in place of the client's.
 *
 * @module
 */

import type { Context } from "hono";
import { relayVia } from "../ollama/passthrough.ts";
import { type EngineTarget, fetchEngine } from "./client.ts";

/** A handler that relays `/v1/<path>` to `<OPENAI_BASE_URL>/<path>` on the engine. */
export function relayToEngine(
  target: EngineTarget,
  shutdown: AbortSignal,
): (c: Context) => Promise<Response> {
  return relayVia((path, init) => fetchEngine(target, path.replace(/^\/v1/, ""), init), shutdown);
}
