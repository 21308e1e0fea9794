/**
 * Ollama's native API as the fake answers it: NDJSON lines for `/api/chat` and `/api/generate`
 * (with `thinking` in its own field and a final stats line), their non-streamed answers, the model
 * list, details and loaded models, pull progress, embeddings, blob uploads, the version and the
 * `/` health text. Requests Ollama refuses before loading the model (a `think` the model cannot do,
 * an option of the wrong type) get its statuses and messages. Each handler takes the request's
 * parsed body and the fake's {@link FakeState}.
 *
 * @module
 */

import { answer, answerTokens, lastUserText, limitTokens, tokenize } from "./generation.ts";
import { optionTypeProblem } from "../../ollama/options.ts";
import { imageSize } from "../image_size.ts";
import type { FakeState } from "./state.ts";

/** The Ollama release the fake imitates: the one the Dockerfile's image pins. */
const VERSION = "0.32.15";

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

/**
 * `POST /api/show`: a model's details, its context length in `model_info` (under
 * `<architecture>.context_length`) and its capabilities. The model is named by `model` or, as
 * older clients do, `name`.
 */
export function show(state: FakeState, body: Record<string, unknown>): Response {
  const model = String(body.model || body.name || "");
  if (!model) return Response.json({ error: "model is required" }, { status: 400 });
  if (!state.settings.models.includes(model)) return notFound(model);
  const { architecture, contextLength, capabilities } = modelFacts(model);
  return Response.json({
    modelfile: `FROM ${model}`,
    parameters: "temperature 0.7",
    template: "{{ .Prompt }}",
    details: modelInfo(model).details,
    model_info: {
      "general.architecture": architecture,
      "general.parameter_count": 4_022_468_096,
      [`${architecture}.context_length`]: contextLength,
    },
    capabilities,
    modified_at: "2025-10-01T12:00:00Z",
  });
}

/** What the fake knows of a model from its name, as `/api/show` reports it. */
export function modelFacts(model: string): {
  architecture: string;
  contextLength: number;
  capabilities: string[];
} {
  if (model.startsWith("qwen3")) {
    return {
      architecture: "qwen3",
      contextLength: 40_960,
      capabilities: ["completion", "tools", "thinking"],
    };
  }
  if (model.startsWith("gemma3")) {
    return {
      architecture: "gemma3",
      contextLength: 131_072,
      capabilities: ["completion", "vision"],
    };
  }
  if (model.startsWith("gpt-oss")) {
    return {
      architecture: "gptoss",
      contextLength: 131_072,
      capabilities: ["completion", "tools", "thinking"],
    };
  }
  return { architecture: "llama", contextLength: 131_072, capabilities: ["completion", "tools"] };
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
  const refused = refusal(state, model, body);
  if (refused) return refused;

  const isChat = path === "/api/chat";
  const images = isChat ? lastUserImages(body.messages) : body.images;
  const prompt = (isChat ? lastUserText(body.messages) : String(body.prompt ?? "")) +
    describeImages(images);
  // No prompt or no messages: Ollama only loads the model, and answers once it is loaded.
  const loadOnly = isChat
    ? !Array.isArray(body.messages) || body.messages.length === 0
    : prompt === "";
  const thinks = body.think === undefined || body.think === null
    ? canThink(model)
    : body.think !== false;
  const generated = loadOnly ? { thinking: [], answer: [], doneReason: "load" } : limitTokens(
    thinks ? tokenize(state.settings.thinking) : [],
    answerTokens(state, prompt),
    (body.options as Record<string, unknown> | undefined)?.num_predict,
  );
  const { thinking, answer: tokens, doneReason } = generated;
  const created_at = () => new Date().toISOString();

  const stream = body.stream !== false && !loadOnly;
  return answer(state, { path, model, stream, ...generated, signal }, {
    contentType: "application/x-ndjson",
    error: (status, message) => Response.json({ error: message }, { status }),
    failure: (message) => JSON.stringify({ error: message }) + "\n",
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
          ? { ...stats(model, count, doneReason), message: { role: "assistant", content: "" } }
          : { ...stats(model, count, doneReason), response: "", context: [1, 2, 3] },
      ) + "\n",
    whole: () => {
      const text = tokens.join("");
      const thought = thinking.join("");
      return Response.json(
        isChat
          ? {
            ...stats(model, tokens.length, doneReason),
            message: { role: "assistant", content: text, ...(thought && { thinking: thought }) },
          }
          : {
            ...stats(model, tokens.length, doneReason),
            response: text,
            ...(thought && { thinking: thought }),
          },
      );
    },
  });
}

