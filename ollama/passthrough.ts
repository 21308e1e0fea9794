/**
 * Relaying a client's request to Ollama and Ollama's answer back, untouched. {@link relayToOllama}
 * forwards the method, the path the route matched, the body and only the headers Ollama
 * needs (never the gateway's `Authorization`, no hop-by-hop headers), and answers with Ollama's
 * status, content type and response body object itself, so Deno passes the bytes on natively with
 * no JavaScript per chunk.
 *
 * @module
 */

import type { Context } from "hono";
import type {} from "../middleware/read_body.ts"; // The `body` it keeps on the context.
import { fetchOllama, type OllamaTarget } from "./client.ts";

/** Request headers Ollama reads; the rest (Authorization, cookies, hop-by-hop) stays here. */
const REQUEST_HEADERS = ["content-type", "accept"];

/** Response headers worth passing on; framing (length, chunking) is the gateway's own. */
const RESPONSE_HEADERS = ["content-type"];

/**
 * A handler that sends the request to the same path on Ollama (the query is dropped) and answers
 * with Ollama's answer as it comes, error statuses included. The request body is the one
 * `readBody` read whole (`middleware/read_body.ts`), or with `streamBody` (model files, gigabytes)
 * streamed as it arrives. The client's abort
 * signal goes along, so a client that leaves stops Ollama, and so does `shutdown` once the grace is
 * over. Throws what `fetchOllama` throws (502 unreachable, 504 no answer in time), for the app's
 * error handler to answer in the API's shape.
 */
export function relayToOllama(
  target: OllamaTarget,
  shutdown: AbortSignal,
  { streamBody = false } = {},
): (c: Context) => Promise<Response> {
  return relayVia((path, init) => fetchOllama(target, path, init), shutdown, { streamBody });
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
  { streamBody = false } = {},
): (c: Context) => Promise<Response> {
  return async (c) => {
    const request = c.req.raw;
    // Read whole already by `readBody` (so a body the client cuts short was its 400), or streamed.
    const body = streamBody ? request.body : c.get("body");
    const upstream = await send(c.req.path, {
      method: request.method,
      headers: pickHeaders(request.headers, REQUEST_HEADERS),
      body,
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
