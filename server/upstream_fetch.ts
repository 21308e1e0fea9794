/**
 * Sending a request to the server the gateway fronts (Ollama, or an OpenAI-compatible engine) and
 * waiting for its response headers within a deadline: {@link fetchUpstream} turns "not reachable"
 * into `502` and "no answer in time" into `504`, each naming the setting that says where it is.
 *
 * @module
 */

import { GatewayError } from "./errors.ts";

/** Who the upstream is, for the messages, and how long to wait for it to begin answering. */
export interface UpstreamCall {
  /** How messages name it at the start of a sentence: "Ollama", "The engine". */
  name: string;
  /** Its base URL and the variable that set it, e.g. `http://…:11434 (OLLAMA_URL)`. */
  where: string;
  /** Milliseconds to wait for response headers; a model loading can take minutes. */
  firstByteTimeoutMs: number;
}

/**
 * Sends `init` to `url` and resolves once the response headers arrive. `signal` is the client's:
 * when it aborts, so does the request, headers or body, and the upstream stops. Throws a
 * {@link GatewayError} (502 unreachable, 504 too slow), or the abort if the client left.
 */
export async function fetchUpstream(
  url: string,
  init: RequestInit & { signal?: AbortSignal },
  { name, where, firstByteTimeoutMs }: UpstreamCall,
): Promise<Response> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), firstByteTimeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
  try {
    return await fetch(url, { ...init, signal });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    if (deadline.signal.aborted) {
      throw new GatewayError(
        504,
        `${name} did not start answering within ${firstByteTimeoutMs / 1000} s`,
      );
    }
    throw new GatewayError(502, `${name} is not reachable at ${where}. Is it running?`);
  } finally {
    clearTimeout(timer);
  }
}
