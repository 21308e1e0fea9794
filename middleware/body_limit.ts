/**
 * The one request body limit of the gateway (`MAX_BODY_BYTES`), as middleware that refuses a larger
 * body with a `413` {@link GatewayError}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Hono } from "hono";
 * import { errorHandler } from "../server/errors.ts";
 * import { createLogger } from "../server/logger.ts";
 * import { limitBody } from "./body_limit.ts";
 *
 * const app = new Hono().use(limitBody(8)).post("/", async (c) => c.text(await c.req.text()));
 * app.onError(errorHandler(createLogger("error")));
 *
 * assertEquals(await (await app.request("/", { method: "POST", body: "small" })).text(), "small");
 * const large = await app.request("/", { method: "POST", body: "far too large" });
 * assertEquals(large.status, 413);
 * ```
 *
 * @module
 */

import { STATUS_CODE } from "@std/http/status";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { GatewayError } from "../server/errors.ts";
import { bodyReadFailure } from "../server/request_body.ts";
import { requireWholeNumber } from "./options.ts";

/**
 * Middleware that refuses a body over `maxBytes` with `413`, before anything reaches Ollama: by
 * its `Content-Length`, or for a chunked body once it has read `maxBytes` of it. A chunked body
 * the client cuts short while it is read here is a `400` (see `bodyReadFailure`).
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  requireWholeNumber("limitBody's maxBytes", maxBytes);
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new GatewayError(
        STATUS_CODE.ContentTooLarge,
        `The request body is larger than ${maxBytes} bytes, the most this gateway accepts`,
      );
    },
  });
  return async function limitBody(c, next) {
    let bodyRead = false;
    try {
      return await limit(c, () => {
        bodyRead = true;
        return next();
      });
    } catch (error) {
      throw bodyRead ? error : bodyReadFailure(c.req.raw, error);
    }
  };
}
