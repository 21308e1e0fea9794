/**
 * Requests to an OpenAI-compatible engine (vLLM, SGLang, TGI, llama.cpp's server, KServe, Ray
 * Serve…) at `OPENAI_BASE_URL`: {@link fetchEngine} sends one with the engine's own key (never a
 * client's) and waits for its headers within a deadline; {@link engineError} turns an error status
 * into the gateway's own; {@link errorMessageOf} reads the error bodies engines send, before a
 * stream or as one of its events; {@link isEngineUp} and {@link engineModelIds} read
 * `GET /models`.
 *
 * @example An error body in each engine's shape gives its message
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { errorMessageOf } from "./client.ts";
 *
 * const flat = { object: "error", message: "bad", type: "BadRequestError", param: null, code: 400 };
 * assertEquals(errorMessageOf(flat), "bad"); // vLLM before 0.10
 * assertEquals(errorMessageOf({ error: { message: "bad", type: "x", code: 400 } }), "bad");
 * assertEquals(errorMessageOf({ error: "bad", error_type: "validation" }), "bad"); // TGI
 * assertEquals(errorMessageOf({ choices: [] }), undefined);
 * ```
 *
 * @module
 */

import { GatewayError, RETRY_AFTER } from "../server/errors.ts";
import { fetchUpstream } from "../server/upstream_fetch.ts";

/** Where the engine is, the key it expects, and how long to wait for it to begin answering. */
export interface EngineTarget {
  /** Base URL of its OpenAI API, no trailing slash, e.g. `http://vllm:8000/v1`. */
  engineUrl: string;
  /** Sent as `Authorization: Bearer`; none when unset. */
  engineKey?: string;
  /** Milliseconds to wait for response headers. */
  firstByteTimeoutMs: number;
}

/**
 * Sends `init` to `path` (below the base URL, e.g. `/chat/completions`) with the engine's key and
 * resolves once the response headers arrive; throws like `fetchUpstream` (502, 504, the abort).
 */
export function fetchEngine(
  target: EngineTarget,
  path: string,
  init: RequestInit & { headers?: Record<string, string>; signal?: AbortSignal },
): Promise<Response> {
  return fetchUpstream(target.engineUrl + path, {
    ...init,
    headers: { ...init.headers, ...authorization(target) },
  }, {
    name: "The engine",
    where: `${target.engineUrl} (OPENAI_BASE_URL)`,
    firstByteTimeoutMs: target.firstByteTimeoutMs,
  });
}

/** The `Authorization` header for the engine's key, if it has one. */
export function authorization(target: Pick<EngineTarget, "engineKey">): Record<string, string> {
  return target.engineKey ? { authorization: `Bearer ${target.engineKey}` } : {};
}

/**
 * The message of an engine's error body: vLLM's `{"object": "error", "message", …}` (before
 * 0.10), OpenAI's `{"error": {"message", …}}` (vLLM since, SGLang, Ollama, llama.cpp) or TGI's
 * `{"error": "…"}`. Undefined when `body` is none of them.
 */
export function errorMessageOf(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { error, object, message } = body as Record<string, unknown>;
  if (typeof error === "string") return error;
  if (typeof error === "object" && error !== null) {
    const nested = (error as Record<string, unknown>).message;
    return typeof nested === "string" ? nested : JSON.stringify(error).slice(0, 300);
  }
  if (object === "error" && typeof message === "string") return message;
  return undefined;
}

/** The gateway's answer to an error `response` from the engine to a request about `model`. */
export async function engineError(response: Response, model: string): Promise<GatewayError> {
  const text = (await response.text().catch(() => "")).trim();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON: not the engine's API answering (a proxy, or the wrong path).
  }
  const engineMessage = errorMessageOf(json);
  const message = engineMessage ?? (text.slice(0, 300) || response.statusText || "no details");
  switch (response.status) {
    case 400:
    case 422:
      return new GatewayError(400, `The engine rejected the request: ${message}`);
    case 404:
      if (engineMessage !== undefined) {
        return new GatewayError(
          404,
          `${message} (the engine does not serve the model "${model}": choose one it lists ` +
            "at GET /v1/models)",
        );
      }
      return new GatewayError(
        502,
        `The engine answered HTTP 404 (${message}) at ${response.url}: does OPENAI_BASE_URL end ` +
          "in the path of its OpenAI API, such as /v1?",
      );
    case 401:
    case 403:
      return new GatewayError(
        502,
        `The engine refused the gateway's key (OPENAI_API_KEY) with HTTP ${response.status}: ` +
          message,
      );
    case 429:
    case 503:
      return new GatewayError(
        429,
        `The engine is busy (${message}); try again in a few seconds`,
        RETRY_AFTER,
      );
    default:
      return new GatewayError(502, `The engine failed with HTTP ${response.status}: ${message}`);
  }
}

/** The ids of the models the engine serves (`GET /models`); throws like {@link fetchEngine}. */
export async function engineModelIds(
  target: EngineTarget,
  signal?: AbortSignal,
): Promise<string[]> {
  const response = await fetchEngine(target, "/models", { signal });
  if (!response.ok) throw await engineError(response, "");
  const body = await response.json().catch(() => undefined);
  if (!Array.isArray(body?.data)) {
    throw new GatewayError(502, "The engine's GET /models did not answer with a model list");
  }
  return body.data.map((model: { id?: unknown }) => String(model?.id));
}

/** Whether the engine answers `GET /models` with a model list within `timeoutMs`. Never throws. */
export async function isEngineUp(target: EngineTarget, timeoutMs: number): Promise<boolean> {
  try {
    await engineModelIds(
      { ...target, firstByteTimeoutMs: timeoutMs },
      AbortSignal.timeout(timeoutMs),
    );
    return true;
  } catch {
    return false;
  }
}
