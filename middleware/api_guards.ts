/**
 * What every authenticated API route shares: the key check with its brute-force guard, the body
 * limit and deadline, and the generation queue. `createApp` builds one set and hands it to each
 * route group, so `/chat_api`, `/api/*` and `/v1/*` count against the same limits and wait in the
 * same line.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { requireApiKey } from "./auth.ts";
import { authFailureGuard } from "./auth_guard.ts";
import { clientAddress } from "./client_address.ts";
import { GenerationQueue, waitForTurn } from "./generation_queue.ts";
import { readBody } from "./read_body.ts";

/** The settings the guards are built from (the gateway's `Config` has them all). */
export interface ApiGuardOptions {
  /** Accepted Bearer keys. */
  apiKeys: string[];
  /** Largest request body in bytes. */
  maxBodyBytes: number;
  /** Milliseconds a request body may take to arrive. */
  bodyTimeoutMs: number;
  /** Generation requests held at once, running and waiting. */
  maxConcurrentRequests: number;
  /** Generation requests sent to Ollama at once. */
  numParallel: number;
  /** Longest wait in line, in milliseconds. */
  queueTimeoutMs: number;
  /** Failed authentications per client and window before the client is blocked. */
  authFailureLimit: number;
  /** The brute-force guard's window in milliseconds. */
  authFailureWindowMs: number;
  /** Proxies in front of the gateway; the client is the entry the outermost wrote (`TRUST_PROXY`). */
  trustProxy: number;
}

/** The shared protections of the API routes, as middleware, and the queue they share. */
export interface ApiGuards {
  /** The key check, behind the per-client brute-force guard. */
  requireKey: MiddlewareHandler;
  /** Reads the request body whole, within its deadline and size limit (`requestBody` has it). */
  readBody: MiddlewareHandler;
  /** For relayed requests that make Ollama work (their body read already): waits in `queue`. */
  limitGeneration: MiddlewareHandler;
  /** The line in front of Ollama, for routes that take their place themselves (`/chat_api`). */
  queue: GenerationQueue;
}

/** What the guards share with the rest of the app. */
export interface ApiGuardParts {
  /** Ends the waits of relayed requests still in line when the shutdown grace is over. */
  shutdown: AbortSignal;
  /** The queue to use; by default a new one sized by the options. */
  queue?: GenerationQueue;
}

/** One set of guards for `options`; a bad option throws here, at startup. */
export function createApiGuards(
  options: ApiGuardOptions,
  { shutdown, queue = generationQueue(options) }: ApiGuardParts,
): ApiGuards {
  const guard = authFailureGuard({
    limit: options.authFailureLimit,
    windowMs: options.authFailureWindowMs,
    clientAddress: clientAddress(options.trustProxy),
  });
  return {
    requireKey: requireApiKey(options.apiKeys, guard),
    readBody: readBody({ maxBytes: options.maxBodyBytes, timeoutMs: options.bodyTimeoutMs }),
    limitGeneration: waitForTurn(queue, shutdown),
    queue,
  };
}

/** The generation queue sized by `options`. */
export function generationQueue(options: ApiGuardOptions): GenerationQueue {
  return new GenerationQueue({
    parallel: options.numParallel,
    capacity: options.maxConcurrentRequests,
    waitLimitMs: options.queueTimeoutMs,
  });
}
