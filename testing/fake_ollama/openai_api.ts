/**
 * The OpenAI-compatible `/v1` routes as the fake answers them, in OpenAI's shapes: chat and text
 * completions (one JSON body, or server-sent events ending in `data: [DONE]`), the model list and
 * embeddings. Each handler takes the request's parsed body and the fake's {@link FakeState}.
 *
 * @module
 */

import { answer, answerTokens, lastUserText } from "./generation.ts";
import type { FakeState } from "./state.ts";

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
  if (!state.settings.models.includes(model)) {
    return Response.json({
      error: {
        message: `model "${model}" not found, try pulling it first`,
        type: "api_error",
        param: null,
        code: null,
      },
    }, { status: 404 });
  }
  const isChat = path === "/v1/chat/completions";
  const prompt = isChat ? lastUserText(body.messages) : String(body.prompt ?? "");
  const tokens = answerTokens(state, prompt);
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
    { path, model, stream: body.stream === true, thinking: [], answer: tokens, signal },
    {
      contentType: "text/event-stream",
      piece: (_field, text) => chunk(text, null),
      final: () => chunk("", "stop") + "data: [DONE]\n\n",
      whole: () =>
        Response.json({
          ...base,
          object,
          choices: [choice(tokens.join(""), "stop", false)],
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
