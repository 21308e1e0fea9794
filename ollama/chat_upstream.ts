/**
 * `/chat_api` in front of Ollama: {@link ollamaChat} refuses images for a model without vision,
 * sizes the context window for the conversation (`ContextSizer`), sends the request to `/api/chat` and streams the answer back through
 * `chatLines`, after the context notice when earlier turns no longer fit.
 *
 * @module
 */

import type { ChatUpstream } from "../server/chat_upstream.ts";
import { hasImages, toOllamaChat } from "./chat_request.ts";
import { chatLines } from "./chat_stream.ts";
import { fetchOllama, ollamaError, type OllamaTarget } from "./client.ts";
import { type ContextOptions, ContextSizer } from "./context.ts";
import { ModelInfoCache } from "./model_info.ts";

/** Where Ollama is, how long it may stay silent mid-answer, and the largest context to ask for. */
export interface OllamaChatTarget extends OllamaTarget, ContextOptions {
  /** Longest silence from Ollama mid-answer, in milliseconds, before the answer is ended. */
  idleTimeoutMs: number;
}

/** The chat upstream for Ollama at `target`. */
export function ollamaChat(target: OllamaChatTarget): ChatUpstream {
  // One cached /api/show lookup per model serves the vision check and the context sizing.
  const models = new ModelInfoCache(target);
  const contexts = new ContextSizer(target, models);
  return {
    async open(request, { signal, shutdown, onDone, onError, onEnd }) {
      if (hasImages(request)) await models.requireVision(request.model);
      const context = await contexts.plan(request);
      const upstream = await fetchOllama(target, "/api/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(toOllamaChat(context.request)),
        signal: AbortSignal.any([signal, shutdown]),
      });
      if (!upstream.ok || !upstream.body) throw await ollamaError(upstream, request.model);
      return chatLines(upstream.body, {
        onDone,
        onError,
        onEnd,
        idleTimeoutMs: target.idleTimeoutMs,
        signal: shutdown,
        prelude: context.notice,
      });
    },
  };
}
