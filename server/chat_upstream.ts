/**
 * What `/chat_api` talks to: a {@link ChatUpstream} opens the answer to a validated request as the
 * gateway's NDJSON. There is one for Ollama (`ollama/chat_upstream.ts`) and one for an
 * OpenAI-compatible engine (`openai/chat_upstream.ts`); `OPENAI_BASE_URL` picks.
 *
 * @module
 */

import type { ChatRequest } from "../ollama/chat_request.ts";
import type { LineSource, RelayOptions } from "./line_relay.ts";

/** How one answer is opened. */
export interface OpenOptions extends Pick<RelayOptions, "onDone" | "onError" | "onEnd"> {
  /** The client's signal: when it aborts, the request upstream is cancelled and generation stops. */
  signal: AbortSignal;
  /** Aborts when the gateway's shutdown grace is over: the answer ends with an error line. */
  shutdown: AbortSignal;
}

/** The server that writes `/chat_api`'s answers. */
export interface ChatUpstream {
  /**
   * Sends `request` upstream; resolves with the answer as the gateway's NDJSON (the source of the
   * stream to send, see `relayLines`) once the upstream has begun answering. Throws a
   * `GatewayError` (with a status for the client) if it refuses or cannot be reached, and the
   * abort if the client left first.
   */
  open(request: ChatRequest, options: OpenOptions): Promise<LineSource>;
}
