/**
 * The context window of a `/chat_api` conversation. Ollama reads the whole conversation into a
 * window of `num_ctx` tokens (4096 unless asked otherwise) and, when it does not fit, silently
 * drops the oldest messages. {@link ContextSizer} instead asks for a window sized to the
 * conversation, up to `MAX_CONTEXT_TOKENS` and never more than the model's own context length
 * (from `/api/show`, through the shared {@link ModelInfoCache}); when even that is too small, it keeps
 * the newest turns that fit and says so in a line the client reads before the answer:
 *
 * ```
 * {"context":{"kept":6,"dropped":4,"num_ctx":8192}}
 * ```
 *
 * Sizes grow in steps (4096, 8192, …) and never shrink for a model the gateway has already asked
 * more of: Ollama reloads a model whenever `num_ctx` changes, and on a CPU that takes as long as
 * many answers. Tokens are estimated from UTF-8 bytes (3 a token: English is nearer 4, so the
 * estimate errs towards keeping fewer turns, and what the client is told the model sees, it sees).
 *
 * @module
 */

import type { ChatRequest, HistoryMessage } from "./chat_request.ts";
import { ModelInfoCache } from "./model_info.ts";

/** Where Ollama is and the largest window to ask for. */
export interface ContextOptions {
  /** Ollama's base URL. */
  ollamaUrl: string;
  /** Largest `num_ctx` to send (`MAX_CONTEXT_TOKENS`). */
  maxContextTokens: number;
}

/** A request sized to its context window, and what to tell the client about it. */
export interface ContextPlan {
  /** The request to send: `options.num_ctx` set, the history cut to the newest turns that fit. */
  request: ChatRequest;
  /** The `{"context": …}` line (with its newline) when turns were left out, else `undefined`. */
  notice?: string;
}

/** The smallest window asked for, and the step windows grow by doubling from: Ollama's default. */
export const CONTEXT_STEP_TOKENS = 4096;
/** Room left for the answer when the request does not set `num_predict`. */
const ANSWER_TOKENS = 1024;
/** UTF-8 bytes per token, estimated on the safe side (see the module's notes). */
const BYTES_PER_TOKEN = 3;
/** Tokens a chat template adds around each message (role markers, separators). */
const MESSAGE_TOKENS = 8;
/**
 * Tokens an image is counted as: vision models turn one into a few hundred (gemma3 256, qwen2.5vl
 * up to about 1300 for a 1024-pixel side); 768 is between.
 */
const IMAGE_TOKENS = 768;

const encoder = new TextEncoder();

/** Estimated tokens of one message of `text`. */
export function estimateTokens(text: string): number {
  return Math.ceil(encoder.encode(text).length / BYTES_PER_TOKEN) + MESSAGE_TOKENS;
}

/** Estimated tokens of one message: its text and its images. */
function messageTokens(message: { content: string; images?: string[] }): number {
  return estimateTokens(message.content) + (message.images?.length ?? 0) * IMAGE_TOKENS;
}

/**
 * Sizes `/chat_api` requests' context windows (see the module's notes). One per gateway: it
 * remembers each model's context length and the largest window already asked for.
 *
 * @example A long history is cut to the newest turns that fit
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ContextSizer } from "./context.ts";
 *
 * // No Ollama here: the lookup of the model's length fails, so MAX_CONTEXT_TOKENS bounds alone.
 * const sizer = new ContextSizer({ ollamaUrl: "http://127.0.0.1:9", maxContextTokens: 4096 });
 * // About 1000 tokens a turn, and 1024 kept free for the answer: three turns fit, not four.
 * const turn = (role: "user" | "assistant") => ({ role, content: "word ".repeat(600) });
 * const history = [turn("user"), turn("assistant"), turn("user"), turn("assistant")];
 * const plan = await sizer.plan({ prompt: "And now?", model: "m", history });
 *
 * assertEquals(plan.request.options, { num_ctx: 4096 });
 * assertEquals(plan.request.history, history.slice(1));
 * assertEquals(plan.notice, '{"context":{"kept":3,"dropped":1,"num_ctx":4096}}\n');
 * ```
 */
export class ContextSizer {
  readonly #options: ContextOptions;
  readonly #models: ModelInfoCache;
  readonly #largestAsked = new Map<string, number>();

  /** A sizer for the Ollama at `options.ollamaUrl`, reading models' lengths from `models`. */
  constructor(options: ContextOptions, models = new ModelInfoCache(options)) {
    this.#options = options;
    this.#models = models;
  }

  /** `request` with its window set and its history cut to fit; see {@link ContextPlan}. */
  async plan(request: ChatRequest): Promise<ContextPlan> {
    const limit = await this.#limit(request.model);
    const numPredict = request.options?.num_predict;
    const answerRoom = typeof numPredict === "number" && numPredict > 0
      ? Math.min(numPredict, Math.floor(limit / 2))
      : Math.min(ANSWER_TOKENS, Math.floor(limit / 4));
    const fixed = answerRoom + messageTokens({ content: request.prompt, images: request.images }) +
      (request.system ? estimateTokens(request.system) : 0);
    const turns = request.history.map((turn: HistoryMessage) => messageTokens(turn));
    const needed = fixed + turns.reduce((sum, tokens) => sum + tokens, 0);

    const numCtx = this.#windowFor(request, needed, limit);
    let budget = numCtx - fixed;
    let kept = 0;
    while (kept < turns.length && turns[turns.length - 1 - kept] <= budget) {
      budget -= turns[turns.length - 1 - kept];
      kept++;
    }

    const dropped = turns.length - kept;
    return {
      request: {
        ...request,
        history: request.history.slice(dropped),
        options: { ...request.options, num_ctx: numCtx },
      },
      ...(dropped > 0 && {
        notice: JSON.stringify({ context: { kept, dropped, num_ctx: numCtx } }) + "\n",
      }),
    };
  }

  /** The window a model is first loaded with (for the preload at start): the smallest step. */
  async initialWindow(model: string): Promise<number> {
    return Math.min(CONTEXT_STEP_TOKENS, await this.#limit(model));
  }

  /**
   * The window for `request`: the client's own `num_ctx` (capped), or the smallest step that
   * holds `needed` tokens, and no smaller than the largest already asked for this model.
   */
  #windowFor(request: ChatRequest, needed: number, limit: number): number {
    const asked = request.options?.num_ctx;
    if (typeof asked === "number" && asked > 0) return Math.min(Math.floor(asked), limit);
    let size = CONTEXT_STEP_TOKENS;
    while (size < needed && size < limit) size *= 2;
    size = Math.min(Math.max(size, this.#largestAsked.get(request.model) ?? 0), limit);
    this.#largestAsked.set(request.model, size);
    return size;
  }

  /** The largest window for `model`: `MAX_CONTEXT_TOKENS`, or the model's own length if less. */
  async #limit(model: string): Promise<number> {
    const length = await this.#modelLength(model);
    return Math.min(this.#options.maxContextTokens, length ?? Infinity);
  }

  /** The model's context length from `/api/show`, cached; `undefined` when Ollama cannot say. */
  async #modelLength(model: string): Promise<number | undefined> {
    return (await this.#models.get(model)).contextLength;
  }
}
