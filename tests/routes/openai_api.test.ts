/**
 * The OpenAI-compatible API (`/v1/*`) through the gateway, with raw HTTP against the fake Ollama:
 * SSE relayed as it comes, and every error of the gateway's own in OpenAI's shape.
 *
 * @module
 */

import { assertEquals, assertMatch } from "@std/assert";
import { settlesWithin, startGateway } from "../../testing/gateway.ts";
import { unreachableUrl, withGateway } from "../../testing/with_gateway.ts";

/** Checks that `response` is an error in OpenAI's shape with `status`; returns its message. */
async function openAiError(response: Response, status: number): Promise<string> {
  assertEquals(response.status, status);
  const { error } = await response.json();
  assertEquals(Object.keys(error), ["message", "type", "param", "code"]);
  assertEquals(typeof error.message, "string");
  assertEquals(error.type, status >= 500 ? "api_error" : "invalid_request_error");
  return error.message;
}

Deno.test("openai api: POST /v1/completions streams Ollama's SSE through", async () => {
  await withGateway(async (gateway, fake) => {
    const response = await fetch(`${gateway.url}/v1/completions`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "qwen3:4b", prompt: "Say hi", stream: true }),
    });
    assertEquals(response.status, 200);
    assertEquals(response.headers.get("content-type"), "text/event-stream");
    const events = (await response.text()).split("\n\n").filter((event) => event !== "");
    assertEquals(events.at(-1), "data: [DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice("data: ".length)));
    assertEquals(chunks.map((chunk) => chunk.choices[0].text).join(""), fake.options.reply);
    assertEquals(chunks.at(-1).choices[0].finish_reason, "stop");
  }, { fake: { reply: "Hi there, ünïcödé 👋" } });
});

Deno.test("openai api: POST /v1/embeddings is relayed", async () => {
  await withGateway(async (gateway, fake) => {
    const response = await fetch(`${gateway.url}/v1/embeddings`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "qwen3:4b", input: "hi" }),
    });
    assertEquals(response.status, 200);
    assertEquals((await response.json()).data[0].embedding, [0.1, 0.2, 0.3]);
    assertEquals(fake.requests.map((r) => r.body), [{ model: "qwen3:4b", input: "hi" }]);
  });
});

Deno.test("openai api: a client that leaves a /v1 stream stops Ollama's generation", async () => {
  await withGateway(async (gateway, fake) => {
    const client = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({
        model: "qwen3:4b",
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
      }),
      signal: client.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    client.abort();
    await reader.read().catch(() => {});
    assertEquals(
      await settlesWithin(fake.nextDisconnect(), "the disconnect"),
      "/v1/chat/completions",
    );
  }, { fake: { scenario: "hang-mid-stream" } });
});

Deno.test("openai api: /v1 auth failures are 401s in OpenAI's shape", async () => {
  await withGateway(async (gateway, fake) => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-key" },
      { authorization: "Token abc" },
    ];
    for (const headers of attempts) {
      const response = await fetch(`${gateway.url}/v1/models`, { headers });
      assertMatch(response.headers.get("www-authenticate") ?? "", /^Bearer/);
      await openAiError(response, 401);
    }
    assertEquals(fake.requests, []);
  });
});

Deno.test("openai api: unknown /v1 endpoints are 404s in OpenAI's shape", async () => {
  await withGateway(async (gateway, fake) => {
    for (const [method, path] of [["GET", "/v1/nope"], ["GET", "/v1/chat/completions"]]) {
      const response = await fetch(`${gateway.url}${path}`, { method, headers: gateway.headers });
      assertMatch(await openAiError(response, 404), /not part of the API/);
    }
    assertEquals(fake.requests, []);
  });
});

Deno.test("openai api: a /v1 body over the limit is a 413 in OpenAI's shape", async () => {
  await withGateway(async (gateway, fake) => {
    const response = await fetch(`${gateway.url}/v1/embeddings`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "qwen3:4b", input: "x".repeat(2000) }),
    });
    assertMatch(await openAiError(response, 413), /larger than 1024 bytes/);
    assertEquals(fake.requests, []);
  }, { gateway: { maxBodyBytes: 1024 } });
});

Deno.test("openai api: Ollama unreachable is a 502 in OpenAI's shape", async () => {
  const gateway = startGateway(unreachableUrl());
  try {
    const response = await fetch(`${gateway.url}/v1/models`, { headers: gateway.headers });
    assertMatch(await openAiError(response, 502), /not reachable .* \(OLLAMA_URL\)/);
  } finally {
    await gateway.close();
  }
});

Deno.test("openai api: no answer from Ollama in time is a 504 in OpenAI's shape", async () => {
  await withGateway(async (gateway) => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "qwen3:4b", messages: [{ role: "user", content: "Hi" }] }),
    });
    assertMatch(await openAiError(response, 504), /did not start answering within 0\.05 s/);
  }, { fake: { scenario: "hang-before-headers" }, gateway: { firstByteTimeoutMs: 50 } });
});

Deno.test("openai api: GET /v1/models/:model is relayed, a missing model a 404 with Ollama's text", async () => {
  await withGateway(async (gateway, fake) => {
    const found = await fetch(`${gateway.url}/v1/models/qwen3:4b`, { headers: gateway.headers });
    assertEquals(found.status, 200);
    assertEquals(await found.json(), {
      id: "qwen3:4b",
      object: "model",
      created: 1759320000,
      owned_by: "library",
    });
    const missing = await fetch(`${gateway.url}/v1/models/nope:1b`, { headers: gateway.headers });
    assertEquals(missing.status, 404);
    assertEquals((await missing.json()).error.message, "model 'nope:1b' not found");
    assertEquals(fake.requests.map((r) => `${r.method} ${r.path}`), [
      "GET /v1/models/qwen3:4b",
      "GET /v1/models/nope:1b",
    ]);
  });
});

Deno.test("openai api: a /v1 stream Ollama fails mid-way is relayed as Ollama ends it: an empty chunk, no [DONE]", async () => {
  await withGateway(async (gateway) => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({
        model: "qwen3:4b",
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
      }),
    });
    assertEquals(response.status, 200);
    const events = (await response.text()).split("\n\n").filter((event) => event !== "");
    assertEquals(events.includes("data: [DONE]"), false);
    const last = JSON.parse(events.at(-1)!.slice("data: ".length));
    assertEquals(last.model, "");
    assertEquals(last.choices, [{
      index: 0,
      delta: { role: "assistant", content: "" },
      finish_reason: null,
    }]);
  }, { fake: { scenario: "error-mid-stream" } });
});
