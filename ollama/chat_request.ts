/**
 * The `/chat_api` request: {@link parseChatRequest} checks a JSON body against the contract in
 * docs/ARCHITECTURE.md and explains the first problem it finds; {@link toOllamaChat} turns a valid request
 * into the body of Ollama's `POST /api/chat`.
 *
 * Images (`images`, for vision models) are checked by `images.ts`: base64 of a JPEG, PNG, WebP or
 * GIF, at most four a message, on the prompt and on user turns of the history.
 *
 * Options are checked against the types Ollama wants too, so a typo is a `400` naming the option
 * before the request waits for Ollama, not Ollama's `500` after it.
 *
 * @module
 */

import { GatewayError } from "../server/errors.ts";
import { MAX_IMAGES, readImage } from "./images.ts";
import { type OptionType, optionTypeProblem } from "./options.ts";

/** A turn of an earlier conversation. */
export interface HistoryMessage {
  role: "user" | "assistant";
  content: string;
  /** Base64 images a user turn carried (no `data:` prefix). */
  images?: string[];
}

/** Ollama's `think` values: on/off, or a level for models that have levels. */
export type Think = boolean | "low" | "medium" | "high" | "max";

/** A validated `/chat_api` request, with the default model filled in. */
export interface ChatRequest {
  prompt: string;
  model: string;
  history: HistoryMessage[];
  /** Base64 images sent with the prompt (no `data:` prefix). */
  images?: string[];
  system?: string;
  think?: Think;
  options?: Record<string, unknown>;
}

/** The body sent to Ollama's `POST /api/chat`. */
export interface OllamaChatBody {
  model: string;
  messages: { role: "system" | "user" | "assistant"; content: string; images?: string[] }[];
  stream: true;
  think?: Think;
  options?: Record<string, unknown>;
}

const THINK_LEVELS = new Set<unknown>([true, false, "low", "medium", "high", "max"]);

/** How each of Ollama's option types is said to a person. */
const TYPE_WORDS: Record<OptionType, string> = {
  integer: "a whole number",
  float32: "a number",
  boolean: "true or false",
  array: "an array of strings",
};

/** Validates `body`; throws a `400` {@link GatewayError} naming the first field that is wrong. */
export function parseChatRequest(body: unknown, defaultModel: string): ChatRequest {
  if (!isObject(body)) fail("The request body must be a JSON object");
  const { prompt, model, history, images, system, think, options } = body;

  if (typeof prompt !== "string") fail('"prompt" is required and must be a string');
  if (prompt.trim() === "") fail('"prompt" must not be empty');
  if (model !== undefined && (typeof model !== "string" || model.trim() === "")) {
    fail('"model" must be a non-empty string, such as "qwen3:4b"');
  }
  if (system !== undefined && typeof system !== "string") fail('"system" must be a string');
  if (think !== undefined && !THINK_LEVELS.has(think)) {
    fail('"think" must be true, false, "low", "medium", "high" or "max"');
  }
  if (options !== undefined && !isObject(options)) {
    fail('"options" must be an object, such as {"temperature": 0.7}');
  }
  const wrong = options === undefined ? undefined : optionTypeProblem(options);
  if (wrong) fail(`"options.${wrong.name}" must be ${TYPE_WORDS[wrong.type]}`);

  return {
    prompt,
    model: model === undefined ? defaultModel : model,
    history: parseHistory(history),
    ...(images !== undefined && { images: parseImages(images, '"images"') }),
    ...(system !== undefined && { system }),
    ...(think !== undefined && { think: think as Think }),
    ...(options !== undefined && { options }),
  };
}

/** The Ollama `/api/chat` body for `request`: system prompt, history, then the new prompt. */
export function toOllamaChat(request: ChatRequest): OllamaChatBody {
  return {
    model: request.model,
    messages: [
      ...(request.system ? [{ role: "system" as const, content: request.system }] : []),
      ...request.history,
      { role: "user", content: request.prompt, ...(request.images && { images: request.images }) },
    ],
    stream: true,
    ...(request.think !== undefined && { think: request.think }),
    ...(request.options !== undefined && { options: request.options }),
  };
}

function parseHistory(history: unknown): HistoryMessage[] {
  if (history === undefined) return [];
  if (!Array.isArray(history)) fail('"history" must be an array of {"role", "content"} objects');
  return history.map((turn, index) => {
    if (
      !isObject(turn) || (turn.role !== "user" && turn.role !== "assistant") ||
      typeof turn.content !== "string"
    ) {
      fail(
        `"history[${index}]" must be {"role": "user" or "assistant", "content": a string}`,
      );
    }
    if (turn.images === undefined) return { role: turn.role, content: turn.content };
    if (turn.role !== "user") fail(`"history[${index}].images": only user turns carry images`);
    return {
      role: turn.role,
      content: turn.content,
      images: parseImages(turn.images, `"history[${index}].images"`),
    };
  });
}

/** `images` as bare base64 strings, or a `400` naming the field and the image that is wrong. */
function parseImages(images: unknown, field: string): string[] {
  if (!Array.isArray(images)) fail(`${field} must be an array of base64 strings`);
  if (images.length > MAX_IMAGES) {
    fail(`${field} has ${images.length} images; a message can carry at most ${MAX_IMAGES}`);
  }
  return images.map((image, index) => {
    const read = readImage(image);
    if ("problem" in read) fail(`${field}[${index}] ${read.problem}`);
    return read.base64;
  });
}

/** Whether `request` carries any image, with its prompt or in its history. */
export function hasImages(request: ChatRequest): boolean {
  return (request.images?.length ?? 0) > 0 ||
    request.history.some((turn) => (turn.images?.length ?? 0) > 0);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
  throw new GatewayError(400, message);
}
