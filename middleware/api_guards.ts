/**
 * What every authenticated API route shares: the brute-force guard, the concurrency cap on
 * generation, the shutdown signal and the log. `createApp` builds one set and hands it to each
 * route group, so `/chat_api`, `/api/*` and `/v1/*` count against the same limits.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import type { Config } from "../config.ts";
import { type AuthFailureGuard, authFailureGuard } from "./auth_guard.ts";
import { clientAddress } from "./client_address.ts";
import { limitConcurrency } from "./concurrency.ts";
import type { Logger } from "../server/logger.ts";

/** The shared protections of the API routes. */
export interface ApiGuards {
  /** Per-client brute-force guard, for `requireApiKey`. */
  authFailures: AuthFailureGuard;
  /** The cap on requests that make Ollama work (`MAX_CONCURRENT_REQUESTS`). */
  limitGeneration: MiddlewareHandler;
  /** Aborts when the gateway shuts down and the grace is over: requests to Ollama end. */
  shutdown: AbortSignal;
  log: Logger;
}

/** One set of guards for `config`. */
export function createApiGuards(config: Config, shutdown: AbortSignal, log: Logger): ApiGuards {
  return {
    authFailures: authFailureGuard({
      limit: config.authFailureLimit,
      windowMs: config.authFailureWindowMs,
      clientAddress: clientAddress(config.trustProxy),
    }),
    limitGeneration: limitConcurrency(config.maxConcurrentRequests),
    shutdown,
    log,
  };
}
