/**
 * Ollama's native API as the fake answers it: NDJSON lines for `/api/chat` and `/api/generate`
 * (with `thinking` in its own field and a final stats line), their non-streamed answers, the model
 * list, details and loaded models, pull progress, embeddings, blob uploads, the version and the
 * `/` health text. Each handler takes the request's parsed body and the fake's {@link FakeState}.
 *
 * @module
 */

import { answer, answerTokens, lastUserText, tokenize } from "./generation.ts";
import type { FakeState } from "./state.ts";

const VERSION = "0.12.6";

/** `GET /` and `HEAD /`: the plain-text health answer. */
export function root(method: string): Response {
  return new Response(method === "HEAD" ? null : "Ollama is running", {
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/** `GET /api/version`. */
export function version(): Response {
  return Response.json({ version: VERSION });
}

/** `GET /api/tags`: every installed model. */
export function tags(state: FakeState): Response {
  return Response.json({ models: state.settings.models.map(modelInfo) });
}

/** `GET /api/ps`: the loaded models only (none while every model is unloaded). */
export function ps(state: FakeState): Response {
  return Response.json({
    models: state.scheduler.loaded().map((name) => ({
      ...modelInfo(name),
      expires_at: "2099-01-01T00:00:00Z",
      size_vram: 0,
    })),
  });
}

/** `POST /api/show`: a model's details and capabilities (`thinking` for `qwen3` models). */
export function show(state: FakeState, model: string): Response {
  if (!state.settings.models.includes(model)) return notFound(model);
  return Response.json({
    modelfile: `FROM ${model}`,
    parameters: "temperature 0.7",
    template: "{{ .Prompt }}",
    details: modelInfo(model).details,
    model_info: {},
    capabilities: thinksByDefault(model) ? ["completion", "thinking", "tools"] : ["completion"],
  });
}

/** `/api/chat` and `/api/generate`: the same generation, each in its own line shape. */
export function generate(
  state: FakeState,
  path: "/api/chat" | "/api/generate",
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Response> | Response {
  const model = String(body.model ?? "");
  if (!model) return Response.json({ error: "model is required" }, { status: 400 });
  if (!state.settings.models.includes(model)) return notFound(model);

  const isChat = path === "/api/chat";
  const prompt = isChat ? lastUserText(body.messages) : String(body.prompt ?? "");
  const thinks = body.think === undefined || body.think === null
    ? thinksByDefault(model)
    : body.think !== false;
  const thinking = thinks ? tokenize(state.settings.thinking) : [];
  const tokens = answerTokens(state, prompt);
  const created_at = () => new Date().toISOString();

  const generation = {
    path,
    model,
    stream: body.stream !== false,
    thinking,
    answer: tokens,
    signal,
  };
  return answer(state, generation, {
    contentType: "application/x-ndjson",
    piece: (field, text) =>
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
      ) + "\n",
    final: (count) =>
      JSON.stringify(
        isChat
          ? { ...stats(model, count), message: { role: "assistant", content: "" } }
          : { ...stats(model, count), response: "", context: [1, 2, 3] },
      ) + "\n",
    whole: () => {
      const text = tokens.join("");
      const thought = thinking.join("");
      return Response.json(
        isChat
          ? {
            ...stats(model, tokens.length),
            message: { role: "assistant", content: text, ...(thought && { thinking: thought }) },
          }
          : {
            ...stats(model, tokens.length),
            response: text,
            ...(thought && { thinking: thought }),
          },
      );
    },
  });
}

/** `/api/pull`: progress lines (or one `success` when not streamed), then the model counts as
 * installed. */
export function pull(state: FakeState, model: string, streaming: boolean): Response {
  if (!model) return Response.json({ error: "model is required" }, { status: 400 });
  if (!state.settings.models.includes(model)) state.settings.models.push(model);
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

/** `/api/embed` (a list of embeddings, with stats) and the older `/api/embeddings` (one). */
export function embed(
  state: FakeState,
  path: "/api/embed" | "/api/embeddings",
  model: string,
): Response {
  if (!state.settings.models.includes(model)) return notFound(model);
  return Response.json(
    path === "/api/embed"
      ? {
        model,
        embeddings: [[0.1, 0.2, 0.3]],
        total_duration: 1000,
        load_duration: 100,
        prompt_eval_count: 3,
      }
      : { embedding: [0.1, 0.2, 0.3] },
  );
}

/** The path of a blob route, capturing its digest. */
export const BLOB_PATH = /^\/api\/blobs\/(sha256:[0-9a-f]{64})$/;

/**
 * `HEAD /api/blobs/:digest` (200 when the server holds the file, else 404) and `POST` (stores
 * the uploaded file if its SHA-256 matches the digest: 201, else 400). Records the request with
 * the uploaded bytes as its body.
 */
export async function blobs(
  state: FakeState,
  request: Request,
  path: string,
  digest: string,
): Promise<Response> {
  const bytes = new Uint8Array(await request.arrayBuffer());
  state.record(request, path, bytes.length > 0 ? bytes : undefined);
  if (request.method === "HEAD") {
    return new Response(null, { status: state.blobs.has(digest) ? 200 : 404 });
  }
  if (request.method !== "POST") return new Response("404 page not found", { status: 404 });
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const actual = `sha256:${Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  if (actual !== digest) {
    return Response.json({ error: `digest mismatch, expected "${digest}", got "${actual}"` }, {
      status: 400,
    });
  }
  state.blobs.add(digest);
  return new Response(null, { status: 201 });
}

/** Whether `model` thinks when a request does not say: the `qwen3` family does. */
function thinksByDefault(model: string): boolean {
  return model.startsWith("qwen3");
}

/** Ollama's 404 for a model it does not have. */
function notFound(model: string): Response {
  return Response.json({ error: `model "${model}" not found, try pulling it first` }, {
    status: 404,
  });
}

/** The final line's stats, as Ollama reports them after `tokenCount` answer tokens. */
function stats(model: string, tokenCount: number) {
  return {
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
  };
}

/** A model as `/api/tags` and `/api/ps` list it. */
function modelInfo(name: string) {
  return {
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
  };
}
