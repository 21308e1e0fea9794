/**
 * The gateway used by the real client libraries from npm, as people will use it: ollama-js
 * against `/api/*` and the OpenAI SDK against `/v1/*`, in front of the fake Ollama. `withGateway`
 * also checks that no request reaching the fake carried the gateway's key.
 *
 * @module
 */

import { assertEquals, assertMatch, assertObjectMatch, assertRejects } from "@std/assert";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { defaultReply } from "../testing/fake_ollama/mod.ts";
import { settlesWithin, TEST_KEY, type TestGateway } from "../testing/gateway.ts";
import { withGateway } from "../testing/with_gateway.ts";

function ollamaClient(gateway: TestGateway, key = TEST_KEY): Ollama {
  return new Ollama({ host: gateway.url, headers: { Authorization: `Bearer ${key}` } });
}

function openAiClient(gateway: TestGateway, key = TEST_KEY): OpenAI {
  return new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
}

Deno.test("clients: ollama-js: list shows Ollama's models", async () => {
  await withGateway(async (gateway, fake) => {
    const { models } = await ollamaClient(gateway).list();
    assertEquals(models.map((model) => model.name), fake.options.models);
  });
});

Deno.test("clients: ollama-js: a streamed chat arrives byte for byte, multi-byte characters split", async () => {
  await withGateway(async (gateway) => {
    const prompt = "Grüße 👋";
    const stream = await ollamaClient(gateway).chat({
      model: "llama3.2:1b",
      messages: [{ role: "user", content: prompt }],
      stream: true,
    });
    let text = "";
    let last;
    for await (const part of stream) {
      text += part.message.content;
      last = part;
    }
    assertEquals(text, defaultReply(prompt));
    assertEquals(last?.done, true);
    assertEquals(last?.done_reason, "stop");
  }, { fake: { scenario: "split-bytes" } });
});

Deno.test("clients: ollama-js: a non-streaming generate returns the whole answer", async () => {
  await withGateway(async (gateway, fake) => {
    const answer = await ollamaClient(gateway).generate({
      model: "llama3.2:1b",
      prompt: "Hi",
      stream: false,
    });
    assertEquals(answer.response, defaultReply("Hi"));
    assertEquals(answer.done, true);
    assertEquals(fake.requests.map((r) => r.body), [{
      model: "llama3.2:1b",
      prompt: "Hi",
      stream: false,
    }]);
  });
});

Deno.test("clients: ollama-js: abort() reaches Ollama as a disconnect", async () => {
  await withGateway(async (gateway, fake) => {
    const client = ollamaClient(gateway);
    const stream = await client.chat({
      model: "llama3.2:1b",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    });
    const reading = (async () => {
      for await (const _part of stream) client.abort();
    })();
    const aborted = await assertRejects(() => reading);
    assertEquals((aborted as Error).name, "AbortError");
    assertEquals(await settlesWithin(fake.nextDisconnect(), "the disconnect"), "/api/chat");
  }, { fake: { scenario: "hang-mid-stream" } });
});

Deno.test("clients: ollama-js: a wrong key is a 401 error", async () => {
  await withGateway(async (gateway, fake) => {
    const error = await assertRejects(() => ollamaClient(gateway, "wrong-key").list());
    assertObjectMatch(error as object, {
      name: "ResponseError",
      status_code: 401,
      message: "Wrong API key",
    });
    assertEquals(fake.requests, []);
  });
});

Deno.test("clients: ollama-js: pull is refused while model management is off", async () => {
  await withGateway(async (gateway, fake) => {
    const error = await assertRejects(() => ollamaClient(gateway).pull({ model: "gemma3:1b" }));
    assertEquals((error as { status_code?: number }).status_code, 403);
    assertMatch((error as Error).message, /ALLOW_MODEL_MANAGEMENT=true/);
    assertEquals(fake.requests, []);
  });
});

Deno.test("clients: OpenAI SDK: models.list shows Ollama's models", async () => {
  await withGateway(async (gateway, fake) => {
    const ids = [];
    for await (const model of openAiClient(gateway).models.list()) ids.push(model.id);
    assertEquals(ids, fake.options.models);
  });
});

Deno.test("clients: OpenAI SDK: a streamed chat completion arrives whole, over SSE", async () => {
  await withGateway(async (gateway, fake) => {
    const stream = await openAiClient(gateway).chat.completions.create({
      model: "qwen3:4b",
      messages: [{ role: "user", content: "Grüße 👋" }],
      stream: true,
    });
    let text = "";
    const finishes = [];
    for await (const chunk of stream) {
      text += chunk.choices[0].delta.content ?? "";
      finishes.push(chunk.choices[0].finish_reason);
    }
    assertEquals(text, defaultReply("Grüße 👋"));
    assertEquals(finishes.at(-1), "stop");
    assertEquals(fake.requests.map((r) => `${r.method} ${r.path}`), [
      "POST /v1/chat/completions",
    ]);
  });
});

Deno.test("clients: OpenAI SDK: a wrong key is a 401 AuthenticationError in OpenAI's shape", async () => {
  await withGateway(async (gateway, fake) => {
    const error = await assertRejects(
      () => openAiClient(gateway, "wrong-key").models.list(),
      OpenAI.AuthenticationError,
      "Wrong API key",
    );
    assertEquals(error.status, 401);
    assertEquals(error.code, "invalid_api_key");
    assertEquals(error.type, "invalid_request_error");
    assertEquals(fake.requests, []);
  });
});
