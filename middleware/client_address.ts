/**
 * Who a request comes from, for per-client limits. Behind reverse proxies (as on Hugging Face)
 * every request arrives from the nearest proxy, and each proxy appends the address it saw to
 * `X-Forwarded-For`. Entries left of those are whatever the client chose to send, so only the
 * ones the operator's proxies wrote count: with `TRUST_PROXY=n` (`n` proxies) the client is the
 * `n`-th entry from the right, the address the outermost proxy saw.
 *
 * @example One proxy: the entry it appended counts, a forged one to its left does not
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Hono } from "hono";
 * import { clientAddress } from "./client_address.ts";
 *
 * const app = new Hono().get("/", (c) => c.text(clientAddress(1)(c)));
 * const headers = { "x-forwarded-for": "6.6.6.6, 203.0.113.7" };
 * assertEquals(await (await app.request("/", { headers })).text(), "203.0.113.7");
 * ```
 *
 * @module
 */

import type { Context } from "hono";
import { getConnInfo } from "hono/deno";

/** The longest address text (IPv6 with an IPv4 tail); longer entries are cut. */
const MAX_ADDRESS_LENGTH = 45;

/** Reads a request's client address. */
export type ClientAddress = (c: Context) => string;

/**
 * The client address reader for `proxies` proxies in front of the gateway: with `0`, the socket
 * peer; otherwise the `proxies`-th `X-Forwarded-For` entry from the right (all the header lines
 * together, as one list). With fewer entries than that, the request did not pass every proxy, and
 * the socket peer counts. Outside `Deno.serve` there is no peer, and every request counts as the
 * one client `"unknown"`.
 */
export function clientAddress(proxies: number): ClientAddress {
  const peer = (c: Context) => (c.env?.remoteAddr && getConnInfo(c).remote.address) || "unknown";
  if (proxies === 0) return peer;
  return (c) => {
    // `Headers` joins repeated header lines with ", ": one list, in the order they came.
    const entries = c.req.header("x-forwarded-for")?.split(",") ?? [];
    const entry = entries[entries.length - proxies]?.trim();
    return entry ? entry.slice(0, MAX_ADDRESS_LENGTH) : peer(c);
  };
}
