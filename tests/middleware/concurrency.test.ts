/** The cap on generations in flight (`MAX_CONCURRENT_REQUESTS`), through the gateway. */

import { assert, assertEquals, assertMatch, assertRejects } from "@std/assert";
import { startFakeOllama } from "../../testing/fake_ollama/mod.ts";
import {
  answersInFull,
  postChat,
  readNdjson,
  startGateway,
  waitFor,
} from "../../testing/gateway.ts";

Deno.test("requests beyond the cap get 429 at once, and Ollama never sees more than the cap", async () => {
  const fake = startFakeOllama({ scenario: "hold-last-token" });
  const gateway = startGateway(fake.url, { maxConcurrentRequests: 3 });
  try {
    // Twelve at once; the three let through hold their answers open until the end of the test,
    // so the others can only have been answered without waiting for a place.
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => postChat(gateway, { prompt: `request ${i}` })),
    );
    const held = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status === 429);
    assertEquals(held.length, 3);
    assertEquals(refused.length, 9);
    for (const response of refused) {
      assertEquals(response.headers.get("retry-after"), "5");
      assertMatch(response.headers.get("content-type") ?? "", /^application\/json/);
      assertMatch((await response.json()).error, /busy.*try again/);
    }

    await waitFor(() => fake.held === 3, "the three answers at their last token");
    fake.releaseLastToken();
    for (const response of held) assertEquals((await readNdjson(response)).at(-1)?.done, true);
    assertEquals(fake.maxActive, 3);
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("a place is given back exactly once, however the request ends", async () => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url, { maxConcurrentRequests: 1, maxBodyBytes: 1000 });
  const placeIsFree = async (ending: string) => {
    fake.options.scenario = "normal";
    await waitFor(() => answersInFull(gateway), `the place after: ${ending}`, 5_000);
  };
  try {
    await readNdjson(await postChat(gateway, { prompt: "a whole answer" }));
    await placeIsFree("a whole answer");

    for (const scenario of ["error-mid-stream", "drop-mid-stream", "malformed-line"] as const) {
      fake.options.scenario = scenario;
      assert("error" in (await readNdjson(await postChat(gateway, { prompt: "x" }))).at(-1)!);
      await placeIsFree(scenario);
    }

    fake.options.scenario = "status-500";
    await (await postChat(gateway, { prompt: "x" })).body?.cancel();
    await placeIsFree("Ollama failing with 500");

    await (await postChat(gateway, { prompt: "x", model: "nope:1b" })).body?.cancel();
    await placeIsFree("an unknown model");

    await (await postChat(gateway, { prompt: "" })).body?.cancel();
    await placeIsFree("an invalid request");

    await (await postChat(gateway, { prompt: "x".repeat(2000) })).body?.cancel();
    await placeIsFree("a body too large");

    fake.options.scenario = "hold-last-token";
    const reader = (await postChat(gateway, { prompt: "x" })).body!.getReader();
    await reader.read();
    await reader.cancel();
    await fake.nextDisconnect();
    await placeIsFree("the client leaving mid-answer");

    fake.options.scenario = "hang-before-headers";
    const leaving = new AbortController();
    const asked = fake.requests.length;
    const pending = postChat(gateway, { prompt: "x" }, { signal: leaving.signal });
    await waitFor(() => fake.requests.length > asked, "the request to reach Ollama");
    leaving.abort();
    await assertRejects(() => pending);
    await fake.nextDisconnect();
    await placeIsFree("the client leaving before Ollama answered");

    // Had any ending given its place back twice, a second request would now get through.
    fake.options.scenario = "hold-last-token";
    const holding = await postChat(gateway, { prompt: "x" });
    const second = await postChat(gateway, { prompt: "y" });
    assertEquals(second.status, 429);
    await second.body?.cancel();
    await waitFor(() => fake.held === 1, "the answer at its last token");
    fake.releaseLastToken();
    assertEquals((await readNdjson(holding)).at(-1)?.done, true);
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("the cap is shared: /api and /v1 generations count against the same places as /chat_api", async () => {
  const fake = startFakeOllama({ scenario: "hold-last-token" });
  const gateway = startGateway(fake.url, { maxConcurrentRequests: 1 });
  const post = (path: string, body: unknown) =>
    fetch(gateway.url + path, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify(body),
    });
  try {
    const held = await postChat(gateway, { prompt: "holds the only place" });
    assertEquals(held.status, 200);

    const native = await post("/api/chat", { model: "qwen3:4b", messages: [] });
    assertEquals(native.status, 429);
    assertMatch((await native.json()).error, /busy/);
    const openAi = await post("/v1/chat/completions", { model: "qwen3:4b", messages: [] });
    assertEquals(openAi.status, 429);
    assertMatch((await openAi.json()).error.message, /busy/, "in OpenAI's error shape");
    const list = await fetch(`${gateway.url}/api/tags`, { headers: gateway.headers });
    assertEquals(list.status, 200, "listing models is no generation");
    await list.body?.cancel();

    fake.releaseLastToken();
    assertEquals((await readNdjson(held)).at(-1)?.done, true);
    assertEquals(fake.maxActive, 1);
  } finally {
    await fake.close();
    await gateway.close();
  }
});
