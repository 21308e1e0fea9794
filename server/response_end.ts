/**
 * When a request is really over. A streamed answer outlives its handler, so "after `next()`" is
 * too early for anything that must last as long as the response: a relayed generation's slot in
 * the queue, the request log's duration. `Deno.serve` knows: `info.completed` settles once the
 * response has been sent to the end or the connection has closed (client gone, body errored),
 * whatever the route did, and it costs nothing per chunk, so natively relayed bodies stay native.
 *
 * @module
 */

import type { Context } from "hono";

/**
 * Resolves once the response to `c` is over: fully sent, failed, or abandoned by the client. Call
 * it after `next()` has returned. Needs the app to be served by `Deno.serve` (its handler info is
 * Hono's `c.env`); elsewhere, such as `app.request()` in a test, it resolves at once.
 */
export function responseEnd(c: Context): Promise<void> {
  const info = c.env as Partial<Deno.ServeHandlerInfo> | undefined;
  return (info?.completed ?? Promise.resolve()).catch(() => {});
}
