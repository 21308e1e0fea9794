/**
 * Ollama's OpenAI-compatible API (`/v1/*`) behind the gateway's keys, relayed untouched by
 * `lib/passthrough.ts` (SSE included). Every error the gateway itself gives here (a missing or
 * wrong key, a body too large, Ollama unreachable, an unknown endpoint) is in OpenAI's shape, so
 * the OpenAI SDKs and the tools built on them report it properly.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import type { Config } from "../config.ts";
import { requireApiKey } from "../lib/auth.ts";
import { limitBody } from "../lib/body_limit.ts";
import { errorHandler, openAiErrorResponse } from "../lib/errors.ts";
import { GENERATION_PATHS, relayToOllama } from "../lib/passthrough.ts";

/** Routes of the OpenAI-compatible API. */
export function openAiApiRoutes(config: Config): Hono {
  const relay = (c: Context) => relayToOllama(config, c.req.raw, c.req.path);
  return new Hono()
    .use(
      "/v1/*",
      requireApiKey(config.apiKeys, {
        unauthorized: (message) => openAiErrorResponse(401, message),
      }),
    )
    .use("/v1/*", limitBody(config.maxBodyBytes, openAiErrorResponse))
    .get("/v1/models", relay)
    .on("POST", GENERATION_PATHS.openai, relay)
    .all(
      "/v1/*",
      (c) => openAiErrorResponse(404, `${c.req.method} ${c.req.path} is not part of the API here`),
    )
    .onError(errorHandler(openAiErrorResponse));
}
