/**
 * `GET /healthz`: is the gateway up, and can it reach Ollama? Needs no key and reveals no secret;
 * answers within `healthTimeoutMs` even when Ollama hangs.
 *
 * @module
 */

import { Hono } from "hono";
import type { Config } from "../config.ts";
import { isOllamaUp } from "../ollama/client.ts";

/** The health route: `{"status":"ok","ollama":"up"|"down","model":"…"}`. */
export function healthRoutes(config: Config): Hono {
  return new Hono().get("/healthz", async (c) => {
    const ollama = await isOllamaUp(config.ollamaUrl, config.healthTimeoutMs) ? "up" : "down";
    c.header("cache-control", "no-store");
    return c.json({ status: "ok", ollama, model: config.defaultModel });
  });
}
