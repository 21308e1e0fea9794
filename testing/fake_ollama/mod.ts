/**
 * A fake Ollama server for tests and for developing the page without a model. It follows
 * `ollama-protocol.md` (shared with the team): NDJSON streams for `/api/chat` and `/api/generate`
 * with separate `thinking`, the final stats line, `/api/tags`, `/api/show`, `/api/pull` progress,
 * `/api/ps`, `/api/embed`, `/api/blobs`, `/api/version`, the `/` health text, and the
 * OpenAI-compatible `/v1` routes (chat and text completions with SSE, embeddings, models). A
 * {@link Scenario} makes generation fail the ways a real server can; every request is recorded,
 * and so is every client that went away before its answer was complete.
 *
 * Run it alone with `deno task fake-ollama` (port from `PORT`, default 11434; `FAKE_OLLAMA_DELAY_MS`
 * between tokens, default 40; `FAKE_OLLAMA_SCENARIO`, default `normal`; `FAKE_OLLAMA_REPLY`, the
 * answer text, by default {@link defaultReply}).
 *
 * @module
 */

/** How generation requests behave. */
export type Scenario =
  /** Streams the thinking (when on) and the reply, then the stats line. */
  | "normal"
  /** Never sends response headers. */
  | "hang-before-headers"
  /** Sends two tokens, then nothing more. */
  | "hang-mid-stream"
  /** Sends two tokens, then an `{"error": …}` line, as Ollama does when its runner dies. */
  | "error-mid-stream"
  /** Sends two tokens, then drops the connection. */
  | "drop-mid-stream"
  /** Sends two tokens, then a line that is not JSON. */
  | "malformed-line"
  /** Sends the tokens, then ends without the final `done` line. */
  | "end-without-done"
  /** Writes the whole answer a few bytes at a time, splitting multi-byte characters. */
  | "split-bytes"
  /** Holds back the last token until {@link FakeOllama.releaseLastToken} is called. */
  | "hold-last-token"
  /** Answers `500` with a runner failure. */
  | "status-500"
  /** Answers `503`, as Ollama does when its queue is full. */
  | "busy";

/** Settings of the fake; all can be changed between requests through {@link FakeOllama.options}. */
export interface FakeOllamaOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  scenario?: Scenario;
  /** Answer text; by default a greeting that quotes the last user message, with multi-byte text. */
  reply?: string;
  /** Reasoning text streamed first by thinking models unless `think` is `false`. */
  thinking?: string;
  /** Delay before each token, in milliseconds (default 0). */
  tokenDelayMs?: number;
  /** Installed models; names starting with `qwen3` think by default. */
  models?: string[];
}

/** A request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Headers;
  /** Parsed JSON body, the bytes of a blob upload, or `undefined` when there was none. */
  body: unknown;
}

/** A running fake Ollama. */
export interface FakeOllama {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Current settings; change them to change the next requests. */
  options: Required<Omit<FakeOllamaOptions, "port">>;
  /** Every request, in order of arrival. */
  requests: RecordedRequest[];
  /** Paths of the generation requests whose client went away before the end. */
  disconnects: string[];
  /** Generation requests being answered right now, and the most there ever were at once. */
  active: number;
  maxActive: number;
  /** `hold-last-token` answers waiting for {@link releaseLastToken} right now. */
  held: number;
  /** Resolves when the next client goes away (or at once if one already did since the last call). */
  nextDisconnect(): Promise<string>;
  /** Lets the held-back last token of every `hold-last-token` answer go. */
  releaseLastToken(): void;
  /** Stops holding last tokens back, then closes once every answer has been sent. */
  close(): Promise<void>;
}

const VERSION = "0.12.6";
/** The reasoning thinking models stream unless `thinking` is set. */
export const DEFAULT_THINKING = "The user greets me. I should answer briefly and kindly.";
const RUNNER_FAILURE = "llama runner process has terminated: exit status 2";
const BUSY = "server busy, please try again.  maximum pending requests exceeded";
const encoder = new TextEncoder();

/** The default reply: quotes `prompt`, and carries accents, CJK and an emoji (4 UTF-8 bytes). */
export function defaultReply(prompt: string): string {
  return `Hello! You said: "${prompt}". Ünïcödé ✓, 日本語 and 👋 travel safely.`;
}

/** Splits text into word-like tokens as a tokenizer would: each keeps its leading space. */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

