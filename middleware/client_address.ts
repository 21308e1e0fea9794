/**
 * Who a request comes from, for per-client limits. Behind a reverse proxy (as on Hugging Face)
 * every request arrives from the proxy, and the client is named in `X-Forwarded-For`; anywhere
 * else that header is whatever the client chose to send, so it is believed only when the operator
 * says a proxy is there (`TRUST_PROXY=true`).
 *
 * @module
 */

import type { Context } from "hono";
import { getConnInfo } from "hono/deno";

const MAX_ADDRESS_LENGTH = 45;

/** Reads a request's client address. */
export type ClientAddress = (c: Context) => string;

/**
 * The client address reader: the socket peer, or with `trustProxy` the first `X-Forwarded-For`
 * hop, at most 45 characters (falling back to the peer when the header is missing). Outside
 * `Deno.serve` there is no peer, and every request counts as the one client `"unknown"`.
 */
export function clientAddress(trustProxy: boolean): ClientAddress {
  const peer = (c: Context) => (c.env?.remoteAddr && getConnInfo(c).remote.address) || "unknown";
  if (!trustProxy) return peer;
  // Cut to the longest IPv6 text: the header is the client's to fill, and addresses are kept.
  return (c) =>
    c.req.header("x-forwarded-for")?.split(",", 1)[0].trim().slice(0, MAX_ADDRESS_LENGTH) ||
    peer(c);
}
