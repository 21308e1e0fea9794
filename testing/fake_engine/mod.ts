/**
 * A fake OpenAI-compatible engine for tests, the bench and developing the page without a GPU: it
 * answers as vLLM's OpenAI server does, from its source, not from guesses. What it imitates, and
 * where each part was read:
 *
 * - `POST /v1/chat/completions`, streamed as server-sent events (`data: {…}` and a blank line per
 *   chunk, ended by `data: [DONE]`): a first chunk carrying only the role (`delta: {"role":
 *   "assistant", "content": ""}`), one chunk per token, a last chunk with an empty delta and
 *   `finish_reason` `stop` (or `length` when `max_tokens` cut the answer), then, when
 *   `stream_options.include_usage` is set, a usage-only chunk (`choices: []`). Read in
 *   vllm-project/vllm `vllm/entrypoints/openai/serving_chat.py` and its later home
 *   `vllm/entrypoints/openai/chat_completion/serving.py` (`chat_completion_stream_generator`).
 * - Reasoning deltas of thinking models in `delta.reasoning_content` (vLLM until 0.10, SGLang) or
 *   `delta.reasoning` (vLLM since; Ollama's `/v1` in ollama/ollama `openai/openai.go`), chosen by
 *   {@link FakeEngineSettings.reasoningField}; `reasoning_effort: "none"` turns them off, as in
 *   `vllm/entrypoints/openai/reasoning_effort.py` and Ollama's `thinkFromReasoningEffort`.
 * - Errors as vLLM writes them (`vllm/entrypoints/openai/protocol.py`, `ErrorResponse`; and
 *   `create_streaming_error_response` in `vllm/entrypoints/openai/engine/serving.py`): before the
 *   stream as the response body with its HTTP status, flat `{"object": "error", "message", "type",
 *   "param", "code"}` (vLLM before 0.10) or nested `{"error": {"message", "type", "param", "code"}}`
 *   (since), see {@link FakeEngineSettings.errorStyle}; and mid-stream as an event `data:
 *   {"error": {…}}` followed by `data: [DONE]`.
 * - `GET /v1/models` (vLLM's `ModelList` of `ModelCard`s), and `401 {"error": "Unauthorized"}`
 *   when started with an API key and a request does not carry it (vLLM's `--api-key`).
 * - Slow first tokens (the headers go out at once, as Starlette's `StreamingResponse` sends them
 *   before the first chunk; the tokens wait {@link FakeEngineSettings.firstTokenDelayMs}), and
 *   disconnect detection: every stream whose client left before its end is recorded.
 *
 * Each chunk leaves in its own write, as the engine flushes each token (see the fake Ollama's
 * `nextTurn`). `main.ts` runs it alone: `deno task fake-engine`.
 *
 * @example A streamed answer, event by event
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { startFakeEngine } from "./mod.ts";
 *
 * const engine = startFakeEngine({ reply: "Hi there!" });
 * const response = await fetch(`${engine.url}/v1/chat/completions`, {
 *   method: "POST",
 *   body: JSON.stringify({
 *     model: "meta-llama/Llama-3.2-1B-Instruct",
 *     messages: [{ role: "user", content: "Hello" }],
 *     stream: true,
 *     stream_options: { include_usage: true },
 *   }),
 * });
 * const events = (await response.text()).split("\n\n").filter((e) => e).map((e) => e.slice(6));
 * assertEquals(events.at(-1), "[DONE]");
 * const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
 * assertEquals(chunks[0].choices[0].delta, { role: "assistant", content: "" });
 * assertEquals(chunks.slice(1, 3).map((c) => c.choices[0].delta.content), ["Hi", " there!"]);
 * assertEquals(chunks[3].choices[0].finish_reason, "stop");
 * assertEquals(chunks[4].choices, []);
 * assertEquals(chunks[4].usage.completion_tokens, 2);
 * await engine.close();
 * ```
 *
 * @module
 */

import { DEFAULT_THINKING, defaultReply, tokenize } from "../fake_ollama/mod.ts";

/** How chat completions behave. */
export type EngineScenario =
  /** Streams the reasoning (thinking models) and the reply, then finish, usage and `[DONE]`. */
  | "normal"
  /** Answers `500` with vLLM's error body, before any stream. */
  | "error-before-stream"
  /** Sends two tokens, then an error event and `[DONE]`, as vLLM does when generation fails. */
  | "error-mid-stream"
  /** Sends every chunk, finish and usage included, then closes without `data: [DONE]`. */
  | "end-without-done"
  /** Sends the tokens and `data: [DONE]`, but no chunk with a `finish_reason`. */
  | "done-without-finish"
  /** Sends two tokens, then drops the connection. */
  | "drop-mid-stream"
  /** Sends two tokens, then nothing more. */
  | "hang-mid-stream";

