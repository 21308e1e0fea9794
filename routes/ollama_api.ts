/**
 * Ollama's native API (`/api/*`) behind the gateway's keys, relayed untouched by
 * `ollama/passthrough.ts`. Only the endpoints listed here reach Ollama; anything else under `/api/`
 * is a `404`. Model management is refused with `403` unless `ALLOW_MODEL_MANAGEMENT` is on.
 *
 * Two probes answer without a key, as Ollama's do, so tools recognise the gateway as an Ollama
 * server: `GET /api/version` (it reveals nothing secret; every call within a second shares one
 * answer from Ollama, see `sharedAnswer`) and `HEAD /`.
 *
 * @module
 */

import { type Context, type Handler, Hono, type MiddlewareHandler } from "hono";
import type { ApiGuards } from "../middleware/api_guards.ts";
import { fetchOllama, type OllamaTarget } from "../ollama/client.ts";
import { relayToOllama } from "../ollama/passthrough.ts";
import { PROBE_ANSWER_MS, sharedAnswer } from "../ollama/shared_answer.ts";
import { GatewayError } from "../server/errors.ts";
import { GENERATION_PATHS, MODEL_MANAGEMENT_PATHS } from "./api_paths.ts";

/** Where Ollama is, and whether clients may change its models. */
export interface OllamaApiOptions extends OllamaTarget {
  /** Whether clients may pull, push, create, copy and delete models. */
  allowModelManagement: boolean;
}

/** Routes of Ollama's native API, and the `HEAD /` probe (mount before the chat page's `GET /`). */
export function ollamaApiRoutes(
  options: OllamaApiOptions,
  { requireKey, readBody, limitGeneration }: ApiGuards,
  shutdown: AbortSignal,
): Hono {
  const relay = relayToOllama(options, shutdown);
  const manage: Handler = options.allowModelManagement ? relay : refuseModelManagement;
  const upload: Handler = options.allowModelManagement
    ? relayToOllama(options, shutdown, { streamBody: true })
    : refuseModelManagement;
  return new Hono()
    .use("/", answerHeadLikeOllama)
    .get("/api/version", versionProbe(options))
    .use("/api/*", requireKey)
    // Model files can be gigabytes: no body limit, and only reachable when the operator opts in.
    .all("/api/blobs/:digest{sha256:[0-9a-f]+}", upload)
    .use("/api/*", readBody)
    .on("GET", ["/api/tags", "/api/ps"], relay)
    .post("/api/show", relay)
    .on("POST", GENERATION_PATHS.ollama, limitGeneration, relay)
    .on(["POST", "DELETE"], MODEL_MANAGEMENT_PATHS, manage)
    .all("/api/*", (c) => {
      throw new GatewayError(404, `${c.req.method} ${c.req.path} is not part of Ollama's API here`);
    });
}

/**
 * `HEAD /` answers `200 text/plain` like Ollama's, for tools that probe for an Ollama server;
 * `GET /` goes on to the chat page. (Hono routes a `HEAD` as a `GET`, hence a middleware.)
 */
const answerHeadLikeOllama: MiddlewareHandler = async function answerHeadLikeOllama(c, next) {
  if (c.req.method !== "HEAD") return await next();
  return new Response(null, { headers: { "content-type": "text/plain; charset=utf-8" } });
};

/** `GET /api/version` answered with Ollama's answer, one for every call within a moment. */
function versionProbe(target: OllamaTarget): Handler {
  const version = sharedAnswer(async () => {
    const response = await fetchOllama(target, "/api/version", { method: "GET" });
    const contentType = response.headers.get("content-type") ?? "application/json";
    return { status: response.status, contentType, body: await response.text() };
  }, PROBE_ANSWER_MS);
  return async function versionProbe() {
    const { status, contentType, body } = await version();
    return new Response(body, { status, headers: { "content-type": contentType } });
  };
}

function refuseModelManagement(c: Context): never {
  throw new GatewayError(
    403,
    `${c.req.path} is turned off: this gateway does not let clients pull, push, create, copy or ` +
      "delete models. Its operator can allow it with ALLOW_MODEL_MANAGEMENT=true.",
  );
}
