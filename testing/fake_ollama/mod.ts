/**
 * A fake Ollama server for tests and for developing the page without a model (see "the fake
 * Ollama" in `docs/ARCHITECTURE.md`). It imitates what the gateway and its clients see of a real
 * Ollama: NDJSON streams for `/api/chat` and `/api/generate` with the reasoning in its own
 * `thinking` field and a final stats line, the model list, details and loaded models, pull
 * progress, embeddings, blob uploads, the version and the `/` health text, and the
 * OpenAI-compatible `/v1` routes (chat and text completions as server-sent events, embeddings,
 * models and one model). It keeps the real server's manners (Ollama 0.32.15's, the image's): the
 * missing-model text `model 'x' not found`, `400` for a `think` the model cannot do, `500` for an
 * option of the wrong type, `/api/show` with capabilities and `<arch>.context_length`,
 * `done_reason: "length"` when `num_predict` cuts an answer, a load-only answer to a request with no
 * prompt, and a `/v1` stream that fails mid-way ending with an empty chunk and no `[DONE]`. A
 * {@link Scenario} makes generation fail the ways a real server can; every request is recorded, and
 * so is every client that went away before its answer was complete.
 *
 * This module holds the server, the recording and the routing table; `generation.ts` the timing
 * and faults of a generation, `ollama_api.ts` and `openai_api.ts` the wire shapes, `state.ts`
 * what they share, and `main.ts` the command line (`deno task fake-ollama`).
 *
 * @module
 */

import * as ollama from "./ollama_api.ts";
import * as openai from "./openai_api.ts";
import { DEFAULT_THINKING } from "./generation.ts";
import { type FakeSettings, FakeState, type RecordedRequest } from "./state.ts";

export { DEFAULT_THINKING, defaultReply, tokenize } from "./generation.ts";
export type { FakeSettings, RecordedRequest, Scenario } from "./state.ts";

/** Settings of a new fake; all but `port` can be changed later through {@link FakeOllama.options}. */
export interface FakeOllamaOptions extends Partial<FakeSettings> {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /**
   * Models loaded from the start, as a container that preloads its model has them: the first
   * installed model by default; `[]` for an Ollama that has just started.
   */
  preloaded?: string[];
}

/** A running fake Ollama. */
export interface FakeOllama {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Current settings; change them to change the next requests. */
  readonly options: FakeSettings;
  /** Every request, in order of arrival. */
  readonly requests: RecordedRequest[];
  /** Paths of the generation requests whose client went away before the end. */
  readonly disconnects: string[];
  /** Streamed generations being answered right now. */
  readonly active: number;
  /** The most streamed generations there ever were at once. */
  readonly maxActive: number;
  /** `hold-last-token` answers waiting for {@link releaseLastToken} right now. */
  readonly held: number;
  /** Resolves when the next client goes away (or at once if one already did since the last call). */
  nextDisconnect(): Promise<string>;
  /** Lets the held-back last token of every `hold-last-token` answer go. */
  releaseLastToken(): void;
  /** Ends every model load under way now (with `loadDelayMs: Infinity`, loads wait for this). */
  finishLoads(): void;
  /** Stops holding last tokens back, then closes once every answer has been sent. */
  close(): Promise<void>;
}

/**
 * Starts a fake Ollama on 127.0.0.1, with `qwen3:4b` (a thinking model) and `llama3.2:1b`
 * installed unless `init.models` says otherwise.
 *
 * @example Ask for a whole answer, then read a streamed one
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { startFakeOllama } from "./mod.ts";
 *
 * const fake = startFakeOllama({ reply: "Hi there!" });
 * const ask = (stream: boolean) =>
 *   fetch(`${fake.url}/api/chat`, {
 *     method: "POST",
 *     body: JSON.stringify({
 *       model: "llama3.2:1b",
 *       messages: [{ role: "user", content: "Hello" }],
 *       stream,
 *     }),
 *   });
 *
 * const whole = await (await ask(false)).json();
 * assertEquals(whole.message, { role: "assistant", content: "Hi there!" });
 * assertEquals(whole.done_reason, "stop");
 *
 * const lines = (await (await ask(true)).text()).trim().split("\n").map((l) => JSON.parse(l));
 * assertEquals(lines.map((line) => line.message.content), ["Hi", " there!", ""]);
 * assertEquals(lines.at(-1).done, true);
 * assertEquals(fake.requests.map((request) => request.path), ["/api/chat", "/api/chat"]);
 * await fake.close();
 * ```
 */