/** The fake's current settings; tests change them between requests. */
export interface FakeEngineSettings {
  scenario: EngineScenario;
  /** Answer text; empty for a greeting that quotes the last user message, with multi-byte text. */
  reply: string;
  /** Reasoning streamed first by thinking models (names with "qwen3" or "r1"). */
  thinking: string;
  /** Where reasoning deltas go: vLLM until 0.10 and SGLang, or vLLM since and Ollama's `/v1`. */
  reasoningField: "reasoning_content" | "reasoning";
  /** vLLM's error body before 0.10 (flat, `"object": "error"`) or since (nested `"error"`). */
  errorStyle: "flat" | "nested";
  /** Delay before each token, in milliseconds. */
  tokenDelayMs: number;
  /** Extra delay before the first chunk (prefill, a queue), in milliseconds. */
  firstTokenDelayMs: number;
  /** Served model ids. */
  models: string[];
  /** The key requests must carry as `Authorization: Bearer`; none when empty. */
  apiKey: string;
}

/** A request the fake received. */
export interface EngineRequest {
  method: string;
  path: string;
  headers: Headers;
  /** Parsed JSON body, or `undefined` when there was none. */
  body: unknown;
}

/** Settings of a new fake, all optional, and its port (0, the default, picks a free one). */
export type FakeEngineOptions = Partial<FakeEngineSettings> & { port?: number };

/** A running fake engine. */
export interface FakeEngine {
  /** Base URL without `/v1`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Current settings; change them to change the next requests. */
  readonly options: FakeEngineSettings;
  /** Every request, in order of arrival. */
  readonly requests: EngineRequest[];
  /** Streams whose client went away before the end, counted. */
  readonly disconnects: number;
  /** Resolves when the next client goes away (at once if one did since the last call). */
  nextDisconnect(): Promise<void>;
  close(): Promise<void>;
}

const encoder = new TextEncoder();

/** Starts a fake engine on 127.0.0.1 serving a thinking and a plain model unless told others. */
export function startFakeEngine(init: FakeEngineOptions = {}): FakeEngine {
  const { port = 0, ...settings } = init;
  const options: FakeEngineSettings = {
    scenario: "normal",
    reply: "",
    thinking: DEFAULT_THINKING,
    reasoningField: "reasoning_content",
    errorStyle: "flat",
    tokenDelayMs: 0,
    firstTokenDelayMs: 0,
    models: ["Qwen/Qwen3-8B", "meta-llama/Llama-3.2-1B-Instruct"],
    apiKey: "",
    ...settings,
  };
  const requests: EngineRequest[] = [];
  const closing = new AbortController();
  let disconnects = 0;
  let unseen = 0;
  let disconnected = Promise.withResolvers<void>();
  const recordDisconnect = () => {
    disconnects++;
    unseen++;
    disconnected.resolve();
    disconnected = Promise.withResolvers();
  };
  const server = Deno.serve(
    { port, hostname: "127.0.0.1", onListen: () => {} },
    async (request) => {
      const { pathname } = new URL(request.url);
      const text = await request.text();
      let body: Record<string, unknown> | undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        requests.push({
          method: request.method,
          path: pathname,
          headers: request.headers,
          body: text,
        });
        return errorResponse(options, 400, "BadRequestError", "Invalid JSON in the request body");
      }
      requests.push({ method: request.method, path: pathname, headers: request.headers, body });
      if (options.apiKey && request.headers.get("authorization") !== `Bearer ${options.apiKey}`) {
        return Response.json({ error: "Unauthorized" }, { status: 401 });
      }
      const route = `${request.method} ${pathname}`;
      if (route === "GET /v1/models") return models(options);
      if (route === "POST /v1/chat/completions") {
        return chat(options, body ?? {}, request.signal, closing.signal, recordDisconnect);
      }
      return Response.json({ detail: "Not Found" }, { status: 404 });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    options,
    requests,
    get disconnects() {
      return disconnects;
    },
    nextDisconnect() {
      if (unseen > 0) {
        unseen--;
        return Promise.resolve();
      }
      return disconnected.promise.then(() => {
        unseen = Math.max(0, unseen - 1);
      });
    },
    close() {
      closing.abort();
      return server.shutdown();
    },
  };
}

/** vLLM's error body in the configured style, with `status`. */
function errorResponse(
  options: FakeEngineSettings,
  status: number,
  type: string,
  message: string,
): Response {
  return Response.json(errorBody(options, status, type, message), { status });
}

function errorBody(options: FakeEngineSettings, code: number, type: string, message: string) {
  return options.errorStyle === "flat"
    ? { object: "error", message, type, param: null, code }
    : { error: { message, type, param: null, code } };
}

/** `GET /v1/models`: vLLM's model cards. */
function models(options: FakeEngineSettings): Response {
  return Response.json({
    object: "list",
    data: options.models.map((id) => ({
      id,
      object: "model",
      created: 1727784000,
      owned_by: "vllm",
      root: id,
      parent: null,
      max_model_len: 32768,
      permission: [],
    })),
  });
}

