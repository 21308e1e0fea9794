/**
 * `GET /healthz`: is the gateway up, and can it reach Ollama? Needs no key and reveals no secret;
 * answers within `healthTimeoutMs` even when Ollama hangs.
 *
 * @module
 */

import { Hono } from "hono";
import { isOllamaUp } from "../ollama/client.ts";

/** What the health route reports on. */
export interface HealthOptions {
  /** Ollama's base URL. */
  ollamaUrl: string;
  /** Milliseconds to wait for Ollama before reporting it down. */
  healthTimeoutMs: number;
  /** The model the gateway uses when a request names none. */
  defaultModel: string;
}

/** The health route: `{"status":"ok","ollama":"up"|"down","model":"…"}`. */
export function healthRoutes(options: HealthOptions): Hono {
  return new Hono().get("/healthz", async (c) => {
    const up = await isOllamaUp(options.ollamaUrl, options.healthTimeoutMs);
    c.header("cache-control", "no-store");
    return c.json({ status: "ok", ollama: up ? "up" : "down", model: options.defaultModel });
  });
}