export function startFakeOllama(init: FakeOllamaOptions = {}): FakeOllama {
  const models = init.models ?? ["qwen3:4b", "llama3.2:1b"];
  const state = new FakeState({
    scenario: init.scenario ?? "normal",
    reply: init.reply ?? "",
    thinking: init.thinking ?? DEFAULT_THINKING,
    tokenDelayMs: init.tokenDelayMs ?? 0,
    models,
    thinkLevels: init.thinkLevels ?? true,
    numParallel: init.numParallel ?? Infinity,
    keepAliveMs: init.keepAliveMs ?? Infinity,
    loadDelayMs: init.loadDelayMs ?? 0,
  }, init.preloaded ?? models.slice(0, 1));
  const server = Deno.serve(
    { port: init.port ?? 0, hostname: "127.0.0.1", onListen: () => {} },
    (request) => handle(state, request),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    options: state.settings,
    requests: state.requests,
    disconnects: state.disconnects,
    get active() {
      return state.active;
    },
    get maxActive() {
      return state.maxActive;
    },
    get held() {
      return state.held;
    },
    nextDisconnect: () => state.nextDisconnect(),
    releaseLastToken: () => state.releaseLastToken(),
    finishLoads: () => state.scheduler.finishLoads(),
    close() {
      state.close();
      return server.shutdown();
    },
  };
}

/** What a route handler gets besides the fake's state: the request and its parsed JSON body. */
interface Call {
  request: Request;
  /** The JSON body, `{}` when there was none. */
  body: Record<string, unknown>;
  /** `body.model` as text, `""` when absent. */
  model: string;
}

/** Answers one request of the routing table. */
type Route = (state: FakeState, call: Call) => Response | Promise<Response>;

/** The routing table: `METHOD /path` to its handler. */
const ROUTES: Record<string, Route> = {
  "GET /": (_, { request }) => ollama.root(request.method),
  "HEAD /": (_, { request }) => ollama.root(request.method),
  "GET /api/version": () => ollama.version(),
  "GET /api/tags": (state) => ollama.tags(state),
  "GET /api/ps": (state) => ollama.ps(state),
  "POST /api/show": (state, { body }) => ollama.show(state, body),
  "POST /api/chat": (state, { request, body }) =>
    ollama.generate(state, "/api/chat", body, request.signal),
  "POST /api/generate": (state, { request, body }) =>
    ollama.generate(state, "/api/generate", body, request.signal),
  "POST /api/pull": (state, { body, model }) => ollama.pull(state, model, body.stream !== false),
  "POST /api/embed": (state, { model }) => ollama.embed(state, "/api/embed", model),
  "POST /api/embeddings": (state, { model }) => ollama.embed(state, "/api/embeddings", model),
  "GET /v1/models": (state) => openai.models(state),
  "POST /v1/chat/completions": (state, { request, body }) =>
    openai.completions(state, "/v1/chat/completions", body, request.signal),
  "POST /v1/completions": (state, { request, body }) =>
    openai.completions(state, "/v1/completions", body, request.signal),
  "POST /v1/embeddings": (_, { model }) => openai.embeddings(model),
};

/** Records `request`, then answers it from {@link ROUTES} (blob uploads keep their bytes). */
async function handle(state: FakeState, request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const blob = pathname.match(ollama.BLOB_PATH);
  if (blob) return await ollama.blobs(state, request, pathname, blob[1]);
  const text = await request.text();
  let body: Record<string, unknown>;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    state.record(request, pathname, text);
    return Response.json({ error: "invalid character looking for beginning of value" }, {
      status: 400,
    });
  }
  state.record(request, pathname, text ? body : undefined);
  const model = String(body.model ?? "");
  const retrieve = request.method === "GET" && pathname.match(openai.MODEL_PATH);
  if (retrieve) return openai.model(state, decodeURIComponent(retrieve[1]));
  const route = ROUTES[`${request.method} ${pathname}`];
  if (!route) {
    return new Response("404 page not found", {
      status: 404,
      headers: { "content-type": "text/plain" },
    });
  }
  return await route(state, { request, body, model });
}