type Message = { role?: unknown; content?: unknown };

/** `POST /v1/chat/completions`, streamed or whole. */
function chat(
  options: FakeEngineSettings,
  body: Record<string, unknown>,
  signal: AbortSignal,
  closing: AbortSignal,
  recordDisconnect: () => void,
): Response {
  const model = String(body.model ?? "");
  if (!options.models.includes(model)) {
    return errorResponse(options, 404, "NotFoundError", `The model \`${model}\` does not exist.`);
  }
  const effort = body.reasoning_effort;
  if (
    effort !== undefined && !["none", "minimal", "low", "medium", "high"].includes(String(effort))
  ) {
    return errorResponse(
      options,
      400,
      "BadRequestError",
      `reasoning_effort: Input should be 'none', 'minimal', 'low', 'medium' or 'high'`,
    );
  }
  const maxTokens = body.max_tokens ?? body.max_completion_tokens;
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && Number(maxTokens) >= 1)) {
    return errorResponse(
      options,
      400,
      "BadRequestError",
      `max_tokens must be at least 1, got ${JSON.stringify(maxTokens)}.`,
    );
  }
  if (options.scenario === "error-before-stream") {
    return errorResponse(options, 500, "InternalServerError", "EngineCore encountered an issue.");
  }

  const messages = Array.isArray(body.messages) ? body.messages as Message[] : [];
  const prompt = String(messages.findLast((m) => m.role === "user")?.content ?? "");
  const thinks = /qwen3|r1/i.test(model) && effort !== "none";
  const reasoning = thinks ? tokenize(options.thinking) : [];
  let answer = tokenize(options.reply || defaultReply(prompt));
  let finishReason = "stop";
  const limit = typeof maxTokens === "number" ? maxTokens - reasoning.length : Infinity;
  if (answer.length > limit) {
    answer = answer.slice(0, Math.max(0, limit));
    finishReason = "length";
  }
  const usage = {
    prompt_tokens: messages.reduce((sum, m) => sum + tokenize(String(m.content ?? "")).length, 0),
    completion_tokens: reasoning.length + answer.length,
    total_tokens: 0,
  };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  const base = {
    id: `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`,
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model,
  };

  if (body.stream !== true) {
    return Response.json({
      ...base,
      object: "chat.completion",
      choices: [{
        index: 0,
        message: {
          role: "assistant",
          content: answer.join(""),
          ...(thinks && { [options.reasoningField]: reasoning.join("") }),
        },
        logprobs: null,
        finish_reason: finishReason,
        stop_reason: null,
      }],
      usage,
    });
  }

  const event = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    event({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)
    ?.include_usage === true;

  async function* events(): AsyncGenerator<string> {
    await wait(options.firstTokenDelayMs, signal, closing);
    yield chunk({ role: "assistant", content: "" });
    const tokens = [
      ...reasoning.map((text) => chunk({ [options.reasoningField]: text })),
      ...answer.map((text) => chunk({ content: text })),
    ];
    const faulty = ["error-mid-stream", "drop-mid-stream", "hang-mid-stream"];
    for (const [index, token] of tokens.entries()) {
      if (faulty.includes(options.scenario) && index === 2) break;
      await wait(options.tokenDelayMs, signal, closing);
      yield token;
    }
    switch (options.scenario) {
      case "error-mid-stream":
        yield event(errorBody(options, 500, "InternalServerError", "Internal server error"));
        yield "data: [DONE]\n\n";
        return;
      case "drop-mid-stream":
        throw new Error("connection dropped by the fake engine");
      case "hang-mid-stream":
        await wait(Infinity, signal, closing);
        return;
    }
    if (options.scenario !== "done-without-finish") yield chunk({}, finishReason);
    if (includeUsage) yield event({ ...base, choices: [], usage });
    if (options.scenario !== "end-without-done") yield "data: [DONE]\n\n";
  }

  const lines = events();
  let open = true;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await lines.next();
        if (done) {
          open = false;
          controller.close();
        } else controller.enqueue(encoder.encode(value));
      } catch (error) {
        open = false;
        controller.error(error); // Deno drops the connection mid-body.
      }
    },
    cancel() {
      if (open) recordDisconnect();
      open = false;
      lines.return(undefined);
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream; charset=utf-8" },
  });
}

/**
 * Waits `ms` (forever when Infinity), ending early when the client leaves or the fake closes. At 0
 * it still lets the event loop turn, so each chunk leaves in its own write.
 */
function wait(ms: number, ...signals: AbortSignal[]): Promise<void> {
  return new Promise<void>((resolve) => {
    if (ms === 0) return void setImmediate(resolve);
    const done = () => {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = ms === Infinity ? undefined : setTimeout(done, ms);
    for (const signal of signals) signal.addEventListener("abort", done, { once: true });
  });
}
