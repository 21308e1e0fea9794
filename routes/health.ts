/**
 * `GET /healthz`: is the gateway up, and can it reach Ollama (or, when `OPENAI_BASE_URL` is set,
 * the engine: its `GET /models` with the engine's key)? Needs no key and reveals no secret;
 * answers within `healthTimeoutMs` even when the upstream hangs.
 *
 * @module
 */

import { Hono } from "hono";
import { isOllamaUp } from "../ollama/client.ts";
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
 * The health route: `{"status":"ok","ollama":"up"|"down","model":"…"}`, or with `"engine"` in
 * place of `"ollama"` in front of an engine.
 */
export function healthRoutes(options: HealthOptions): Hono {
  const { engineUrl, healthTimeoutMs } = options;
  const [upstream, isUp] = engineUrl
    ? [
      "engine",
      () =>
        isEngineUp({ ...options, engineUrl, firstByteTimeoutMs: healthTimeoutMs }, healthTimeoutMs),
    ]
    : ["ollama", () => isOllamaUp(options.ollamaUrl, healthTimeoutMs)];
  return new Hono().get("/healthz", async (c) => {
    const up = await isUp();
    c.header("cache-control", "no-store");
    return c.json({ status: "ok", [upstream]: up ? "up" : "down", model: options.defaultModel });
  });
}