/**
 * What a vision model "sees" in `images` (the last user message's): their count and sizes, said
 * after the prompt so the default greeting, which quotes it, tells a test what reached the model.
 */
function describeImages(images: unknown): string {
  if (!Array.isArray(images) || images.length === 0) return "";
  const sizes = images.map((image) => {
    const bytes = Uint8Array.from(atob(String(image)), (c) => c.charCodeAt(0));
    const size = imageSize(bytes);
    return size ? `${size.width}x${size.height}` : "unknown";
  });
  return ` [${images.length} image${images.length === 1 ? "" : "s"}: ${sizes.join(", ")}]`;
}

/** The `images` of the last user message in an Ollama `messages` array. */
function lastUserImages(messages: unknown): unknown {
  if (!Array.isArray(messages)) return undefined;
  return messages.findLast((m: { role?: string }) => m.role === "user")?.images;
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

/** Whether `model` can think (and so does when a request does not say). */
function canThink(model: string): boolean {
  return modelFacts(model).capabilities.includes("thinking");
}

const THINK_LEVELS = ["low", "medium", "high", "max"];

/**
 * The answer Ollama gives to a request it will not run: a `think` the model cannot do (`400`), an
 * option of the wrong type (`500`, as Ollama's scheduler reports it), or images for a model
 * without a vision projector (`500`, as its runner reports it).
 */
function refusal(
  state: FakeState,
  model: string,
  { think, options, messages, images }: Record<string, unknown>,
): Response | undefined {
  const withImages = (Array.isArray(images) && images.length > 0) ||
    (Array.isArray(messages) &&
      messages.some((m) => Array.isArray(m?.images) && m.images.length > 0));
  if (withImages && !modelFacts(model).capabilities.includes("vision")) {
    return Response.json({ error: "this model is missing data required for image input" }, {
      status: 500,
    });
  }
  if (think !== undefined && think !== null) {
    if (typeof think !== "boolean" && !THINK_LEVELS.includes(think as string)) {
      const message = typeof think === "string"
        ? `invalid think value: "${think}" (must be "high", "medium", "low", "max", true, or false)`
        : 'think must be a boolean or string ("high", "medium", "low", "max", true, or false)';
      return Response.json({ error: message }, { status: 400 });
    }
    if (think !== false && !canThink(model)) {
      return Response.json({ error: `"${model}" does not support thinking` }, { status: 400 });
    }
    if (typeof think === "string" && !state.settings.thinkLevels && !model.startsWith("gpt-oss")) {
      return Response.json({ error: `think value "${think}" is not supported for this model` }, {
        status: 400,
      });
    }
  }
  if (typeof options === "object" && options !== null) {
    const problem = optionTypeProblem(options as Record<string, unknown>);
    if (problem) {
      const wrongItems = problem.type === "array" &&
        Array.isArray((options as Record<string, unknown>)[problem.name]);
      const message = wrongItems
        ? `option "${problem.name}" must be of an array of strings`
        : `option "${problem.name}" must be of type ${problem.type}`;
      return Response.json({ error: message }, { status: 500 });
    }
  }
}

/** Ollama's 404 for a model it does not have. */
function notFound(model: string): Response {
  return Response.json({ error: `model '${model}' not found` }, { status: 404 });
}

/** The final line's stats, as Ollama reports them after `tokenCount` answer tokens. */
function stats(model: string, tokenCount: number, doneReason: string) {
  return {
    model,
    created_at: new Date().toISOString(),
    done: true,
    done_reason: doneReason,
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
