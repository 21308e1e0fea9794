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

/**
 * The gateway's answer to an error `response` from Ollama for a request about `model`: Ollama's
 * own message, with what to do about it.
 *
 * - `404` a model that is not installed: `404`, with how to install it;
 * - `400` a `think` the model cannot do: `400` saying what to send instead; other `400`s as they are;
 * - `500` an option of the wrong type: `400` naming the option;
 * - `500` anything else (the model does not fit in memory, its runner crashed…): `500` with
 *   Ollama's message and a hint ({@link ollamaMessage});
 * - `429`/`503` Ollama's own queue is full: `429` with `Retry-After`;
 * - anything else: `502`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ollamaError } from "./client.ts";
 *
 * const ollama = (status: number, error: string) => Response.json({ error }, { status });
 * const typo = await ollamaError(ollama(500, 'option "temperature" must be of type float32'), "m");
 * assertEquals(typo.status, 400);
 * const crash = await ollamaError(ollama(500, "llama runner process has terminated: exit status 2"), "m");
 * assertEquals(crash.status, 500);
 * assertEquals(crash.message.startsWith("Ollama: llama runner process has terminated"), true);
 * ```
 */
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
      return new GatewayError(400, `Ollama rejected the request: ${message}${thinkHint(message)}`);
    case 500: {
      const option = message.match(OPTION_TYPE)?.[1];
      if (option !== undefined) {
        return new GatewayError(
          400,
          `The option "${option}" has the wrong type for Ollama (${message}); ` +
            `change "options.${option}" or leave it out`,
        );
      }
      return new GatewayError(500, ollamaMessage(message));
    }
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

/** Ollama's message for an option of the wrong type (`api/types.go`), capturing its name. */
const OPTION_TYPE = /^option "([^"]+)" must be of/;

/** Ollama's failures a person can do something about, and what. */
const HINTS: [RegExp, string][] = [
  [
    /memory/i,
    "the model does not fit in the memory this server has left: choose a smaller model, " +
    "or free memory (fewer models loaded at once)",
  ],
  [
    /process has terminated|runner .*(exited|crashed)/i,
    "the model crashed while loading or answering: try again, or choose a smaller model",
  ],
];

/**
 * Ollama's error `message` as the gateway tells it, prefixed `Ollama: ` and followed by a hint
 * when the failure is one a person can act on. Used for error statuses and for error lines
 * mid-answer alike.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ollamaMessage } from "./client.ts";
 *
 * assertEquals(
 *   ollamaMessage("model requires more system memory (5.2 GiB) than is available (3.1 GiB)"),
 *   "Ollama: model requires more system memory (5.2 GiB) than is available (3.1 GiB) " +
 *     "(the model does not fit in the memory this server has left: choose a smaller model, " +
 *     "or free memory (fewer models loaded at once))",
 * );
 * assertEquals(ollamaMessage("something odd"), "Ollama: something odd");
 * ```
 */
export function ollamaMessage(message: string): string {
  const hint = HINTS.find(([pattern]) => pattern.test(message))?.[1];
  return hint ? `Ollama: ${message} (${hint})` : `Ollama: ${message}`;
}

/** What to do about a `think` value Ollama refused (`server/routes.go`), or `""`. */
function thinkHint(message: string): string {
  if (/does not support thinking/.test(message)) {
    return ': turn thinking off ("think": false), or choose a model that thinks';
  }
  if (/^think value .* is not supported/.test(message)) {
    return ': this model takes no thinking level; send "think": true or false instead';
  }
  return "";
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
