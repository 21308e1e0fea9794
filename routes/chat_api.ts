/**
 * `POST /chat_api`: the authenticated streaming chat endpoint (DESIGN.md, "`/chat_api`
 * contract"). Turns away blocked clients and wrong keys, holds a place among the generations in
 * flight, validates the request, opens Ollama's `/api/chat` with the client's abort signal, and
 * streams the answer back as the gateway's NDJSON through `chatStream`.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import type { Config } from "../config.ts";
import type { ApiGuards } from "../middleware/api_guards.ts";
import { requireApiKey } from "../middleware/auth.ts";
import { limitBody } from "../middleware/body_limit.ts";
import { parseChatRequest, toOllamaChat } from "../ollama/chat_request.ts";
import { chatStream } from "../ollama/chat_stream.ts";
import { GatewayError } from "../server/errors.ts";
import { fetchOllama, ollamaError } from "../ollama/client.ts";

/** The `/chat_api` route. */
export function chatApiRoutes(
  config: Config,
  { authFailures, limitGeneration, shutdown }: ApiGuards,
): Hono {
  return new Hono().post(
    "/chat_api",
    requireApiKey(config.apiKeys, { guard: authFailures }),
    limitGeneration,
    limitBody(config.maxBodyBytes),
    async (c) => {
      const request = parseChatRequest(await readJson(c), config.defaultModel);
      c.set("logModel", request.model);
      const upstream = await fetchOllama(config, "/api/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(toOllamaChat(request)),
        signal: AbortSignal.any([c.req.raw.signal, shutdown]),
      });
      if (!upstream.ok || !upstream.body) throw await ollamaError(upstream, request.model);
      const answer = chatStream(upstream.body, {
        onDone: ({ eval_count }) => {
          if (typeof eval_count === "number") c.set("logTokensOut", eval_count);
        },
        onError: () => c.set("logStreamFailed", true),
        idleTimeoutMs: config.idleTimeoutMs,
        signal: shutdown,
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
