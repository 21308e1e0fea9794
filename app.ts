/**
 * The gateway as a Hono app: {@link createApp} wires the middleware and routes for a
 * {@link Config}. `main.ts` serves it; tests build it the same way.
 *
 * @module
 */

import { Hono } from "hono";
import type { Config } from "./config.ts";
import { createApiGuards } from "./middleware/api_guards.ts";
import { errorHandler, errorResponse } from "./server/errors.ts";
import { createLogger } from "./server/logger.ts";
import { requestLog } from "./middleware/request_log.ts";
import { API_PATHS, apiCors, securityHeaders } from "./middleware/security_headers.ts";
import { loadStaticAssets, type StaticAsset } from "./server/static_assets.ts";
import { chatApiRoutes } from "./routes/chat_api.ts";
import { chatPageRoutes } from "./routes/chat_page.ts";
import { healthRoutes } from "./routes/health.ts";
import { ollamaApiRoutes } from "./routes/ollama_api.ts";
import { openAiApiRoutes } from "./routes/openai_api.ts";

/**
 * The whole gateway for `config`; `assets` defaults to the project's `static/` folder. When
 * `shutdown` aborts, answers still streaming end (see `server/shutdown.ts`). Serve it with
 * `Deno.serve`: limits and the request log follow each response to its end there.
 */
export function createApp(
  config: Config,
  assets: Map<string, StaticAsset> = loadStaticAssets(),
  shutdown: AbortSignal = new AbortController().signal,
) {
  const log = createLogger(config.logLevel);
  const guards = createApiGuards(config, shutdown, log);

  const app = new Hono();
  app.use(requestLog(log));
  app.use(securityHeaders());
  if (config.corsOrigins.length > 0) {
    for (const path of API_PATHS) app.use(path, apiCors(config.corsOrigins));
  }
  // First: its `HEAD /` probe answers like Ollama before the chat page's `GET /` redirect.
  app.route("/", ollamaApiRoutes(config, guards));
  app.route("/", chatPageRoutes(assets));
  app.route("/", healthRoutes(config));
  app.route("/", chatApiRoutes(config, guards));
  app.route("/", openAiApiRoutes(config, guards));

  app.notFound(() => errorResponse(404, "Not found"));
  app.onError(errorHandler(log));
  return app;
}
