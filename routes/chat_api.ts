/**
 * `POST /chat_api`: the authenticated streaming chat endpoint (its contract is in
 * docs/ARCHITECTURE.md). Turns away blocked clients and wrong keys, holds a place among the
 * generations in flight, validates the request, opens Ollama's `/api/chat` with the client's abort
 * signal, and streams the answer back as the gateway's NDJSON through `chatStream`.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import type { ApiGuards } from "../middleware/api_guards.ts";
import { hasImages, parseChatRequest, toOllamaChat } from "../ollama/chat_request.ts";
import { chatStream } from "../ollama/chat_stream.ts";
import { fetchOllama, ollamaError, type OllamaTarget } from "../ollama/client.ts";
import { ContextSizer } from "../ollama/context.ts";
import { ModelInfoCache } from "../ollama/model_info.ts";
import { GatewayError } from "../server/errors.ts";

/** What `/chat_api` needs to know: where Ollama is, and how to fill in and time an answer. */
export interface ChatApiOptions extends OllamaTarget {
  /** Model used when a request names none. */
  defaultModel: string;
  /** Longest silence from Ollama mid-answer, in milliseconds, before the answer is ended. */
  idleTimeoutMs: number;
  /** Largest context window to ask Ollama for (`MAX_CONTEXT_TOKENS`). */
  maxContextTokens: number;
}

/** The `/chat_api` route; `shutdown` ends answers still streaming when the grace is over. */
export function chatApiRoutes(
  options: ChatApiOptions,
  { requireKey, limitGeneration, limitBody }: ApiGuards,
  shutdown: AbortSignal,
): Hono {
  const models = new ModelInfoCache(options);
  const contexts = new ContextSizer(options, models);
  return new Hono().post(
    "/chat_api",
    requireKey,
    limitGeneration,
    limitBody,
    async function chatApi(c) {
      const request = parseChatRequest(await readJson(c), options.defaultModel);
      c.set("logModel", request.model);
      if (hasImages(request)) await models.requireVision(request.model);
      const context = await contexts.plan(request);
      const upstream = await fetchOllama(options, "/api/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(toOllamaChat(context.request)),
        signal: AbortSignal.any([c.req.raw.signal, shutdown]),
      });
      if (!upstream.ok || !upstream.body) throw await ollamaError(upstream, request.model);
      const answer = chatStream(upstream.body, {
        onDone: ({ eval_count }) => {
          if (typeof eval_count === "number") c.set("logTokensOut", eval_count);
        },
        onError: () => c.set("logStreamFailed", true),
        idleTimeoutMs: options.idleTimeoutMs,
        signal: shutdown,
        prelude: context.notice,
      });
      return new Response(answer, {
        headers: { "content-type": "application/x-ndjson", "cache-control": "no-store" },
      });
    },
  );
}

/** The request body as JSON, or a `400` that says it is not. */
async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new GatewayError(400, "The request body is not valid JSON");
  }
}
