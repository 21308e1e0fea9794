/**
 * The gateway's one error path. Routes and middleware throw a {@link GatewayError} (an HTTP status
 * and a message in words a person understands); {@link errorHandler}, mounted once as the app's
 * `onError`, answers it in the shape of the API family the request belongs to: OpenAI's
 * `{"error": {"message", "type", "param", "code"}}` under `/v1/`, which the OpenAI SDKs read, and
 * `{"error": "…"}` everywhere else (`/chat_api`, the page, and Ollama's own `/api/*`).
 *
 * @example A route throws; the handler answers in the route's shape
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Hono } from "hono";
 * import { createLogger } from "./logger.ts";
 * import { errorHandler, GatewayError } from "./errors.ts";
 *
 * const app = new Hono()
 *   .get("/chat", () => {
 *     throw new GatewayError(404, "No such chat");
 *   })
 *   .get("/v1/models", () => {
 *     throw new GatewayError(429, "Busy", { "retry-after": "5" });
 *   });
 * app.onError(errorHandler(createLogger("error")));
 *
 * const plain = await app.request("/chat");
 * assertEquals(plain.status, 404);
 * assertEquals(await plain.json(), { error: "No such chat" });
 *
 * const openAi = await app.request("/v1/models");
 * assertEquals(openAi.headers.get("retry-after"), "5");
 * assertEquals((await openAi.json()).error.code, "rate_limit_exceeded");
 * ```
 *
 * @module
 */

import { STATUS_CODE } from "@std/http/status";
import type { Context, ErrorHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "./logger.ts";

/** A failure to report to the client as `status` with `message` and any extra `headers`. */
export class GatewayError extends Error {
  override name = "GatewayError";

  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * Seconds a client turned away for being too many is asked to wait (`Retry-After`): long enough
 * for a short answer to finish.
 */
export const RETRY_AFTER_S = 5;

/** The `Retry-After` header of every "busy, try again" answer. */
export const RETRY_AFTER = { "retry-after": String(RETRY_AFTER_S) } as const;

/** Builds an error response in the shape of one API family. */
export type ErrorShape = (error: GatewayError) => Response;

/** `{"error": message}`: the gateway's own shape, and Ollama's. */
export const plainError: ErrorShape = ({ status, message, headers }) =>
  Response.json({ error: message }, { status, headers });

/** OpenAI's `code` for the statuses its clients treat specially. */
const OPENAI_CODES: Partial<Record<number, string>> = {
  [STATUS_CODE.Unauthorized]: "invalid_api_key",
  [STATUS_CODE.TooManyRequests]: "rate_limit_exceeded",
};

/** `{"error": {"message", "type", "param": null, "code"}}`: OpenAI's shape, for `/v1/*`. */
export const openAiError: ErrorShape = ({ status, message, headers }) =>
  Response.json({
    error: {
      message,
      type: status >= 500 ? "api_error" : "invalid_request_error",
      param: null,
      code: OPENAI_CODES[status] ?? null,
    },
  }, { status, headers });

/** The error shape of the API family `c`'s request belongs to. */
export function shapeFor(c: Context): ErrorShape {
  return c.req.path.startsWith("/v1/") ? openAiError : plainError;
}

/** Status for a request whose client left before it was answered (nginx's "client closed"). */
const CLIENT_CLOSED = 499;

/**
 * The app's `onError`: answers a {@link GatewayError} in the request's shape (see
 * {@link shapeFor}), and logs anything else as a `500` that points to the log.
 */
export function errorHandler(log: Logger): ErrorHandler {
  return function errorHandler(error, c) {
    const shape = shapeFor(c);
    if (error instanceof GatewayError) return shape(error);
    // The client went away before Ollama answered: nobody is left to read a response.
    if (c.req.raw.signal.aborted) return new Response(null, { status: CLIENT_CLOSED });
    log.error(`${c.req.method} ${c.req.path} failed: ${error.stack ?? error}`);
    return shape(new GatewayError(500, "The gateway failed unexpectedly; see its log"));
  };
}
