/**
 * Requests to Ollama: {@link fetchOllama} sends one and waits for the response headers within a
 * deadline, turning "not reachable" into `502` and "no answer in time" into `504`;
 * {@link ollamaError} turns an error status from Ollama into the gateway's own; {@link isOllamaUp}
 * probes whether it runs at all.
 *
 * @module
 */

import { GatewayError, RETRY_AFTER } from "../server/errors.ts";
import { fetchUpstream } from "../server/upstream_fetch.ts";

/** Where Ollama is and how long to wait for it to begin answering. */
export interface OllamaTarget {
  /** Base URL, no trailing slash (`OLLAMA_URL`). */
  ollamaUrl: string;
  /** Milliseconds to wait for response headers; a model loading on CPU can take minutes. */
  firstByteTimeoutMs: number;
}

/**
 * Sends `init` to `path` on Ollama and resolves once the response headers arrive. `signal` is the
 * client's: when it aborts, so does the request to Ollama, headers or body, and Ollama stops.
 * Throws a {@link GatewayError} (502 unreachable, 504 too slow), or the abort if the client left.
 */
export function fetchOllama(
  target: OllamaTarget,
  path: string,
  init: RequestInit & { signal?: AbortSignal },
): Promise<Response> {
  return fetchUpstream(target.ollamaUrl + path, init, {
    name: "Ollama",
    where: `${target.ollamaUrl} (OLLAMA_URL)`,
    firstByteTimeoutMs: target.firstByteTimeoutMs,
  });
}

/** The gateway's answer to an error `response` from Ollama for a request about `model`. */
export async function ollamaError(response: Response, model: string): Promise<GatewayError> {
  const message = await readErrorMessage(response);
  switch (response.status) {
    case 404:
      return new GatewayError(
        404,
        `${message} (the model is not installed on this server: choose another, ` +
          `or install it there with "ollama pull ${model}")`,
      );
    case 400:
      return new GatewayError(400, `Ollama rejected the request: ${message}`);
    case 429:
    case 503:
      return new GatewayError(
        429,
        `Ollama is busy (${message}); try again in a few seconds`,
        RETRY_AFTER,
      );
    default:
      return new GatewayError(502, `Ollama failed with HTTP ${response.status}: ${message}`);
  }
}

/** Ollama's `{"error": …}` message, or the start of whatever else the body says. */
async function readErrorMessage(response: Response): Promise<string> {
  const text = (await response.text().catch(() => "")).trim();
  try {
    const body = JSON.parse(text);
    if (typeof body?.error === "string") return body.error;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return text.slice(0, 300) || response.statusText || "no details";
}

/**
 * Whether an Ollama server answers at `ollamaUrl` within `timeoutMs`: `GET /` says
 * "Ollama is running", as tools probe for it. Never throws.
 */
export async function isOllamaUp(ollamaUrl: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`${ollamaUrl}/`, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok && (await response.text()).includes("Ollama is running");
  } catch {
    return false;
  }
}
