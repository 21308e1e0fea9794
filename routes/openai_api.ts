/**
 * Ollama's OpenAI-compatible API (`/v1/*`) behind the gateway's keys, relayed untouched by
 * `ollama/passthrough.ts` (SSE included). Every error the gateway itself gives here (a missing or
 * wrong key, a body too large, Ollama unreachable, an unknown endpoint) is in OpenAI's shape, so
 * the OpenAI SDKs and the tools built on them report it properly.
 *
 * @module
 */

import { Hono } from "hono";
import type { Config } from "../config.ts";
import type { ApiGuards } from "../middleware/api_guards.ts";
import { requireApiKey } from "../middleware/auth.ts";
import { limitBody } from "../middleware/body_limit.ts";
import { errorHandler, openAiErrorResponse } from "../server/errors.ts";
import { GENERATION_PATHS, relayToOllama } from "../ollama/passthrough.ts";

/** Routes of the OpenAI-compatible API. */
export function openAiApiRoutes(
  config: Config,
  { authFailures, limitGeneration, shutdown, log }: ApiGuards,
): Hono {
  const relay = relayToOllama(config, shutdown);
  return new Hono()
    .use(
      "/v1/*",
      requireApiKey(config.apiKeys, {
        unauthorized: (message) => openAiErrorResponse(401, message),
        guard: authFailures,
      }),
    )
    .use("/v1/*", limitBody(config.maxBodyBytes, openAiErrorResponse))
    .get("/v1/models", relay)
    .on("POST", GENERATION_PATHS.openai, limitGeneration, relay)
    .all(
      "/v1/*",
      (c) => openAiErrorResponse(404, `${c.req.method} ${c.req.path} is not part of the API here`),
    )
    .onError(errorHandler(log, openAiErrorResponse));
}
