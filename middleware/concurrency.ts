/**
 * A cap on generation requests in flight: one Ollama on a small machine answers a few requests
 * well and many badly. Beyond the cap a request is turned away at once with `429` and
 * `Retry-After`, rather than queued behind answers that may take minutes.
 *
 * @example One place: a second request meanwhile is turned away
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Hono } from "hono";
 * import { errorHandler } from "../server/errors.ts";
 * import { createLogger } from "../server/logger.ts";
 * import { limitConcurrency } from "./concurrency.ts";
 *
 * const answering = Promise.withResolvers<void>();
 * const app = new Hono()
 *   .use(limitConcurrency(1))
 *   .get("/", async (c) => {
 *     await answering.promise;
 *     return c.text("done");
 *   });
 * app.onError(errorHandler(createLogger("error")));
 *
 * const first = app.request("/");
 * const second = await app.request("/");
 * assertEquals(second.status, 429);
 * assertEquals(second.headers.get("retry-after"), "5");
 * answering.resolve();
 * assertEquals(await (await first).text(), "done");
 * ```
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { GatewayError, RETRY_AFTER } from "../server/errors.ts";
import { responseEnd } from "../server/response_end.ts";
import { requireWholeNumber } from "./options.ts";

/**
 * Middleware that lets at most `max` requests through at once; beyond it, it throws a `429`
 * {@link GatewayError} with `Retry-After`, for the route's `onError` to answer in its API's shape.
 * A request holds its place until its response is over (see `responseEnd`): sent to the end,
 * failed, or abandoned by the client, so the place is given back exactly once however the request
 * ends. Use one instance for every route that makes Ollama generate, so they share the count.
 */
export function limitConcurrency(max: number): MiddlewareHandler {
  requireWholeNumber("limitConcurrency's max", max);
  let inFlight = 0;
  return async function limitConcurrency(c, next) {
    if (inFlight >= max) {
      throw new GatewayError(
        429,
        `The server is busy: ${max} answers are being generated already; ` +
          `try again in a few seconds`,
        RETRY_AFTER,
      );
    }
    inFlight++;
    try {
      await next();
    } finally {
      responseEnd(c).then(() => inFlight--);
    }
  };
}
