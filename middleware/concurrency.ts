/**
 * A cap on generation requests in flight: one Ollama on a small machine answers a few requests
 * well and many badly. Beyond the cap a request is turned away at once with `429` and
 * `Retry-After`, rather than queued behind answers that may take minutes.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { GatewayError } from "../server/errors.ts";
import { responseEnd } from "../server/response_end.ts";

/** Seconds a turned-away client is asked to wait: long enough for a short answer to finish. */
const RETRY_AFTER_S = 5;

/**
 * Middleware that lets at most `max` requests through at once; beyond it, it throws a `429`
 * {@link GatewayError} with `Retry-After`, for the route's `onError` to answer in its API's shape.
 * A request holds its place until its response is over (see `responseEnd`): sent to the end,
 * failed, or abandoned by the client, so the place is given back exactly once however the request
 * ends. Use one instance for every route that makes Ollama generate, so they share the count.
 */
export function limitConcurrency(max: number): MiddlewareHandler {
  let inFlight = 0;
  return async (c, next) => {
    if (inFlight >= max) {
      throw new GatewayError(
        429,
        `The server is busy: ${max} answers are being generated already; ` +
          `try again in a few seconds`,
        { "retry-after": String(RETRY_AFTER_S) },
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
