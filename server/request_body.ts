/**
 * Reading a client's request body. A body the client stops sending before its end (it shuts its
 * side of the connection after 9 of the 500 bytes its `Content-Length` announced) is the client's
 * failure: a `400` that says so, logged as a warning, never a `502` blaming Ollama. A client that
 * has gone altogether gets no answer.
 *
 * @example A whole body, read once
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readRequestBody } from "./request_body.ts";
 *
 * const request = new Request("http://gateway/api/chat", { method: "POST", body: "{}" });
 * assertEquals(new TextDecoder().decode(await readRequestBody(request)), "{}");
 * ```
 *
 * @module
 */

import { GatewayError } from "./errors.ts";

/** The `400` message for a body the client stopped sending before its end. */
export const BODY_CUT_SHORT =
  "The request body ended before it was complete: the client stopped sending it";

/**
 * What to throw when reading `request`'s body failed with `error`: the error itself when it is
 * already the gateway's (the body limit's `413`) or the client is gone (nobody is left to answer),
 * otherwise a `400` saying the body was cut short.
 */
export function bodyReadFailure(request: Request, error: unknown): unknown {
  if (error instanceof GatewayError || request.signal.aborted) return error;
  return new GatewayError(400, BODY_CUT_SHORT);
}

/**
 * `request`'s whole body (empty when it has none), read before anything goes to Ollama; throws
 * what {@link bodyReadFailure} says when the body cannot be read to its end.
 */
export async function readRequestBody(request: Request): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return await request.bytes();
  } catch (error) {
    throw bodyReadFailure(request, error);
  }
}
