/**
 * `GET /healthz`: is the gateway up, can it reach Ollama, and is the default model loaded (so the
 * next answer starts without a load)? Or, when `OPENAI_BASE_URL` is set, can it reach the engine
 * (its `GET /models` with the engine's key)? Needs no key and reveals no secret; answers within
 * `healthTimeoutMs` even when the upstream hangs.
 *
 * @module
 */

import { Hono } from "hono";
import { isOllamaUp } from "../ollama/client.ts";
import { isModelLoaded } from "../ollama/loaded_models.ts";
import { type EngineTarget, isEngineUp } from "../openai/client.ts";

/** What the health route reports on. */
export interface HealthOptions extends Partial<Pick<EngineTarget, "engineUrl" | "engineKey">> {
  /** Ollama's base URL. */
  ollamaUrl: string;
  /** Milliseconds to wait for Ollama before reporting it down. */
  healthTimeoutMs: number;
  /** The model the gateway uses when a request names none. */
  defaultModel: string;
}

/**
 * The health route: `{"status":"ok","ollama":"up"|"down","model":"…","model_loaded":bool}`, or
 * `{"status":"ok","engine":"up"|"down","model":"…"}` in front of an engine.
 */
export function healthRoutes(options: HealthOptions): Hono {
  const { engineUrl, ollamaUrl, defaultModel, healthTimeoutMs } = options;
  return new Hono().get("/healthz", async (c) => {
    if (engineUrl) {
      const up = await isEngineUp(
        { ...options, engineUrl, firstByteTimeoutMs: healthTimeoutMs },
        healthTimeoutMs,
      );
      c.header("cache-control", "no-store");
      return c.json({ status: "ok", engine: up ? "up" : "down", model: defaultModel });
    }
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
