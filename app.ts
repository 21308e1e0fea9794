/**
 * The gateway as a Hono app: {@link createApp} wires the routes for a {@link Config}. `main.ts`
 * serves it; tests build it the same way.
 *
 * @module
 */

import { Hono } from "hono";
import type { Config } from "./config.ts";
import { errorHandler, errorResponse } from "./lib/errors.ts";
import { loadStaticAssets, type StaticAsset } from "./lib/static_assets.ts";
import { chatApiRoutes } from "./routes/chat_api.ts";
import { chatPageRoutes } from "./routes/chat_page.ts";
import { healthRoutes } from "./routes/health.ts";
import { ollamaApiRoutes } from "./routes/ollama_api.ts";
import { openAiApiRoutes } from "./routes/openai_api.ts";

/** The whole gateway for `config`; `assets` defaults to the project's `static/` folder. */
export function createApp(config: Config, assets: Map<string, StaticAsset> = loadStaticAssets()) {
  const app = new Hono();
  // First: its `HEAD /` probe answers like Ollama before the chat page's `GET /` redirect.
  app.route("/", ollamaApiRoutes(config));
  app.route("/", chatPageRoutes(assets));
  app.route("/", healthRoutes(config));
  app.route("/", chatApiRoutes(config));
  app.route("/", openAiApiRoutes(config));

  app.notFound(() => errorResponse(404, "Not found"));
  app.onError(errorHandler());
  return app;
}
