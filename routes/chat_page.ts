/**
 * The browser side: `GET /` sends people to the chat, `GET /chat` is the chat page, and
 * `GET /static/*` serves the page's assets from memory (see `server/static_assets.ts`).
 *
 * @module
 */

import { Hono } from "hono";
import { assetResponse, type StaticAsset } from "../server/static_assets.ts";

/** Routes for the chat page and its static assets. */
export function chatPageRoutes(assets: Map<string, StaticAsset>): Hono {
  const page = assets.get("chat.html");
  if (!page) throw new Error("static/chat.html is missing: the chat page cannot be served");

  return new Hono()
    .get("/", (c) => c.redirect("/chat", 302))
    .get("/chat", (c) => assetResponse(page, c.req.raw))
    .get("/static/*", (c) => {
      const asset = assets.get(c.req.path.slice("/static/".length));
      return asset ? assetResponse(asset, c.req.raw) : c.json({ error: "Not found" }, 404);
    });
}