/** Starts a fake Ollama on 127.0.0.1. */
export function startFakeOllama(init: FakeOllamaOptions = {}): FakeOllama {
  const options = {
    scenario: init.scenario ?? "normal",
    reply: init.reply ?? "",
    thinking: init.thinking ?? DEFAULT_THINKING,
    tokenDelayMs: init.tokenDelayMs ?? 0,
    models: init.models ?? ["qwen3:4b", "llama3.2:1b"],
  };
  /** Aborted by `close()`, so nothing the fake holds back keeps its shutdown waiting. */
  const closing = new AbortController();
  let release = Promise.withResolvers<void>();
  closing.signal.addEventListener("abort", () => release.resolve());
  let disconnected = Promise.withResolvers<string>();
  let unseenDisconnects = 0;

  const fake: FakeOllama = {
    url: "",
    options,
    requests: [],
    disconnects: [],
    active: 0,
    maxActive: 0,
    held: 0,
    nextDisconnect() {
      if (unseenDisconnects > 0) {
        unseenDisconnects--;
        return Promise.resolve(fake.disconnects.at(-1)!);
      }
      return disconnected.promise.then((path) => {
        unseenDisconnects = Math.max(0, unseenDisconnects - 1);
        return path;
      });
    },
    releaseLastToken() {
      release.resolve();
      if (!closing.signal.aborted) release = Promise.withResolvers();
    },
    close() {
      closing.abort();
      return server.shutdown();
    },
  };

  const recordDisconnect = (path: string) => {
    fake.disconnects.push(path);
    unseenDisconnects++;
    disconnected.resolve(path);
    disconnected = Promise.withResolvers();
  };

  /** Runs `lines` as a streamed body, counting it as active and noticing a client that leaves. */
  const stream = (
    path: string,
    contentType: string,
    lines: AsyncGenerator<string | Uint8Array>,
  ): Response => {
    fake.active++;
    fake.maxActive = Math.max(fake.maxActive, fake.active);
    let open = true;
    const close = () => {
      if (open) fake.active--;
      open = false;
    };
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { value, done } = await lines.next();
          if (done) {
            close();
            controller.close();
          } else controller.enqueue(typeof value === "string" ? encoder.encode(value) : value);
        } catch (error) {
          close();
          controller.error(error); // Deno drops the connection mid-body.
        }
      },
      cancel() {
        if (open) recordDisconnect(path);
        close();
        lines.return(undefined);
      },
    });
    return new Response(body, { headers: { "content-type": contentType } });
  };

  /** Waits `ms`, or forever when `ms` is Infinity; ends early if the client leaves. */
  const wait = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (ms === 0) return void nextTurn().then(resolve);
      // Listeners are removed again: a long answer waits once per token, and listeners left on
      // the fake's own signal would pile up across every request and slow each new one.
      const ended = [signal, closing.signal];
      const done = () => {
        clearTimeout(timer);
        for (const target of ended) target.removeEventListener("abort", done);
        resolve();
      };
      const timer = ms === Infinity ? undefined : setTimeout(done, ms);
      for (const target of ended) target.addEventListener("abort", done, { once: true });
    });

  /** The pieces of one generation: thinking then answer tokens, following the scenario. */
  async function* generation(
    thinking: string[],
    answer: string[],
    piece: (field: "thinking" | "content", text: string) => string,
    final: (tokenCount: number) => string,
    signal: AbortSignal,
  ): AsyncGenerator<string | Uint8Array> {
    const { scenario, tokenDelayMs } = options;
    const tokens = [
      ...thinking.map((text) => piece("thinking", text)),
      ...answer.map((text) => piece("content", text)),
    ];
    if (scenario === "split-bytes") {
      yield* splitIntoPieces(tokens.join("") + final(answer.length));
      return;
    }
    const faulty = ["hang-mid-stream", "error-mid-stream", "drop-mid-stream", "malformed-line"]
      .includes(scenario);
    for (const [index, token] of tokens.entries()) {
      if (faulty && index === 2) break;
      if (
        scenario === "hold-last-token" && index === tokens.length - 1 && !closing.signal.aborted
      ) {
        fake.held++;
        await Promise.race([release.promise, wait(Infinity, signal)]);
        fake.held--;
      }
      await wait(tokenDelayMs, signal);
      yield token;
    }
    switch (scenario) {
      case "hang-mid-stream":
        await wait(Infinity, signal);
        return;
      case "error-mid-stream":
        yield JSON.stringify({ error: RUNNER_FAILURE }) + "\n";
        return;
      case "drop-mid-stream":
        throw new Error("connection dropped by the fake");
      case "malformed-line":
        yield '{"model":"qwen3:4b","message":{"role":\n';
        return;
      case "end-without-done":
        return;
    }
    yield final(answer.length);
  }

  /** The error response a scenario answers with before streaming, if any. */
  const scenarioFailure = async (signal: AbortSignal, path: string) => {
    switch (options.scenario) {
      case "hang-before-headers":
        await wait(Infinity, signal);
        if (signal.aborted) recordDisconnect(path);
        return new Response(null, { status: 499 });
      case "status-500":
        return Response.json({ error: RUNNER_FAILURE }, { status: 500 });
      case "busy":
        return Response.json({ error: BUSY }, { status: 503 });
    }
  };

  const thinks = (model: string, think: unknown) =>
    think === undefined || think === null ? model.startsWith("qwen3") : think !== false;

  const stats = (model: string, tokenCount: number) => ({
    model,
    created_at: new Date().toISOString(),
    done: true,
    done_reason: "stop",
    total_duration: 1_000_000 * (tokenCount + 5),
    load_duration: 1_000_000,
    prompt_eval_count: 12,
    prompt_eval_duration: 2_000_000,
    eval_count: tokenCount,
    eval_duration: 1_000_000 * tokenCount,
  });

  const notFound = (model: string) =>
    Response.json({ error: `model "${model}" not found, try pulling it first` }, { status: 404 });

  /** `/api/chat` and `/api/generate`: same generation, each in its own line shape. */
  async function ollamaGeneration(
    path: string,
    body: Record<string, unknown>,
    signal: AbortSignal,
  ) {
    const model = String(body.model ?? "");
    if (!model) return Response.json({ error: "model is required" }, { status: 400 });
    if (!options.models.includes(model)) return notFound(model);
    const failure = await scenarioFailure(signal, path);
    if (failure) return failure;

    const isChat = path === "/api/chat";
    const messages = isChat && Array.isArray(body.messages) ? body.messages : [];
    const prompt = isChat
      ? String(messages.findLast((m: { role?: string }) => m.role === "user")?.content ?? "")
      : String(body.prompt ?? "");
    const thinking = thinks(model, body.think) ? tokenize(options.thinking) : [];
    const answer = tokenize(options.reply || defaultReply(prompt));
    const created_at = () => new Date().toISOString();
    const piece = (field: "thinking" | "content", text: string) =>
      JSON.stringify(
        isChat
          ? {
            model,
            created_at: created_at(),
            message: {
              role: "assistant",
              content: field === "content" ? text : "",
              ...(field === "thinking" && { thinking: text }),
            },
            done: false,
          }
          : {
            model,
            created_at: created_at(),
            response: field === "content" ? text : "",
            ...(field === "thinking" && { thinking: text }),
            done: false,
          },
      ) + "\n";
    const final = (count: number) =>
      JSON.stringify(
        isChat
          ? { ...stats(model, count), message: { role: "assistant", content: "" } }
          : { ...stats(model, count), response: "", context: [1, 2, 3] },
      ) + "\n";

    if (body.stream === false) {
      const text = answer.join("");
      const thought = thinking.join("");
      return Response.json(
        isChat
          ? {
            ...stats(model, answer.length),
            message: { role: "assistant", content: text, ...(thought && { thinking: thought }) },
          }
          : {
            ...stats(model, answer.length),
            response: text,
            ...(thought && { thinking: thought }),
          },
      );
    }
    return stream(path, "application/x-ndjson", generation(thinking, answer, piece, final, signal));
  }

  /**
   * `/v1/chat/completions` and `/v1/completions`: OpenAI's shapes (a `message` or `delta` per
   * choice for chat, a `text` for completions), SSE ending in `data: [DONE]` when streaming.
   */
  async function openAiGeneration(
    path: string,
    body: Record<string, unknown>,
    signal: AbortSignal,
  ) {
    const model = String(body.model ?? "");
    if (!options.models.includes(model)) {
      return Response.json({
        error: {
          message: `model "${model}" not found, try pulling it first`,
          type: "api_error",
          param: null,
          code: null,
        },
      }, { status: 404 });
    }
    const failure = await scenarioFailure(signal, path);
    if (failure) return failure;
    const isChat = path === "/v1/chat/completions";
    const messages = Array.isArray(body.messages) ? body.messages : [];
    const prompt = isChat
      ? String(messages.findLast((m: { role?: string }) => m.role === "user")?.content ?? "")
      : String(body.prompt ?? "");
    const answer = tokenize(options.reply || defaultReply(prompt));
    const id = `${isChat ? "chatcmpl" : "cmpl"}-${crypto.randomUUID().slice(0, 8)}`;
    const created = Math.floor(Date.now() / 1000);
    const base = { id, created, model, system_fingerprint: "fp_ollama" };
    const object = isChat ? "chat.completion" : "text_completion";
    /** One choice: chat's `message` (whole) or `delta` (streamed), or completions' `text`. */
    const choice = (text: string, finish: string | null, streamed: boolean) => ({
      index: 0,
      ...(!isChat
        ? { text }
        : { [streamed ? "delta" : "message"]: { role: "assistant", content: text } }),
      finish_reason: finish,
    });
    if (body.stream !== true) {
      return Response.json({
        ...base,
        object,
        choices: [choice(answer.join(""), "stop", false)],
        usage: {
          prompt_tokens: 12,
          completion_tokens: answer.length,
          total_tokens: 12 + answer.length,
        },
      });
    }
    const chunk = (text: string, finish: string | null) =>
      `data: ${
        JSON.stringify({
          ...base,
          object: isChat ? "chat.completion.chunk" : object,
          choices: [choice(text, finish, true)],
        })
      }\n\n`;
    const piece = (_field: "thinking" | "content", text: string) => chunk(text, null);
    const final = () => chunk("", "stop") + "data: [DONE]\n\n";
    return stream(path, "text/event-stream", generation([], answer, piece, final, signal));
  }

  async function handle(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    const blob = pathname.match(/^\/api\/blobs\/(sha256:[0-9a-f]{64})$/);
    if (blob) return await blobs(request, pathname, blob[1]);
    const text = await request.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      fake.requests.push({
        method: request.method,
        path: pathname,
        headers: request.headers,
        body: text,
      });
      return Response.json({ error: "invalid character looking for beginning of value" }, {
        status: 400,
      });
    }
    fake.requests.push({
      method: request.method,
      path: pathname,
      headers: request.headers,
      body: text ? body : undefined,
    });
    const route = `${request.method} ${pathname}`;
    const model = String(body.model ?? "");
    const modelInfo = (name: string) => ({
      name,
      model: name,
      modified_at: "2025-10-01T12:00:00Z",
      size: 2497293918,
      digest: "a".repeat(64),
      details: {
        parent_model: "",
        format: "gguf",
        family: name.split(":")[0],
        families: [name.split(":")[0]],
        parameter_size: "4.0B",
        quantization_level: "Q4_K_M",
      },
    });

    switch (route) {
      case "GET /":
      case "HEAD /":
        return new Response(request.method === "HEAD" ? null : "Ollama is running", {
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      case "GET /api/version":
        return Response.json({ version: VERSION });
      case "GET /api/tags":
        return Response.json({ models: options.models.map(modelInfo) });
      case "GET /api/ps":
        return Response.json({
          models: options.models.slice(0, 1).map((name) => ({
            ...modelInfo(name),
            expires_at: "2099-01-01T00:00:00Z",
            size_vram: 0,
          })),
        });
      case "POST /api/show":
        if (!options.models.includes(model)) return notFound(model);
        return Response.json({
          modelfile: `FROM ${model}`,
          parameters: "temperature 0.7",
          template: "{{ .Prompt }}",
          details: modelInfo(model).details,
          model_info: {},
          capabilities: model.startsWith("qwen3")
            ? ["completion", "thinking", "tools"]
            : ["completion"],
        });
      case "POST /api/chat":
      case "POST /api/generate":
        return await ollamaGeneration(pathname, body, request.signal);
      case "POST /api/pull":
        return pull(model, body.stream !== false);
      case "POST /api/embed":
      case "POST /api/embeddings":
        if (!options.models.includes(model)) return notFound(model);
        return Response.json(
          pathname === "/api/embed"
            ? {
              model,
              embeddings: [[0.1, 0.2, 0.3]],
              total_duration: 1000,
              load_duration: 100,
              prompt_eval_count: 3,
            }
            : { embedding: [0.1, 0.2, 0.3] },
        );
      case "GET /v1/models":
        return Response.json({
          object: "list",
          data: options.models.map((id) => ({
            id,
            object: "model",
            created: 1727784000,
            owned_by: "library",
          })),
        });
      case "POST /v1/chat/completions":
      case "POST /v1/completions":
        return await openAiGeneration(pathname, body, request.signal);
      case "POST /v1/embeddings":
        return Response.json({
          object: "list",
          data: [{ object: "embedding", embedding: [0.1, 0.2, 0.3], index: 0 }],
          model,
          usage: { prompt_tokens: 3, total_tokens: 3 },
        });
    }
    return new Response("404 page not found", {
      status: 404,
      headers: { "content-type": "text/plain" },
    });
  }

  /** Digests of the model files uploaded to `/api/blobs`. */
  const storedBlobs = new Set<string>();

  /**
   * `HEAD /api/blobs/:digest` (200 when the server holds the file, else 404) and `POST` (stores
   * the uploaded file if its SHA-256 matches the digest: 201, else 400).
   */
  async function blobs(request: Request, path: string, digest: string): Promise<Response> {
    const bytes = new Uint8Array(await request.arrayBuffer());
    fake.requests.push({
      method: request.method,
      path,
      headers: request.headers,
      body: bytes.length > 0 ? bytes : undefined,
    });
    if (request.method === "HEAD") {
      return new Response(null, { status: storedBlobs.has(digest) ? 200 : 404 });
    }
    if (request.method !== "POST") return new Response("404 page not found", { status: 404 });
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const actual = `sha256:${Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    if (actual !== digest) {
      return Response.json({ error: `digest mismatch, expected "${digest}", got "${actual}"` }, {
        status: 400,
      });
    }
    storedBlobs.add(digest);
    return new Response(null, { status: 201 });
  }

  /** `/api/pull`: progress lines, then the model counts as installed. */
  function pull(model: string, streaming: boolean): Response {
    if (!model) return Response.json({ error: "model is required" }, { status: 400 });
    if (!options.models.includes(model)) options.models.push(model);
    const digest = `sha256:${"b".repeat(64)}`;
    const lines = [
      { status: "pulling manifest" },
      { status: `pulling ${digest.slice(7, 19)}`, digest, total: 1000, completed: 500 },
      { status: `pulling ${digest.slice(7, 19)}`, digest, total: 1000, completed: 1000 },
      { status: "verifying sha256 digest" },
      { status: "writing manifest" },
      { status: "success" },
    ];
    if (!streaming) return Response.json({ status: "success" });
    return new Response(lines.map((line) => JSON.stringify(line) + "\n").join(""), {
      headers: { "content-type": "application/x-ndjson" },
    });
  }

  const server = Deno.serve(
    { port: init.port ?? 0, hostname: "127.0.0.1", onListen: () => {} },
    handle,
  );
  fake.url = `http://127.0.0.1:${server.addr.port}`;
  return fake;
}

/**
 * Resolves on the event loop's next turn. Ollama writes and flushes each token as it produces it;
 * awaiting this between pieces makes each leave as its own write, as fast as the fake can go.
 * Without it, Deno's server sent a whole undelayed answer in one write, which a relay like nginx
 * then forwards at a fraction of the cost; `setTimeout(0)` would wait a millisecond or more.
 * To see it: `strace -f -e trace=sendto` on `deno task fake-ollama` shows one `sendto` per line.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Cuts `text`'s bytes into pieces of 1 to 3 bytes, so multi-byte characters arrive split. */
async function* splitIntoPieces(text: string): AsyncGenerator<Uint8Array> {
  const bytes = encoder.encode(text);
  for (let start = 0, size = 1; start < bytes.length; start += size, size = (size % 3) + 1) {
    await nextTurn();
    yield bytes.subarray(start, start + size);
  }
}

if (import.meta.main) {
  const fake = startFakeOllama({
    port: Number(Deno.env.get("PORT") ?? 11434),
    tokenDelayMs: Number(Deno.env.get("FAKE_OLLAMA_DELAY_MS") ?? 40),
    scenario: (Deno.env.get("FAKE_OLLAMA_SCENARIO") ?? "normal") as Scenario,
    reply: Deno.env.get("FAKE_OLLAMA_REPLY"),
  });
  console.log(`Fake Ollama listening on ${fake.url} (scenario ${fake.options.scenario})`);
}
