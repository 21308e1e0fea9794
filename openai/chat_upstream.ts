/**
 * `/chat_api` in front of an OpenAI-compatible engine: {@link engineChat} sends the request to
 * its `POST /chat/completions` and streams the answer back through `engineLines`.
 *
 * @module
 */

import type { ChatUpstream } from "../server/chat_upstream.ts";
import { toEngineChat } from "./chat_request.ts";
import { engineLines } from "./chat_stream.ts";
import { engineError, type EngineTarget, fetchEngine } from "./client.ts";

/** Where the engine is, and how long it may stay silent mid-answer. */
export interface EngineChatTarget extends EngineTarget {
  /** Longest silence from the engine mid-answer, in milliseconds, before the answer is ended. */
  idleTimeoutMs: number;
}

/** The chat upstream for the engine at `target`. */
export function engineChat(target: EngineChatTarget): ChatUpstream {
  return {
    async open(request, { signal, shutdown, onDone, onError, onEnd }) {
      const body = JSON.stringify(toEngineChat(request)); // A 400 before anything is sent.
      const startedAt = performance.now();
      const upstream = await fetchEngine(target, "/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body,
        signal: AbortSignal.any([signal, shutdown]),
      });
      if (!upstream.ok || !upstream.body) throw await engineError(upstream, request.model);
      return engineLines(upstream.body, {
        model: request.model,
        startedAt,
        onDone,
        onError,
        onEnd,
        idleTimeoutMs: target.idleTimeoutMs,
        signal: shutdown,
      });
    },
  };
}
