/**
 * A brute-force guard for the API key: a client that fails authentication `limit` times within a
 * window is turned away with `429` and `Retry-After` until that window ends, even with the right
 * key, so guessing keys costs a minute per handful of tries. The counts live in memory, at most
 * `maxClients` of them: when full, the client whose window began first is forgotten.
 *
 * @example Two wrong keys, then even the right one waits
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Hono } from "hono";
 * import { errorHandler } from "../server/errors.ts";
 * import { createLogger } from "../server/logger.ts";
 * import { requireApiKey } from "./auth.ts";
 * import { authFailureGuard } from "./auth_guard.ts";
 *
 * const guard = authFailureGuard({ limit: 2, windowMs: 60_000, clientAddress: () => "1.2.3.4" });
 * const app = new Hono().use(requireApiKey(["right-key-0123456789"], guard)).get("/", (c) => c.text("in"));
 * app.onError(errorHandler(createLogger("error")));
 * const call = (key: string) => app.request("/", { headers: { authorization: `Bearer ${key}` } });
 *
 * assertEquals((await call("guess-1")).status, 401);
 * assertEquals((await call("guess-2")).status, 401);
 * assertEquals((await call("right-key-0123456789")).status, 429);
 * ```
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import type { ClientAddress } from "./client_address.ts";
import { GatewayError } from "../server/errors.ts";
import { requireWholeNumber } from "./options.ts";

/** Settings of {@link authFailureGuard}. */
export interface AuthFailureGuardOptions {
  /** Failures within a window after which the client is blocked for the rest of it. */
  limit: number;
  /** Window length in milliseconds, starting at a client's first failure. */
  windowMs: number;
  /** Who a request comes from. */
  clientAddress: ClientAddress;
  /** Most clients remembered at once (default 10,000: a few megabytes at most). */
  maxClients?: number;
  /** Clock in milliseconds (default `Date.now`), replaceable in tests. */
  now?: () => number;
}

/** The guard: {@link check} goes before authentication; {@link recordFailure} counts failures. */
export interface AuthFailureGuard {
  /**
   * Middleware turning a blocked client away with a `429` {@link GatewayError} (for the route's
   * `onError` to answer in its API's shape) and letting everyone else through.
   */
  check: MiddlewareHandler;
  /** Counts a failed authentication of `c`'s client (`requireApiKey` does, given the guard). */
  recordFailure: (c: Context) => void;
  /** How many clients are remembered right now. */
  trackedClients: () => number;
}

interface FailureWindow {
  failures: number;
  endsAt: number;
}

/** A guard counting failures per client address. */
export function authFailureGuard(
  { limit, windowMs, clientAddress, maxClients = 10_000, now = Date.now }: AuthFailureGuardOptions,
): AuthFailureGuard {
  requireWholeNumber("authFailureGuard's limit", limit);
  requireWholeNumber("authFailureGuard's windowMs", windowMs);
  requireWholeNumber("authFailureGuard's maxClients", maxClients);
  // In order of window start, so the expired ones, and the oldest, are always first.
  const windows = new Map<string, FailureWindow>();

  const forgetExpired = (time: number) => {
    for (const [address, window] of windows) {
      if (window.endsAt > time) return;
      windows.delete(address);
    }
  };

  return {
    check: async function authFailureGuard(c, next) {
      const window = windows.get(clientAddress(c));
      const remainingMs = window ? window.endsAt - now() : 0;
      if (window && window.failures >= limit && remainingMs > 0) {
        const seconds = String(Math.ceil(remainingMs / 1000));
        throw new GatewayError(
          429,
          `Too many failed authentications from your address; try again in ${seconds} s`,
          { "retry-after": seconds },
        );
      }
      await next();
    },
    recordFailure(c) {
      const time = now();
      forgetExpired(time);
      const address = clientAddress(c);
      const window = windows.get(address);
      if (window) {
        window.failures++;
        return;
      }
      if (windows.size >= maxClients) windows.delete(windows.keys().next().value!);
      windows.set(address, { failures: 1, endsAt: time + windowMs });
    },
    trackedClients: () => windows.size,
  };
}
