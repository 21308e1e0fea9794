/**
 * Ollama's native API (`/api/*`) behind the gateway's keys, relayed untouched by
 * `lib/passthrough.ts`. Only the endpoints listed here reach Ollama; anything else under `/api/` is
 * a `404`. `GET /api/version` needs no key: tools probe it to recognise an Ollama server, and it
 * reveals nothing secret.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import type { Config } from "../config.ts";
import { requireApiKey } from "../lib/auth.ts";
import { errorResponse } from "../lib/errors.ts";
import { relayToOllama } from "../lib/passthrough.ts";

/** Routes of Ollama's native API. */
export function ollamaApiRoutes(config: Config): Hono {
  const relay = (c: Context) => relayToOllama(config, c.req.raw, c.req.path);
  return new Hono()
    .get("/api/version", relay)
    .use("/api/*", requireApiKey(config.apiKeys))
    .on("GET", ["/api/tags", "/api/ps"], relay)
    .all(
      "/api/*",
      (c) => errorResponse(404, `${c.req.method} ${c.req.path} is not part of Ollama's API here`),
    );
}
