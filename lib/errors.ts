/**
 * Errors the gateway answers in words a person understands: a {@link GatewayError} carries the
 * HTTP status and message, and {@link errorResponse} turns one into the JSON body `{"error": …}`
 * that every route of the gateway uses before a stream begins.
 *
 * @module
 */

import type { ContentfulStatusCode } from "hono/utils/http-status";

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

/** A JSON error response: `{"error": message}` with `status` and any extra `headers`. */
export function errorResponse(
  status: ContentfulStatusCode,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json({ error: message }, { status, headers });
}
