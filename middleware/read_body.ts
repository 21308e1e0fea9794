/**
 * Reading the request body of an API request, once, whole, before anything goes to Ollama: within
 * the gateway's one size limit (`MAX_BODY_BYTES`, else a `413`) and its deadline (`BODY_TIMEOUT_S`
 * from the request's arrival, else a `408`), so a client that sends its body a byte at a time
 * holds nothing, neither a place in the generation queue nor a request to Ollama. A body the
 * client stops sending before its end (it shuts its side of the connection after 9 of the 500
 * bytes its `Content-Length` announced) is the client's failure: a `400` that says so, logged as
 * a warning, never a `502` blaming Ollama; a client that has gone altogether gets no answer.
 *
 * Routes then take the bytes with {@link requestBody}: one read, one copy, no stream wrapped
 * around another.
 *
 * @example A body within the limit is read; a larger one is refused
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Hono } from "hono";
 * import { errorHandler } from "../server/errors.ts";
 * import { createLogger } from "../server/logger.ts";
 * import { readBody, requestBody } from "./read_body.ts";
 *
 * const app = new Hono()
 *   .use(readBody({ maxBytes: 8, timeoutMs: 5_000 }))
 *   .post("/", (c) => c.text(new TextDecoder().decode(requestBody(c))));
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
import type { Context, MiddlewareHandler } from "hono";
import { GatewayError } from "../server/errors.ts";
import { requireWholeNumber } from "./options.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The request body, read whole by {@link readBody}. */
    body: Uint8Array<ArrayBuffer>;
  }
}

/** The `400` message for a body the client stopped sending before its end. */
export const BODY_CUT_SHORT =
  "The request body ended before it was complete: the client stopped sending it";

/** The limits {@link readBody} reads within. */
export interface BodyLimits {
  /** Largest body in bytes (`MAX_BODY_BYTES`). */
  maxBytes: number;
  /** Milliseconds the whole body has to arrive (`BODY_TIMEOUT_S`). */
  timeoutMs: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Middleware that reads the request body whole within `limits` (see the module doc) and keeps it
 * for {@link requestBody}. It refuses a body over the limit by its `Content-Length` before reading
 * any of it.
 */
export function readBody({ maxBytes, timeoutMs }: BodyLimits): MiddlewareHandler {
  requireWholeNumber("readBody's maxBytes", maxBytes);
  requireWholeNumber("readBody's timeoutMs", timeoutMs);
  return async function readBody(c, next) {
    const request = c.req.raw;
    if (request.body) c.set("body", await readWithin(request, maxBytes, timeoutMs));
    await next();
  };
}

/** The body {@link readBody} read (empty when the request has none). */
export function requestBody(c: Context): Uint8Array<ArrayBuffer> {
  return c.get("body") ?? EMPTY;
}

/** `request`'s body, read to its end within `maxBytes` and `timeoutMs`, or the reason why not. */
async function readWithin(
  request: Request,
  maxBytes: number,
  timeoutMs: number,
): Promise<Uint8Array<ArrayBuffer>> {
  if (Number(request.headers.get("content-length")) > maxBytes) throw tooLarge(maxBytes);
  const reader = request.body!.getReader();
  let late = false;
  // Cancelling ends the pending read as if the body had ended; `late` tells the two apart.
  const timer = setTimeout(() => {
    late = true;
    reader.cancel().catch(() => {});
  }, timeoutMs);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      size += chunk.value.byteLength;
      if (size > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk.value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    // Nobody is left to answer when the client went away; otherwise say what happened.
    throw error instanceof GatewayError || request.signal.aborted
      ? error
      : new GatewayError(400, BODY_CUT_SHORT);
  } finally {
    clearTimeout(timer);
  }
  if (late) {
    throw new GatewayError(
      STATUS_CODE.RequestTimeout,
      `The request body did not arrive in full within ${timeoutMs / 1000} s (BODY_TIMEOUT_S)`,
    );
  }
  return concat(chunks, size);
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(
    STATUS_CODE.ContentTooLarge,
    `The request body is larger than ${maxBytes} bytes, the most this gateway accepts`,
  );
}

/** `chunks` as one array of `size` bytes; the chunk itself when there is one (the usual case). */
function concat(chunks: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  if (chunks.length === 1 && chunks[0].buffer instanceof ArrayBuffer) {
    return chunks[0] as Uint8Array<ArrayBuffer>;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
