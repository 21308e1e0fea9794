/**
 * Errors the gateway answers in words a person understands: a {@link GatewayError} carries the
 * HTTP status and message; {@link errorResponse} turns one into the JSON body `{"error": …}` that
 * the gateway's own routes and Ollama's native API use, {@link openAiErrorResponse} into OpenAI's
 * `{"error": {"message", "type", "param", "code"}}` for the `/v1` routes; {@link errorHandler} is
 * the `onError` of a Hono app that answers in one of these shapes.
 *
 * @module
 */

import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "./logger.ts";

/** A failure to report to the client as `status` with `{"error": message}`. */
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

/** Builds an error response in the shape of one API. */
export type ErrorShape = (
  status: ContentfulStatusCode,
  message: string,
  headers?: Record<string, string>,
) => Response;

/** A JSON error response: `{"error": message}` with `status` and any extra `headers`. */
export const errorResponse: ErrorShape = (status, message, headers = {}) =>
  Response.json({ error: message }, { status, headers });

/** OpenAI's `code` for the statuses its clients treat specially. */
const OPENAI_CODES: Partial<Record<number, string>> = {
  401: "invalid_api_key",
  429: "rate_limit_exceeded",
};

/**
 * An error response in OpenAI's shape, which the OpenAI SDKs read:
 * `{"error": {"message", "type", "param": null, "code"}}`.
 */
export const openAiErrorResponse: ErrorShape = (status, message, headers = {}) =>
  Response.json({
    error: {
      message,
      type: status >= 500 ? "api_error" : "invalid_request_error",
      param: null,
      code: OPENAI_CODES[status] ?? null,
    },
  }, { status, headers });

/**
 * An `onError` that answers a {@link GatewayError} in `shape`, passes Hono's `HTTPException`s
 * (the 401 of `requireApiKey`) through, and logs anything else as a `500`.
 */
export function errorHandler(log: Logger, shape: ErrorShape = errorResponse): ErrorHandler {
  return (error, c) => {
    if (error instanceof GatewayError) return shape(error.status, error.message, error.headers);
    if (error instanceof HTTPException) return error.getResponse();
    // The client went away before Ollama answered: nobody is left to read a response.
    if (c.req.raw.signal.aborted) return new Response(null, { status: 499 });
    log.error(`${c.req.method} ${c.req.path} failed: ${error.stack ?? error}`);
    return shape(500, "The gateway failed unexpectedly; see its log");
  };
}
