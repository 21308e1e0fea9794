/**
 * `GET /healthz`: is the gateway up, can it reach Ollama, and is the default model loaded (so the
 * next answer starts without a load)? Or, when `OPENAI_BASE_URL` is set, can it reach the engine
 * (its `GET /models` with the engine's key)? Needs no key and reveals no secret; answers within
 * `healthTimeoutMs` even when the upstream hangs. Every probe within a second shares one look
 * upstream (`sharedAnswer`), so a flood of probes is no flood to Ollama.
 *
 * @module
 */

import { Hono } from "hono";
import { isOllamaUp } from "../ollama/client.ts";
import { isModelLoaded } from "../ollama/loaded_models.ts";
import { PROBE_ANSWER_MS, sharedAnswer } from "../ollama/shared_answer.ts";
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
  const look: () => Promise<Record<string, unknown>> = engineUrl
    ? async () => {
      const target = { ...options, engineUrl, firstByteTimeoutMs: healthTimeoutMs };
      const up = await isEngineUp(target, healthTimeoutMs);
      return { status: "ok", engine: up ? "up" : "down", model: defaultModel };
    }
    : async () => {
      const [up, loaded] = await Promise.all([
        isOllamaUp(ollamaUrl, healthTimeoutMs),
        isModelLoaded(ollamaUrl, defaultModel, healthTimeoutMs),
      ]);
      return {
        status: "ok",
        ollama: up ? "up" : "down",
        model: defaultModel,
        model_loaded: up && loaded === true,
      };
    };
  const health = sharedAnswer(look, PROBE_ANSWER_MS);
  return new Hono().get("/healthz", async (c) => {
    c.header("cache-control", "no-store");
    return c.json(await health());
  });
}
