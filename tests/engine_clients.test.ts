/**
 * The official OpenAI SDK (`openai` from npm) against the gateway in engine mode, as a team that
 * moved from one Space to an engine cluster keeps using it: the same client code, pointed at the
 * gateway's `/v1`, with the gateway's key; the gateway relays to the fake engine with the engine's.
 *
 * @module
 */

import { assertEquals, assertMatch, assertRejects } from "@std/assert";
import OpenAI from "openai";
import { DEFAULT_THINKING, defaultReply } from "../testing/fake_ollama/mod.ts";
import { settlesWithin, TEST_KEY, type TestGateway } from "../testing/gateway.ts";
import { withEngine } from "../testing/with_engine.ts";

const THINKER = "Qwen/Qwen3-8B";
const ENGINE_KEY = "engine-secret-0123456789";

function client(gateway: TestGateway, key = TEST_KEY): OpenAI {
  return new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
}

Deno.test("engine clients: OpenAI SDK: models.list shows the engine's models", async () => {
  await withEngine(async (gateway, engine) => {
    const ids = [];
    for await (const model of client(gateway).models.list()) ids.push(model.id);
    assertEquals(ids, engine.options.models);
  }, { engine: { apiKey: ENGINE_KEY } });
});

Deno.test("engine clients: OpenAI SDK: a streamed chat with reasoning and usage arrives whole", async () => {
  await withEngine(async (gateway) => {
    const stream = await client(gateway).chat.completions.create({
      model: THINKER,
      messages: [{ role: "user", content: "Grüße 👋" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let reasoning = "";
    const finishes = [];
    let usage;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? "";
      reasoning += (choice?.delta as { reasoning_content?: string } | undefined)
        ?.reasoning_content ?? "";
      if (choice?.finish_reason) finishes.push(choice.finish_reason);
      usage = chunk.usage ?? usage;
    }
    assertEquals(text, defaultReply("Grüße 👋"));
    assertEquals(reasoning, DEFAULT_THINKING);
    assertEquals(finishes, ["stop"]);
    assertEquals(usage?.prompt_tokens, 2);
  }, { engine: { apiKey: ENGINE_KEY } });
});

Deno.test("engine clients: OpenAI SDK: a whole (non-streamed) chat completion", async () => {
  await withEngine(async (gateway) => {
    const completion = await client(gateway).chat.completions.create({
      model: "meta-llama/Llama-3.2-1B-Instruct",
      messages: [{ role: "user", content: "Hi" }],
    });
    assertEquals(completion.choices[0].message.content, defaultReply("Hi"));
    assertEquals(completion.choices[0].finish_reason, "stop");
  });
});

Deno.test("engine clients: OpenAI SDK: the engine's error is an APIError with its status and message", async () => {
  await withEngine(async (gateway) => {
    const error = await assertRejects(
      () =>
        client(gateway).chat.completions.create({
          model: "no/such-model",
          messages: [{ role: "user", content: "Hi" }],
        }),
      OpenAI.NotFoundError,
    );
    assertMatch(error.message, /does not exist/);
  }, { engine: { errorStyle: "nested" } });
});

Deno.test("engine clients: OpenAI SDK: a wrong gateway key is a 401 AuthenticationError", async () => {
  await withEngine(async (gateway, engine) => {
    await assertRejects(
      () => client(gateway, "wrong-key-0123456789").models.list(),
      OpenAI.AuthenticationError,
    );
    assertEquals(engine.requests, []);
  });
});

Deno.test("engine clients: OpenAI SDK: abort() reaches the engine as a disconnect", async () => {
  await withEngine(async (gateway, engine) => {
    const stream = await client(gateway).chat.completions.create({
      model: THINKER,
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    });
    for await (const _chunk of stream) {
      stream.controller.abort();
    }
    await settlesWithin(engine.nextDisconnect(), "the engine seeing the disconnect");
  }, { engine: { tokenDelayMs: 50 } });
});
