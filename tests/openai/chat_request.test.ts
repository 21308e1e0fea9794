/**
 * `openai/chat_request.ts`: a `/chat_api` request as the body of an engine's
 * `POST /chat/completions`.
 *
 * @module
 */

import { assertEquals, assertThrows } from "@std/assert";
import { parseChatRequest } from "../../ollama/chat_request.ts";
import { toEngineChat } from "../../openai/chat_request.ts";
import { GatewayError } from "../../server/errors.ts";

const request = (body: Record<string, unknown>) =>
  parseChatRequest({ prompt: "And now?", ...body }, "Qwen/Qwen3-8B");

Deno.test("toEngineChat: system, history and prompt in order, streamed with usage", () => {
  assertEquals(
    toEngineChat(request({
      system: "Be brief.",
      history: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello!" }],
    })),
    {
      model: "Qwen/Qwen3-8B",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello!" },
        { role: "user", content: "And now?" },
      ],
      stream: true,
      stream_options: { include_usage: true },
    },
  );
});

Deno.test("toEngineChat: options under their OpenAI names, num_predict as max_tokens", () => {
  const body = toEngineChat(request({
    options: {
      temperature: 0.2,
      top_p: 0.9,
      num_predict: 64,
      stop: ["\n\n"],
      seed: 42,
      presence_penalty: 0.5,
      frequency_penalty: 0.1,
    },
  }));
  assertEquals(
    [body.temperature, body.top_p, body.max_tokens, body.stop, body.seed],
    [0.2, 0.9, 64, ["\n\n"], 42],
  );
  assertEquals([body.presence_penalty, body.frequency_penalty], [0.5, 0.1]);
  assertEquals("num_predict" in body, false);
});

Deno.test("toEngineChat: num_predict -1 or -2 (no limit, fill the context) sends no max_tokens", () => {
  for (const value of [-1, -2]) {
    assertEquals("max_tokens" in toEngineChat(request({ options: { num_predict: value } })), false);
  }
});

Deno.test("toEngineChat: think becomes reasoning_effort: levels as they are, false as none, true as nothing", () => {
  const effort = (think: unknown) => toEngineChat(request({ think })).reasoning_effort;
  assertEquals(effort(false), "none");
  assertEquals(effort("low"), "low");
  assertEquals(effort("medium"), "medium");
  assertEquals(effort("high"), "high");
  assertEquals(effort(true), undefined);
  assertEquals(effort(undefined), undefined);
});

Deno.test("toEngineChat: an option without an OpenAI name is a 400 naming each such option", () => {
  const one = assertThrows(
    () => toEngineChat(request({ options: { temperature: 1, num_ctx: 8192 } })),
    GatewayError,
  );
  assertEquals(one.status, 400);
  assertEquals(
    one.message,
    '"options.num_ctx" has no equivalent on this server, which fronts an OpenAI-compatible ' +
      "engine; it takes the options temperature, top_p, num_predict, stop, seed, " +
      "presence_penalty, frequency_penalty",
  );
  const two = assertThrows(
    () => toEngineChat(request({ options: { top_k: 40, mirostat: 1 } })),
    GatewayError,
  );
  assertEquals(
    two.message.startsWith('"options.top_k", "options.mirostat" have no equivalent'),
    true,
  );
});
