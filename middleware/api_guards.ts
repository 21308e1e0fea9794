/**
 * What every authenticated API route shares: the key check with its brute-force guard, the body
 * limit and the cap on generation. `createApp` builds one set and hands it to each route group, so
 * `/chat_api`, `/api/*` and `/v1/*` count against the same limits.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { requireApiKey } from "./auth.ts";
import { authFailureGuard } from "./auth_guard.ts";
import { limitBody } from "./body_limit.ts";
import { clientAddress } from "./client_address.ts";
import { limitConcurrency } from "./concurrency.ts";

/** The settings the guards are built from (the gateway's `Config` has them all). */
export interface ApiGuardOptions {
  /** Accepted Bearer keys. */
  apiKeys: string[];
  /** Largest request body in bytes. */
  maxBodyBytes: number;
  /** Generation requests allowed in flight at once. */
  maxConcurrentRequests: number;
  /** Failed authentications per client and window before the client is blocked. */
  authFailureLimit: number;
  /** The brute-force guard's window in milliseconds. */
  authFailureWindowMs: number;
  /** Proxies in front of the gateway; the client is the entry the outermost wrote (`TRUST_PROXY`). */
  trustProxy: number;
}

/** The shared protections of the API routes, as middleware. */
export interface ApiGuards {
  /** The key check, behind the per-client brute-force guard. */
  requireKey: MiddlewareHandler;
  /** The request body limit. */
  limitBody: MiddlewareHandler;
  /** The cap on requests that make Ollama work. */
  limitGeneration: MiddlewareHandler;
}

/** One set of guards for `options`; a bad option throws here, at startup. */
export function createApiGuards(options: ApiGuardOptions): ApiGuards {
  const guard = authFailureGuard({
    limit: options.authFailureLimit,
    windowMs: options.authFailureWindowMs,
    clientAddress: clientAddress(options.trustProxy),
  });
  return {
    requireKey: requireApiKey(options.apiKeys, guard),
    limitBody: limitBody(options.maxBodyBytes),
    limitGeneration: limitConcurrency(options.maxConcurrentRequests),
  };
}
