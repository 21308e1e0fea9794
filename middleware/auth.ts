/**
 * API-key authentication: `Authorization: Bearer <key>` checked in constant time against every
 * configured key by `hono/bearer-auth`. Every failure (no header, a header that is not a Bearer
 * token, a wrong key) is a `401` {@link GatewayError} with `WWW-Authenticate: Bearer`, which the
 * app's error handler answers in the route's own shape.
 *
 * @example Only the right key gets through
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Hono } from "hono";
 * import { createLogger } from "../server/logger.ts";
 * import { errorHandler } from "../server/errors.ts";
 * import { requireApiKey } from "./auth.ts";
 *
 * const app = new Hono().use(requireApiKey(["a-long-secret-key-1234"])).get("/", (c) => c.text("hi"));
 * app.onError(errorHandler(createLogger("error")));
 *
 * const wrong = await app.request("/", { headers: { authorization: "Bearer nope" } });
 * assertEquals(wrong.status, 401);
 * assertEquals(await wrong.json(), { error: "Wrong API key" });
 * const right = await app.request("/", {
 *   headers: { authorization: "Bearer a-long-secret-key-1234" },
 * });
 * assertEquals(await right.text(), "hi");
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { GatewayError } from "../server/errors.ts";
import type { AuthFailureGuard } from "./auth_guard.ts";

const MISSING = "Missing API key: send it as the header Authorization: Bearer <key>";
const MALFORMED = "Malformed Authorization header: expected Authorization: Bearer <key>";
const WRONG = "Wrong API key";

/**
 * SHA-256 for `bearer-auth`'s constant-time comparison, which hashes the sent and the configured
 * key on every request. Its default, the asynchronous `crypto.subtle.digest`, cost the gateway
 * about 40 µs of CPU per request in the bench (Deno 2.9.6); `node:crypto`'s, about 1 µs.
 */
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Middleware that lets a request through only with one of `keys` as its Bearer token. With a
 * `guard` (the brute-force guard), a blocked client is turned away before its key is looked at,
 * and every failed authentication is counted: a malformed header or a wrong key, not a missing
 * header, which guesses nothing. Throws at once when `keys` is empty.
 */
export function requireApiKey(keys: string[], guard?: AuthFailureGuard): MiddlewareHandler {
  if (keys.length === 0) throw new RangeError("requireApiKey needs at least one key");
  const refuse = (message: string, challenge: string, counted: boolean) => ({
    wwwAuthenticateHeader: challenge,
    message: (c: Parameters<MiddlewareHandler>[0]): never => {
      if (counted) guard?.recordFailure(c);
      throw new GatewayError(401, message, { "www-authenticate": challenge });
    },
  });
  const authenticate = bearerAuth({
    token: keys,
    hashFunction: sha256,
    noAuthenticationHeader: refuse(MISSING, "Bearer", false),
    invalidAuthenticationHeader: refuse(MALFORMED, "Bearer", true),
    invalidToken: refuse(WRONG, 'Bearer error="invalid_token"', true),
  });
  if (!guard) return authenticate;
  return function requireApiKey(c, next) {
    return guard.check(c, () => authenticate(c, next).then(() => {}));
  };
}
