/**
 * The one request body limit of the gateway (`MAX_BODY_BYTES`), as middleware that answers `413`
 * in the route's own error shape.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { errorResponse, type ErrorShape } from "../server/errors.ts";

/**
 * Middleware that refuses a body over `maxBytes` with `413`, before anything reaches Ollama: by
 * its `Content-Length`, or for a chunked body once it has read `maxBytes` of it.
 */
export function limitBody(maxBytes: number, shape: ErrorShape = errorResponse): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () =>
      shape(
        413,
        `The request body is larger than ${maxBytes} bytes, the most this gateway accepts`,
      ),
  });
}
