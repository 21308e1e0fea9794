/**
 * Relaying a client's request to Ollama and Ollama's answer back, untouched. {@link relayToOllama}
 * forwards the method, the path the route matched, the body stream and only the headers Ollama
 * needs (never the gateway's `Authorization`, no hop-by-hop headers), and answers with Ollama's
 * status, content type and response body object itself, so Deno passes the bytes on natively with
 * no JavaScript per chunk.
 *
 * @module
 */

import type { Context } from "hono";
import { fetchOllama, type OllamaTarget } from "./client.ts";

/** Request headers Ollama reads; the rest (Authorization, cookies, hop-by-hop) stays here. */
const REQUEST_HEADERS = ["content-type", "accept"];

/** Response headers worth passing on; framing (length, chunking) is the gateway's own. */
const RESPONSE_HEADERS = ["content-type"];

/**
 * A handler that sends the request to the same path on Ollama (the query is dropped) and answers
 * with Ollama's answer as it comes, error statuses included. The client's abort signal goes along,
 * so a client that leaves stops Ollama, and so does `shutdown` once the grace is over. Throws what
 * `fetchOllama` throws (502 unreachable, 504 no answer in time), for the route's `onError` to
 * answer in its API's shape.
 */
export function relayToOllama(
  target: OllamaTarget,
  shutdown: AbortSignal,
): (c: Context) => Promise<Response> {
  return relayVia((path, init) => fetchOllama(target, path, init), shutdown);
}

/** Sends a relayed request on to `path` upstream, resolving at its response headers. */
export type UpstreamSend = (
  path: string,
  init: RequestInit & { headers: Record<string, string>; signal: AbortSignal },
) => Promise<Response>;

/**
 * A handler that relays the request the way {@link relayToOllama} does, through `send`: the
 * OpenAI-compatible engine's relay (`openai/passthrough.ts`) shares it.
 */
export function relayVia(
  send: UpstreamSend,
  shutdown: AbortSignal,
): (c: Context) => Promise<Response> {
  return async (c) => {
    const request = c.req.raw;
    const upstream = await send(c.req.path, {
      method: request.method,
      headers: pickHeaders(request.headers, REQUEST_HEADERS),
      body: request.body,
      signal: AbortSignal.any([request.signal, shutdown]),
    });
    return new Response(upstream.body, {
      status: upstream.status,
      headers: pickHeaders(upstream.headers, RESPONSE_HEADERS),
    });
  };
}

function pickHeaders(headers: Headers, names: string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) picked[name] = value;
  }
  return picked;
}
