/**
 * `/chat_api` in front of Ollama: {@link ollamaChat} sends the request to `/api/chat` and streams
 * the answer back through `chatStream`.
 *
 * @module
 */

import type { ChatUpstream } from "../server/chat_upstream.ts";
import { toOllamaChat } from "./chat_request.ts";
import { chatStream } from "./chat_stream.ts";
import { fetchOllama, ollamaError, type OllamaTarget } from "./client.ts";

/** Where Ollama is, and how long it may stay silent mid-answer. */
export interface OllamaChatTarget extends OllamaTarget {
  /** Longest silence from Ollama mid-answer, in milliseconds, before the answer is ended. */
  idleTimeoutMs: number;
}

/** The chat upstream for Ollama at `target`. */
export function ollamaChat(target: OllamaChatTarget): ChatUpstream {
  return {
    async open(request, { signal, shutdown, onDone, onError }) {
      const upstream = await fetchOllama(target, "/api/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(toOllamaChat(request)),
        signal: AbortSignal.any([signal, shutdown]),
      });
      if (!upstream.ok || !upstream.body) throw await ollamaError(upstream, request.model);
      return chatStream(upstream.body, {
        onDone,
        onError,
        idleTimeoutMs: target.idleTimeoutMs,
        signal: shutdown,
      });
    },
  };
}
