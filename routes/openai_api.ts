/**
 * The OpenAI-compatible API (`/v1/*`) behind the gateway's keys, relayed untouched (SSE included)
 * to Ollama's by `ollama/passthrough.ts`, or, when `OPENAI_BASE_URL` is set, to the engine's by
 * `openai/passthrough.ts`, with the engine's key. Every error the gateway itself gives here (a missing or
 * wrong key, a body too large, Ollama unreachable, an unknown endpoint) is answered in OpenAI's
 * shape by the app's error handler, so the OpenAI SDKs and the tools built on them report it well.
 *
 * @module
 */

import { Hono } from "hono";
import type { ApiGuards } from "../middleware/api_guards.ts";
import type { OllamaTarget } from "../ollama/client.ts";
import { relayToOllama } from "../ollama/passthrough.ts";
import type { EngineTarget } from "../openai/client.ts";
import { relayToEngine } from "../openai/passthrough.ts";
import { GatewayError } from "../server/errors.ts";
import { GENERATION_PATHS } from "./api_paths.ts";

/** Where the API is relayed: Ollama, or the engine when `engineUrl` is set. */
export type OpenAiApiOptions =
  & OllamaTarget
  & Partial<Pick<EngineTarget, "engineUrl" | "engineKey">>;

/** Routes of the OpenAI-compatible API. */
export function openAiApiRoutes(
  target: OpenAiApiOptions,
  { requireKey, readBody, limitGeneration }: ApiGuards,
  shutdown: AbortSignal,
): Hono {
  const relay = target.engineUrl
    ? relayToEngine({ ...target, engineUrl: target.engineUrl }, shutdown)
    : relayToOllama(target, shutdown);
  return new Hono()
    .use("/v1/*", requireKey, readBody)
    .get("/v1/models", relay)
    .get("/v1/models/:model{.+}", relay)
    .on("POST", GENERATION_PATHS.openai, limitGeneration, relay)
    .all("/v1/*", (c) => {
      throw new GatewayError(404, `${c.req.method} ${c.req.path} is not part of the API here`);
    });
}
