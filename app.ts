/**
 * The gateway as a Hono app: {@link createApp} wires the middleware and routes for a
 * {@link Config}. `main.ts` serves it; tests build it the same way.
 *
 * @module
 */

import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Config } from "./config.ts";
import { authFailureGuard } from "./lib/auth_guard.ts";
import { clientAddress } from "./lib/client_address.ts";
import { limitConcurrency } from "./lib/concurrency.ts";
import { errorResponse, GatewayError } from "./lib/errors.ts";
import { createLogger } from "./lib/logger.ts";
import { requestLog } from "./lib/request_log.ts";
import { API_PATHS, apiCors, securityHeaders } from "./lib/security_headers.ts";
import { loadStaticAssets, type StaticAsset } from "./lib/static_assets.ts";
import { chatApiRoutes } from "./routes/chat_api.ts";
import { chatPageRoutes } from "./routes/chat_page.ts";
import { healthRoutes } from "./routes/health.ts";

/**
 * The whole gateway for `config`; `assets` defaults to the project's `static/` folder. When
 * `shutdown` aborts, answers still streaming end with an error line (see `lib/shutdown.ts`).
 * Serve it with `Deno.serve`: limits and the request log follow each response to its end there.
 */
export function createApp(
  config: Config,
  assets: Map<string, StaticAsset> = loadStaticAssets(),
  shutdown: AbortSignal = new AbortController().signal,
) {
  const log = createLogger(config.logLevel);
  const authFailures = authFailureGuard({
    limit: config.authFailureLimit,
    windowMs: config.authFailureWindowMs,
    clientAddress: clientAddress(config.trustProxy),
  });
  const limitGeneration = limitConcurrency(config.maxConcurrentRequests);

  const app = new Hono();
  app.use(requestLog(log));
  app.use(securityHeaders());
  if (config.corsOrigins.length > 0) {
    for (const path of API_PATHS) app.use(path, apiCors(config.corsOrigins));
  }
  app.route("/", chatPageRoutes(assets));
  app.route("/", healthRoutes(config));
  app.route("/", chatApiRoutes(config, { authFailures, limitGeneration, shutdown }));

  app.notFound(() => errorResponse(404, "Not found"));
  app.onError((error, c) => {
    if (error instanceof GatewayError) {
      return errorResponse(error.status, error.message, error.headers);
    }
    if (error instanceof HTTPException) return error.getResponse();
    // The client went away before Ollama answered: nobody is left to read a response.
    if (c.req.raw.signal.aborted) return new Response(null, { status: 499 });
    log.error(`${c.req.method} ${c.req.path} failed: ${error.stack ?? error}`);
    return errorResponse(500, "The gateway failed unexpectedly; see its log");
  });
  return app;
}
