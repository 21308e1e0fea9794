/**
 * The gateway as a Hono app: {@link createApp} wires the middleware and routes for a
 * {@link Config}. `main.ts` serves it; tests build it the same way. How a request travels through
 * it is told in docs/ARCHITECTURE.md.
 *
 * @example A gateway in front of an Ollama that is not running
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createApp } from "./app.ts";
 * import { loadConfig } from "./config.ts";
 * import { loadStaticAssets } from "./server/static_assets.ts";
 *
 * const config = loadConfig({
 *   OLLAMA_URL: "http://127.0.0.1:9",
 *   OLLAMA_API_KEY: "an-example-key-0123",
 *   LOG_LEVEL: "error",
 * });
 * const app = createApp(config, { assets: await loadStaticAssets() });
 *
 * const noKey = await app.request("/chat_api", { method: "POST", body: "{}" });
 * assertEquals(noKey.status, 401);
 * const page = await app.request("/chat");
 * assertEquals(page.status, 200);
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import type { Config } from "./config.ts";
import { createApiGuards } from "./middleware/api_guards.ts";
import type { GenerationQueue } from "./middleware/generation_queue.ts";
import { requestLog } from "./middleware/request_log.ts";
import { apiCors, securityHeaders } from "./middleware/security_headers.ts";
import { API_PATHS } from "./routes/api_paths.ts";
import { chatApiRoutes } from "./routes/chat_api.ts";
import { chatPageRoutes } from "./routes/chat_page.ts";
import { engineModeApiRoutes } from "./routes/engine_mode_api.ts";
import { healthRoutes } from "./routes/health.ts";
import { ollamaApiRoutes } from "./routes/ollama_api.ts";
import { openAiApiRoutes } from "./routes/openai_api.ts";
import { errorHandler, GatewayError, shapeFor } from "./server/errors.ts";
import { createLogger } from "./server/logger.ts";
import type { StaticAssets } from "./server/static_assets.ts";

/** What the app is built from besides its configuration. */
export interface AppOptions {
  /** The page's files (`loadStaticAssets()`). */
  assets: StaticAssets;
  /**
   * Aborts when the gateway shuts down and the grace is over: answers still streaming end and
   * their requests to Ollama are cancelled (see `server/shutdown.ts`). Never, by default.
   */
  shutdown?: AbortSignal;
  /** The generation queue, for a caller that watches it (tests); by default one from `config`. */
  queue?: GenerationQueue;
}

/**
 * The whole gateway for `config`. Serve it with `Deno.serve`: limits and the request log follow
 * each response to its end there.
 */
export function createApp(
  config: Config,
  { assets, shutdown = new AbortController().signal, queue }: AppOptions,
): Hono {
  const log = createLogger(config.logLevel);
  const guards = createApiGuards(config, { shutdown, queue });

  const app = new Hono();
  app.use(requestLog(log));
  app.use(securityHeaders());
  if (config.corsOrigins.length > 0) {
    const cors = apiCors(config.corsOrigins);
    for (const path of API_PATHS) app.use(path, cors);
  }
  // First: its `HEAD /` probe answers like Ollama before the chat page's `GET /` redirect.
  app.route(
    "/",
    config.engineUrl
      ? engineModeApiRoutes({ ...config, engineUrl: config.engineUrl }, guards)
      : ollamaApiRoutes(config, guards, shutdown),
  );
  app.route("/", chatPageRoutes(assets));
  app.route("/", healthRoutes(config));
  app.route("/", chatApiRoutes(config, guards, shutdown));
  app.route("/", openAiApiRoutes(config, guards, shutdown));

  // Answered, not thrown: a throw here would skip the security headers of the middleware above.
  app.notFound((c) => shapeFor(c)(new GatewayError(404, "Not found")));
  app.onError(errorHandler(log));
  return app;
}
