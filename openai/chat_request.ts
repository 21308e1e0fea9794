/**
 * The `/chat_api` request as an OpenAI-compatible engine takes it: {@link toEngineChat} turns a
 * validated request into the body of `POST /chat/completions`, streamed, with the usage at the end.
 *
 * Options keep their meaning under their OpenAI names ({@link OPTION_NAMES}); one without an
 * equivalent is a `400` that names it, rather than silently ignored. `think` becomes
 * `reasoning_effort`: a level as it is, `false` as `"none"` (vLLM and Ollama's `/v1` turn the
 * reasoning off for it), `true` as nothing, so a model that thinks does.
 *
 * @example A request with options, then one with an option an engine has no name for
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { toEngineChat } from "./chat_request.ts";
 *
 * const body = toEngineChat({
 *   prompt: "Hi",
 *   model: "Qwen/Qwen3-8B",
 *   history: [],
 *   think: false,
 *   options: { temperature: 0.2, num_predict: 64 },
 * });
 * assertEquals(body.max_tokens, 64);
 * assertEquals(body.reasoning_effort, "none");
 * assertEquals(body.stream_options, { include_usage: true });
 *
 * assertThrows(
 *   () => toEngineChat({ prompt: "Hi", model: "m", history: [], options: { num_ctx: 8192 } }),
 *   Error,
 *   '"options.num_ctx" has no equivalent',
 * );
 * ```
 *
 * @module
 */

import { type ChatRequest, hasImages } from "../ollama/chat_request.ts";
import { GatewayError } from "../server/errors.ts";

/** The body sent to the engine's `POST /chat/completions`. */
export interface EngineChatBody extends Record<string, unknown> {
  model: string;
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  stream: true;
  stream_options: { include_usage: true };
  reasoning_effort?: "none" | "low" | "medium" | "high";
}

/** Ollama's option names that OpenAI's chat completions take, with the name they take there. */
export const OPTION_NAMES: Readonly<Record<string, string>> = {
  temperature: "temperature",
  top_p: "top_p",
  num_predict: "max_tokens",
  stop: "stop",
  seed: "seed",
  presence_penalty: "presence_penalty",
  frequency_penalty: "frequency_penalty",
};

/**
 * The engine's `/chat/completions` body for `request`: system prompt, history, then the new
 * prompt. Throws a `400` {@link GatewayError} naming every option it cannot carry.
 */
export function toEngineChat(request: ChatRequest): EngineChatBody {
  if (hasImages(request)) {
    throw new GatewayError(
      400,
      '"images" cannot be sent here: this server fronts an OpenAI-compatible engine, and its ' +
        "/chat_api takes text only",
    );
  }
  const body: EngineChatBody = {
    model: request.model,
    messages: [
      ...(request.system ? [{ role: "system" as const, content: request.system }] : []),
      ...request.history.map(({ role, content }) => ({ role, content })),
      { role: "user", content: request.prompt },
    ],
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.think === false) body.reasoning_effort = "none";
  // OpenAI's efforts stop at "high"; Ollama's "max" asks for the most there is.
  else if (request.think === "max") body.reasoning_effort = "high";
  else if (typeof request.think === "string") body.reasoning_effort = request.think;

  const options = Object.entries(request.options ?? {});
  const unknown = options.filter(([name]) => !Object.hasOwn(OPTION_NAMES, name));
  if (unknown.length > 0) {
    const names = unknown.map(([name]) => `"options.${name}"`).join(", ");
    throw new GatewayError(
      400,
      `${names} ${unknown.length === 1 ? "has" : "have"} no equivalent on this server, which ` +
        "fronts an OpenAI-compatible engine; it takes the options " +
        Object.keys(OPTION_NAMES).join(", "),
    );
  }
  for (const [name, value] of options) {
    // Ollama's -1 (no limit) and -2 (fill the context) are the engine's default: no max_tokens.
    if (name === "num_predict" && typeof value === "number" && value < 0) continue;
    body[OPTION_NAMES[name]] = value;
  }
  return body;
}
