/**
 * The gateway as a Hono app: {@link createApp} wires the routes for a {@link Config}. `main.ts`
 * serves it; tests build it the same way.
 *
 * @module
 */

import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Config } from "./config.ts";
import { errorResponse, GatewayError } from "./lib/errors.ts";
import { loadStaticAssets, type StaticAsset } from "./lib/static_assets.ts";
import { chatApiRoutes } from "./routes/chat_api.ts";
import { chatPageRoutes } from "./routes/chat_page.ts";
import { healthRoutes } from "./routes/health.ts";
import { ollamaApiRoutes } from "./routes/ollama_api.ts";

/** The whole gateway for `config`; `assets` defaults to the project's `static/` folder. */
export function createApp(config: Config, assets: Map<string, StaticAsset> = loadStaticAssets()) {
  const app = new Hono();
  app.route("/", chatPageRoutes(assets));
  app.route("/", healthRoutes(config));
  app.route("/", chatApiRoutes(config));
  app.route("/", ollamaApiRoutes(config));

  app.notFound(() => errorResponse(404, "Not found"));
  app.onError((error, c) => {
    if (error instanceof GatewayError) {
      return errorResponse(error.status, error.message, error.headers);
    }
    if (error instanceof HTTPException) return error.getResponse();
    // The client went away before Ollama answered: nobody is left to read a response.
    if (c.req.raw.signal.aborted) return new Response(null, { status: 499 });
    console.error(`${c.req.method} ${c.req.path} failed:`, error);
    return errorResponse(500, "The gateway failed unexpectedly; see its log");
  });
  return app;
}
