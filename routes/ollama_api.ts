/**
 * Ollama's native API (`/api/*`) behind the gateway's keys, relayed untouched by
 * `ollama/passthrough.ts`. Only the endpoints listed here reach Ollama; anything else under `/api/` is
 * a `404`. Model management is refused with `403` unless `ALLOW_MODEL_MANAGEMENT` is on.
 *
 * Two probes answer without a key, as Ollama's do, so tools recognise the gateway as an Ollama
 * server: `GET /api/version` (it reveals nothing secret) and `HEAD /`.
 *
 * @module
 */

import { type Context, type Handler, Hono, type MiddlewareHandler } from "hono";
import type { Config } from "../config.ts";
import type { ApiGuards } from "../middleware/api_guards.ts";
import { requireApiKey } from "../middleware/auth.ts";
import { limitBody } from "../middleware/body_limit.ts";
import { errorResponse } from "../server/errors.ts";
import { GENERATION_PATHS, relayToOllama } from "../ollama/passthrough.ts";

/** Endpoints that change which models the server holds (besides `/api/blobs`, for model files). */
const MODEL_MANAGEMENT_PATHS = [
  "/api/pull",
  "/api/push",
  "/api/create",
  "/api/copy",
  "/api/delete",
];

/** Routes of Ollama's native API, and the `HEAD /` probe (mount before the chat page's `GET /`). */
export function ollamaApiRoutes(
  config: Config,
  { authFailures, limitGeneration, shutdown }: ApiGuards,
): Hono {
  const relay = relayToOllama(config, shutdown);
  const manage: Handler = config.allowModelManagement ? relay : refuseModelManagement;
  return new Hono()
    .use("/", answerHeadLikeOllama)
    .get("/api/version", relay)
    .use("/api/*", requireApiKey(config.apiKeys, { guard: authFailures }))
    // Model files can be gigabytes: no body limit, and only reachable when the operator opts in.
    .all("/api/blobs/:digest{sha256:[0-9a-f]+}", manage)
    .use("/api/*", limitBody(config.maxBodyBytes))
    .on("GET", ["/api/tags", "/api/ps"], relay)
    .post("/api/show", relay)
    .on("POST", GENERATION_PATHS.ollama, limitGeneration, relay)
    .on(["POST", "DELETE"], MODEL_MANAGEMENT_PATHS, manage)
    .all(
      "/api/*",
      (c) => errorResponse(404, `${c.req.method} ${c.req.path} is not part of Ollama's API here`),
    );
}

/**
 * `HEAD /` answers `200 text/plain` like Ollama's, for tools that probe for an Ollama server;
 * `GET /` goes on to the chat page. (Hono routes a `HEAD` as a `GET`, hence a middleware.)
 */
const answerHeadLikeOllama: MiddlewareHandler = async (c, next) => {
  if (c.req.method !== "HEAD") return await next();
  return new Response(null, { headers: { "content-type": "text/plain; charset=utf-8" } });
};

function refuseModelManagement(c: Context): Response {
  return errorResponse(
    403,
    `${c.req.path} is turned off: this gateway does not let clients pull, push, create, copy or ` +
      "delete models. Its operator can allow it with ALLOW_MODEL_MANAGEMENT=true.",
  );
}
