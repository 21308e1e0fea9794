/**
 * `GET /healthz`: is the gateway up, can it reach Ollama, and is the default model loaded (so the
 * next answer starts without a load)? Needs no key and reveals no secret; answers within
 * `healthTimeoutMs` even when Ollama hangs.
 *
 * @module
 */

import { Hono } from "hono";
import { isOllamaUp } from "../ollama/client.ts";
import { isModelLoaded } from "../ollama/loaded_models.ts";

/** What the health route reports on. */
export interface HealthOptions {
  /** Ollama's base URL. */
  ollamaUrl: string;
  /** Milliseconds to wait for Ollama before reporting it down. */
  healthTimeoutMs: number;
  /** The model the gateway uses when a request names none. */
  defaultModel: string;
}

/** The health route: `{"status":"ok","ollama":"up"|"down","model":"…","model_loaded":bool}`. */
export function healthRoutes(options: HealthOptions): Hono {
  return new Hono().get("/healthz", async (c) => {
    const { ollamaUrl, defaultModel, healthTimeoutMs } = options;
    const [up, loaded] = await Promise.all([
      isOllamaUp(ollamaUrl, healthTimeoutMs),
      isModelLoaded(ollamaUrl, defaultModel, healthTimeoutMs),
    ]);
    c.header("cache-control", "no-store");
    return c.json({
      status: "ok",
      ollama: up ? "up" : "down",
      model: defaultModel,
      model_loaded: up && loaded === true,
    });
  });
}
