/**
 * The browser side: `GET /` sends people to the chat, `GET /chat` is the chat page, and
 * `GET /static/*` serves the page's assets from memory (see `server/static_assets.ts`).
 *
 * @module
 */

import { STATUS_CODE } from "@std/http/status";
import { Hono } from "hono";
import { GatewayError } from "../server/errors.ts";
import { assetResponse, type StaticAssets } from "../server/static_assets.ts";

/** Routes for the chat page and its static assets; throws at once if the page is missing. */
export function chatPageRoutes(assets: StaticAssets): Hono {
  const page = assets.get("chat.html");
  if (!page) throw new Error("static/chat.html is missing: the chat page cannot be served");

  return new Hono()
    .get("/", (c) => c.redirect("/chat", STATUS_CODE.Found))
    .get("/chat", (c) => assetResponse(page, c.req.raw))
    .get("/static/*", (c) => {
      const asset = assets.get(c.req.path.slice("/static/".length));
      if (!asset) throw new GatewayError(404, "Not found");
      return assetResponse(asset, c.req.raw);
    });
}
