/**
 * Ollama's API paths (`/api/*`) when the gateway fronts an OpenAI-compatible engine
 * (`OPENAI_BASE_URL`): there is no Ollama to relay them to, so each answers `501` in Ollama's
 * shape, saying to use `/v1` or `/chat_api`. One exception keeps the chat page working unchanged:
 * `GET /api/tags`, its model list, is answered from the engine's `GET /v1/models`. `/api/show`
 * is refused too, so the page shows no control the engine cannot honour; and `HEAD /` is no
 * longer answered like Ollama, since this server is not one.
 *
 * @module
 */

import { Hono } from "hono";
import type { ApiGuards } from "../middleware/api_guards.ts";
import { engineModelIds, type EngineTarget } from "../openai/client.ts";
import { GatewayError } from "../server/errors.ts";

/** The `/api/*` routes of engine mode. */
export function engineModeApiRoutes(target: EngineTarget, { requireKey }: ApiGuards): Hono {
  return new Hono()
    .use("/api/*", requireKey)
    .get("/api/tags", async (c) => {
      const ids = await engineModelIds(target, c.req.raw.signal);
      return c.json({ models: ids.map((id) => ({ name: id, model: id })) });
    })
    .all("/api/*", (c) => {
      throw new GatewayError(
        501,
        `This server fronts an OpenAI-compatible engine, not Ollama, so ${c.req.method} ` +
          `${c.req.path} is not available: use the OpenAI API under /v1 (such as POST ` +
          "/v1/chat/completions and GET /v1/models), or /chat_api",
      );
    });
}
