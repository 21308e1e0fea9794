/**
 * `POST /chat_api`: the authenticated streaming chat endpoint (its contract is in
 * docs/ARCHITECTURE.md). Turns away blocked clients and wrong keys, holds a place among the
 * generations in flight, validates the request, opens the answer upstream with the client's abort
 * signal (Ollama's `/api/chat`, or an OpenAI-compatible engine's `/chat/completions` when
 * `OPENAI_BASE_URL` is set; see `server/chat_upstream.ts`), and streams it back as the gateway's
 * NDJSON.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import type { ApiGuards } from "../middleware/api_guards.ts";
import { parseChatRequest } from "../ollama/chat_request.ts";
import { ollamaChat, type OllamaChatTarget } from "../ollama/chat_upstream.ts";
import { engineChat } from "../openai/chat_upstream.ts";
import type { EngineTarget } from "../openai/client.ts";
import type { ChatUpstream } from "../server/chat_upstream.ts";
import { GatewayError } from "../server/errors.ts";
import { readRequestBody } from "../server/request_body.ts";

/**
 * What `/chat_api` needs to know: where Ollama is, or the engine when `engineUrl` is set, and
 * how to fill in and time an answer.
 */
export interface ChatApiOptions
  extends OllamaChatTarget, Partial<Pick<EngineTarget, "engineUrl" | "engineKey">> {
  /** Model used when a request names none. */
  defaultModel: string;
}

/** The `/chat_api` route; `shutdown` ends answers still streaming when the grace is over. */
export function chatApiRoutes(
  options: ChatApiOptions,
  { requireKey, limitGeneration, limitBody }: ApiGuards,
  shutdown: AbortSignal,
): Hono {
  const upstream: ChatUpstream = options.engineUrl
    ? engineChat({ ...options, engineUrl: options.engineUrl })
    : ollamaChat(options);
  return new Hono().post(
    "/chat_api",
    requireKey,
    limitGeneration,
    limitBody,
    async function chatApi(c) {
      const request = parseChatRequest(await readJson(c), options.defaultModel);
      c.set("logModel", request.model);
      const answer = await upstream.open(request, {
        signal: c.req.raw.signal,
        shutdown,
        onDone: ({ eval_count }) => {
          if (typeof eval_count === "number") c.set("logTokensOut", eval_count);
        },
        onError: () => c.set("logStreamFailed", true),
      });
      return new Response(answer, {
        headers: { "content-type": "application/x-ndjson", "cache-control": "no-store" },
      });
    },
  );
}

/** The request body as JSON, or a `400` that says it is not, or that it was cut short. */
async function readJson(c: Context): Promise<unknown> {
  const body = await readRequestBody(c.req.raw);
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new GatewayError(400, "The request body is not valid JSON");
  }
}
