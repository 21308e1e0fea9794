/**
 * The OpenAI-compatible `/v1` routes as the fake answers them, in OpenAI's shapes: chat and text
 * completions (one JSON body, or server-sent events ending in `data: [DONE]`), the model list and
 * embeddings. Each handler takes the request's parsed body and the fake's {@link FakeState}.
 *
 * @module
 */

import { answer, answerTokens, lastUserText, limitTokens } from "./generation.ts";
import type { FakeState } from "./state.ts";

/** The path of `GET /v1/models/:model`, capturing the model's name. */
export const MODEL_PATH = /^\/v1\/models\/(.+)$/;

/** `GET /v1/models/:model`: one installed model, or OpenAI's 404 naming it. */
export function model(state: FakeState, id: string): Response {
  if (!state.settings.models.includes(id)) return notFound(id);
  return Response.json({ id, object: "model", created: 1759320000, owned_by: "library" });
}

/** Ollama's OpenAI-shaped error (its `/v1` layer calls every error an `api_error`). */
function openAiError(status: number, message: string): Response {
  return Response.json({ error: { message, type: "api_error", param: null, code: null } }, {
    status,
  });
}

/** The 404 for a model that is not installed, with the real server's text. */
function notFound(model: string): Response {
  return openAiError(404, `model '${model}' not found`);
}

/** `GET /v1/models`: every installed model. */
export function models(state: FakeState): Response {
  return Response.json({
    object: "list",
    data: state.settings.models.map((id) => ({
      id,
      object: "model",
      created: 1727784000,
      owned_by: "library",
    })),
  });
}

/**
 * `/v1/chat/completions` and `/v1/completions`: a `message` (whole) or `delta` (streamed) per
 * choice for chat, a `text` for completions; streamed only when the request says `stream: true`.
 */
export function completions(
  state: FakeState,
  path: "/v1/chat/completions" | "/v1/completions",
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Response> | Response {
  const model = String(body.model ?? "");
  if (!state.settings.models.includes(model)) return notFound(model);
  const isChat = path === "/v1/chat/completions";
  const prompt = isChat ? lastUserText(body.messages) : String(body.prompt ?? "");
  // Ollama's /v1 layer turns max_tokens into num_predict.
  const generated = limitTokens([], answerTokens(state, prompt), body.max_tokens);
  const { answer: tokens, doneReason } = generated;
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
  const chunk = (text: string, finish: string | null) =>
    `data: ${
      JSON.stringify({
        ...base,
        object: isChat ? "chat.completion.chunk" : object,
        choices: [choice(text, finish, true)],
      })
    }\n\n`;

  return answer(
    state,
    { path, model, stream: body.stream === true, ...generated, signal },
    {
      contentType: "text/event-stream",
      piece: (_field, text) => chunk(text, null),
      final: () => chunk("", doneReason) + "data: [DONE]\n\n",
      error: openAiError,
      // Ollama's /v1 layer reads its error line as an empty chunk of no model, and ends the
      // stream there: no finish_reason, no [DONE].
      failure: () =>
        `data: ${
          JSON.stringify({
            ...base,
            model: "",
            object: isChat ? "chat.completion.chunk" : object,
            choices: [choice("", null, true)],
          })
        }\n\n`,
      whole: () =>
        Response.json({
          ...base,
          object,
          choices: [choice(tokens.join(""), doneReason, false)],
          usage: {
            prompt_tokens: 12,
            completion_tokens: tokens.length,
            total_tokens: 12 + tokens.length,
          },
        }),
    },
  );
}

/** `POST /v1/embeddings`: one embedding, whatever the model. */
export function embeddings(model: string): Response {
  return Response.json({
    object: "list",
    data: [{ object: "embedding", embedding: [0.1, 0.2, 0.3], index: 0 }],
    model,
    usage: { prompt_tokens: 3, total_tokens: 3 },
  });
}
