/**
 * The request log: one line per request once its response is over (a streamed answer included),
 *
 * ```
 * 2025-10-01T12:00:00.000Z info POST /chat_api 200 1532ms model="qwen3:4b" tokens=42
 * ```
 *
 * method, path (never the query), status, duration, and for generations the model and the tokens
 * Ollama produced. Routes report those with `c.set("logModel", …)` and `c.set("logTokensOut", …)`,
 * and a streamed answer that ended with an error line with `c.set("logStreamFailed", true)`. No
 * header, body, prompt or answer is ever written. Errors (5xx) log at `error`, other failures
 * (4xx, broken streams) at `warn`, the rest at `info`.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import type { Logger } from "../server/logger.ts";
import { responseEnd } from "../server/response_end.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** Model a generation request asked for. */
    logModel: string;
    /** Tokens Ollama generated for the request (its `eval_count`). */
    logTokensOut: number;
    /** Whether a streamed answer ended with an error line rather than its end. */
    logStreamFailed: boolean;
  }
}

/** Middleware writing each request's line to `log` when its response is over. */
export function requestLog(log: Logger): MiddlewareHandler {
  return async function requestLog(c, next) {
    const start = performance.now();
    // Read now: Deno closes the request once its response is over.
    const { method, url, signal } = c.req.raw;
    try {
      await next();
    } finally {
      responseEnd(c).then(() => {
        const { status } = c.res;
        const model = c.get("logModel");
        const parts = [
          method,
          // Still percent-encoded (unlike `c.req.path`), so no client text can break the line.
          new URL(url).pathname,
          status,
          `${Math.round(performance.now() - start)}ms`,
          // Quoted: the model name is the client's text. The logger escapes what could break or
          // disguise the line (U+2028, bidi overrides...), as JSON.stringify does not.
          ...(model === undefined ? [] : [`model=${JSON.stringify(model)}`]),
          ...(c.get("logTokensOut") === undefined ? [] : [`tokens=${c.get("logTokensOut")}`]),
          ...(c.get("logStreamFailed") ? ["(answer ended with an error)"] : []),
          ...(signal.aborted ? ["(client went away)"] : []),
        ];
        const failed = status >= 400 || c.get("logStreamFailed");
        log[status >= 500 ? "error" : failed ? "warn" : "info"](parts.join(" "));
      });
    }
  };
}
