/**
 * `POST /chat_api`: the authenticated streaming chat endpoint (its contract is in
 * docs/ARCHITECTURE.md).
 * Turns away blocked clients and wrong keys, reads and validates the request (the body within its
 * deadline), then takes a place in the generation queue and, when its turn comes, opens the answer
 * upstream with the client's abort signal (Ollama's `/api/chat`, or an OpenAI-compatible engine's
 * `/chat/completions` when `OPENAI_BASE_URL` is set; see `server/chat_upstream.ts`), and streams
 * it back as the gateway's NDJSON. The slot is given back when Ollama's part is over, whatever the client
 * does. A request that has to wait in line, or whose answer has not begun after
 * `statusDelayMs`, gets its `200` at once and status lines until it begins (`chat_status.ts`).
 *
 * @module
 */

import { type Context, Hono } from "hono";
import type { ApiGuards } from "../middleware/api_guards.ts";
import type { Place } from "../middleware/generation_queue.ts";
import { requestBody } from "../middleware/read_body.ts";
import type {} from "../middleware/request_log.ts"; // The log fields this route sets.
import { type ChatRequest, parseChatRequest } from "../ollama/chat_request.ts";
import { ollamaChat, type OllamaChatTarget } from "../ollama/chat_upstream.ts";
import { isModelLoaded } from "../ollama/loaded_models.ts";
import { engineChat } from "../openai/chat_upstream.ts";
import type { EngineTarget } from "../openai/client.ts";
import { statusThenAnswer } from "../server/chat_status.ts";
import type { ChatUpstream } from "../server/chat_upstream.ts";
import { type LineSource, NO_READ_AHEAD } from "../server/line_relay.ts";
import { GatewayError } from "../server/errors.ts";

/**
 * What `/chat_api` needs to know: where Ollama is, or the engine when `engineUrl` is set, and
 * how to fill in and time an answer.
 */
export interface ChatApiOptions
  extends OllamaChatTarget, Partial<Pick<EngineTarget, "engineUrl" | "engineKey">> {
  /** Model used when a request names none. */
  defaultModel: string;
  /** Milliseconds without the answer beginning before status lines start. */
  statusDelayMs: number;
  /** Longest gap between two status lines, in milliseconds. */
  statusIntervalMs: number;
}

/** Milliseconds `/api/ps` may take to say whether the model is loaded. */
const PS_TIMEOUT_MS = 2_000;

const NDJSON = { "content-type": "application/x-ndjson", "cache-control": "no-store" };

/** The `/chat_api` route; `shutdown` ends answers still streaming when the grace is over. */
export function chatApiRoutes(
  options: ChatApiOptions,
  { requireKey, readBody, queue }: ApiGuards,
  shutdown: AbortSignal,
): Hono {
  const upstream: ChatUpstream = options.engineUrl
    ? engineChat({ ...options, engineUrl: options.engineUrl })
    : ollamaChat(options);
  // Only Ollama says whether a model is loaded (`/api/ps`); an engine's models always are.
  const isLoaded = options.engineUrl
    ? () => Promise.resolve(true)
    : (model: string) => isModelLoaded(options.ollamaUrl, model, PS_TIMEOUT_MS);
  return new Hono().post(
    "/chat_api",
    requireKey,
    readBody,
    async function chatApi(c) {
      const since = performance.now();
      const request = parseChatRequest(readJson(c), options.defaultModel);
      c.set("logModel", request.model);
      const gone = new AbortController();
      const signal = AbortSignal.any([c.req.raw.signal, shutdown, gone.signal]);
      const place = queue.join(signal);
      const answer = answerInTurn(c, place, request, signal);
      if (place.position === 0 && await settlesWithin(answer, options.statusDelayMs)) {
        return new Response(new ReadableStream(await answer, NO_READ_AHEAD), { headers: NDJSON });
      }
      const body = statusThenAnswer({
        place,
        answer,
        model: request.model,
        isModelLoaded: () => isLoaded(request.model),
        since,
        intervalMs: options.statusIntervalMs,
        onError: () => c.set("logStreamFailed", true),
        onCancel: () => gone.abort(),
      });
      return new Response(body, { headers: NDJSON });
    },
  );

  /**
   * Waits for `place`'s turn, asks Ollama, and resolves with the answer's lines once its headers
   * came; gives the place back when Ollama's part is over, or at once if it failed before.
   */
  async function answerInTurn(
    c: Context,
    place: Place,
    request: ChatRequest,
    signal: AbortSignal,
  ): Promise<LineSource> {
    try {
      await place.turn;
      return await upstream.open(request, {
        signal,
        shutdown,
        onDone: ({ eval_count }) => {
          if (typeof eval_count === "number") c.set("logTokensOut", eval_count);
        },
        onError: () => c.set("logStreamFailed", true),
        onEnd: place.leave,
      });
    } catch (error) {
      place.leave();
      throw error;
    }
  }
}

/** Whether `promise` settles (either way) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The request body as JSON, or a `400` that says it is not. */
function readJson(c: Context): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(requestBody(c)));
  } catch {
    throw new GatewayError(400, "The request body is not valid JSON");
  }
}
