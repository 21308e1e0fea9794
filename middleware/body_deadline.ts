/**
 * A deadline for the request body to arrive (`BODY_TIMEOUT_S`). A client that sends its body a
 * byte at a time would otherwise hold whatever waits for it, the body limit's read or a place
 * with Ollama, for as long as it likes. Past the deadline, reading the body fails with a `408`
 * {@link GatewayError}; a body the client cuts short fails with a `400`.
 *
 * @example A body that never ends is refused
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Hono } from "hono";
 * import { errorHandler } from "../server/errors.ts";
 * import { createLogger } from "../server/logger.ts";
 * import { bodyDeadline } from "./body_deadline.ts";
 *
 * const app = new Hono().use(bodyDeadline(50)).post("/", async (c) => c.text(await c.req.text()));
 * app.onError(errorHandler(createLogger("error")));
 *
 * assertEquals(await (await app.request("/", { method: "POST", body: "on time" })).text(), "on time");
 * const trickle = new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode("{")) });
 * const late = await app.request("/", { method: "POST", body: trickle });
 * assertEquals(late.status, 408);
 * ```
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { GatewayError } from "../server/errors.ts";
import { BODY_CUT_SHORT } from "../server/request_body.ts";
import { responseEnd } from "../server/response_end.ts";
import { requireWholeNumber } from "./options.ts";

/**
 * Middleware that gives the request body `timeoutMs` from the request's arrival to arrive in
 * full, whoever reads it later. The body is handed on chunk by chunk as it comes, so a relay
 * still streams it; only reading it can fail.
 */
export function bodyDeadline(timeoutMs: number): MiddlewareHandler {
  requireWholeNumber("bodyDeadline's timeoutMs", timeoutMs);
  return async function bodyDeadline(c, next) {
    const raw = c.req.raw;
    if (!raw.body) return await next();
    const body = withDeadline(raw.body, timeoutMs, raw.signal);
    c.req.raw = new Request(raw, { body: body.stream });
    try {
      await next();
    } finally {
      responseEnd(c).then(body.stop);
    }
  };
}

/** `body` as a stream that errors once `timeoutMs` have passed before its end; `stop` disarms it. */
function withDeadline(
  body: ReadableStream<Uint8Array>,
  timeoutMs: number,
  clientGone: AbortSignal,
): { stream: ReadableStream<Uint8Array>; stop: () => void } {
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let expired = false;
  const stop = () => clearTimeout(timer);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setTimeout(() => {
        expired = true;
        controller.error(
          new GatewayError(
            408,
            `The request body did not arrive in full within ${timeoutMs / 1000} s (BODY_TIMEOUT_S)`,
          ),
        );
        reader.cancel().catch(() => {});
      }, timeoutMs);
    },
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        stop();
        // Nobody is left to answer when the client went away; otherwise say what happened.
        throw clientGone.aborted ? error : new GatewayError(400, BODY_CUT_SHORT);
      }
      if (expired) return;
      if (chunk.done) {
        stop();
        controller.close();
      } else controller.enqueue(chunk.value);
    },
    cancel(reason) {
      stop();
      return reader.cancel(reason);
    },
  });
  return { stream, stop };
}
