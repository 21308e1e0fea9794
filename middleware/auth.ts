/**
 * API-key authentication: `Authorization: Bearer <key>` checked in constant time against every
 * configured key by `hono/bearer-auth`. Every failure (no header, a header that is not a Bearer
 * token, a wrong key) is a `401` with `WWW-Authenticate: Bearer` and a body in the route's own
 * error shape, so clients see one clear answer instead of the middleware's plain-text 400/401.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import type { AuthFailureGuard } from "./auth_guard.ts";
import { errorResponse } from "../server/errors.ts";

/** Builds the 401 body for `message`, in the shape of the API the route belongs to. */
export type UnauthorizedResponse = (message: string) => Response;

/** Options for {@link requireApiKey}. */
export interface RequireApiKeyOptions {
  /** Error shape of the protected routes; the gateway's `{"error": …}` by default. */
  unauthorized?: UnauthorizedResponse;
  /**
   * The brute-force guard: a blocked client is turned away before its key is looked at, and every
   * failed authentication is counted (a malformed header or a wrong key, not a missing header,
   * which guesses nothing).
   */
  guard?: AuthFailureGuard;
}

const MISSING = "Missing API key: send it as the header Authorization: Bearer <key>";
const MALFORMED = "Malformed Authorization header: expected Authorization: Bearer <key>";
const WRONG = "Wrong API key";

/**
 * SHA-256 for `bearer-auth`'s constant-time comparison, which hashes the sent and the configured
 * key on every request. Its default, the asynchronous `crypto.subtle.digest`, cost the gateway
 * about 40 µs of CPU per request in the bench (Deno 2.9.6); `node:crypto`'s, about 1 µs.
 */
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Middleware that lets a request through only with one of `keys` as its Bearer token. */
export function requireApiKey(
  keys: string[],
  { unauthorized = (message) => errorResponse(401, message), guard }: RequireApiKeyOptions = {},
): MiddlewareHandler {
  const reject = (message: string) => (_c: Context) => unauthorized(message);
  const fail = (message: string) => (c: Context) => {
    guard?.recordFailure(c);
    return unauthorized(message);
  };
  const authenticate = bearerAuth({
    token: keys,
    hashFunction: sha256,
    noAuthenticationHeader: { message: reject(MISSING), wwwAuthenticateHeader: "Bearer" },
    invalidAuthenticationHeader: { message: fail(MALFORMED), wwwAuthenticateHeader: "Bearer" },
    invalidToken: { message: fail(WRONG), wwwAuthenticateHeader: 'Bearer error="invalid_token"' },
  });
  if (!guard) return authenticate;
  return (c, next) =>
    guard.check(c, async () => {
      await authenticate(c, next);
    });
}
