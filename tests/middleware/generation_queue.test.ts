/**
 * The generation queue (`OLLAMA_NUM_PARALLEL`, `MAX_CONCURRENT_REQUESTS`, `QUEUE_TIMEOUT_S`): first
 * the queue alone, then through the gateway, where `/chat_api`, `/api/*` and `/v1/*` share it.
 */

import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "@std/assert";
import { GenerationQueue } from "../../middleware/generation_queue.ts";
import { GatewayError } from "../../server/errors.ts";
import { startFakeOllama } from "../../testing/fake_ollama/mod.ts";
import { closeQuietly, readResponse, slowBody } from "../../testing/raw_http.ts";
import {
  answersInFull,
  answerText,
  postChat,
  readNdjson,
  startGateway,
  waitFor,
} from "../../testing/gateway.ts";

const never = new AbortController().signal;

Deno.test("queue: requests get their turn in arrival order, and each knows its place", async () => {
  const queue = new GenerationQueue({ parallel: 1, capacity: 10, waitLimitMs: 60_000 });
  const running = queue.join(never);
  const waiting = Array.from({ length: 4 }, () => queue.join(never));
  assertEquals(running.position, 0);
  assertEquals(waiting.map((place) => place.position), [1, 2, 3, 4]);

  const order: number[] = [];
  waiting.forEach((place, index) => place.turn.then(() => order.push(index)));
  const moves: number[] = [];
  waiting[3].onMove(() => moves.push(waiting[3].position));

  running.leave();
  for (const [index, place] of waiting.entries()) {
    await place.turn;
    assertEquals(place.position, 0);
    assertEquals(
      waiting.slice(index + 1).map((later) => later.position),
      [1, 2, 3].slice(0, 3 - index),
    );
    place.leave();
  }
  assertEquals(order, [0, 1, 2, 3]);
  assertEquals(moves, [3, 2, 1, 0]);
  assertEquals([queue.running, queue.waiting], [0, 0]);
});

Deno.test("queue: beyond its capacity (running and waiting) a request gets 429 with Retry-After", () => {
  const queue = new GenerationQueue({ parallel: 2, capacity: 3, waitLimitMs: 60_000 });
  const places = [queue.join(never), queue.join(never), queue.join(never)];
  assertEquals(places.map((place) => place.position), [0, 0, 2]);
  const error = assertThrows(() => queue.join(never), GatewayError);
  assertEquals(error.status, 429);
  assertEquals(error.headers["retry-after"], "5");
  assertMatch(error.message, /busy.*try again/);
  for (const place of places) place.leave();
});

Deno.test("queue: a client that leaves the line frees its place at once, and those behind move up", async () => {
  const queue = new GenerationQueue({ parallel: 1, capacity: 3, waitLimitMs: 60_000 });
  const running = queue.join(never);
  const leaving = new AbortController();
  const leaver = queue.join(leaving.signal);
  const behind = queue.join(never);
  assertThrows(() => queue.join(never), GatewayError, "busy");

  leaving.abort(new Error("client gone"));
  await assertRejects(() => leaver.turn, Error, "client gone");
  assertEquals(behind.position, 1);
  const newcomer = queue.join(never); // The place is free again.
  assertEquals(newcomer.position, 2);

  leaver.leave(); // Leaving twice changes nothing.
  assertEquals([queue.running, queue.waiting], [1, 2]);
  running.leave();
  await behind.turn;
  behind.leave();
  await newcomer.turn;
  newcomer.leave();
  assertEquals([queue.running, queue.waiting], [0, 0]);
});

Deno.test("queue: a request that waits longer than the limit gets a 503 that says the server was busy", async () => {
  const queue = new GenerationQueue({ parallel: 1, capacity: 3, waitLimitMs: 50 });
  const running = queue.join(never);
  const waiting = queue.join(never);
  const error = await assertRejects(() => waiting.turn, GatewayError);
  assertEquals(error.status, 503);
  assertEquals(error.headers["retry-after"], "5");
  assertMatch(error.message, /The server was busy.*waited 0.05 s in line.*QUEUE_TIMEOUT_S/);
  assertEquals(queue.waiting, 0, "its place is free");
  running.leave();
  assertEquals(queue.running, 0);
});

Deno.test("queue: a slot given back twice is given back once", async () => {
  const queue = new GenerationQueue({ parallel: 1, capacity: 3, waitLimitMs: 60_000 });
  const first = queue.join(never);
  const second = queue.join(never);
  const third = queue.join(never);
  first.leave();
  first.leave();
  await second.turn;
  assertEquals(third.position, 1, "the third still waits");
  second.leave();
  await third.turn;
  third.leave();
});

Deno.test("gateway: requests beyond the cap get 429 at once, and Ollama never sees more than OLLAMA_NUM_PARALLEL", async () => {
  const fake = startFakeOllama({ scenario: "hold-last-token" });
  const gateway = startGateway(fake.url, { maxConcurrentRequests: 3, numParallel: 3 });
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

Deno.test("gateway: a place is given back exactly once, however the request ends", async () => {
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

Deno.test("gateway: the cap is shared: /api and /v1 generations count against the same places as /chat_api", async () => {
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

/** POSTs `body` as JSON to `path` on `gateway`, with its key. */
function post(
  gateway: { url: string; headers: Record<string, string> },
  path: string,
  body: unknown,
) {
  return fetch(gateway.url + path, {
    method: "POST",
    headers: gateway.headers,
    body: JSON.stringify(body),
  });
}

Deno.test("gateway: /api and /v1 generations wait in the same line as /chat_api, and go in arrival order", async () => {
  const fake = startFakeOllama({ scenario: "hold-last-token" });
  const gateway = startGateway(fake.url, { numParallel: 1 });
  // The gateway's look-ups (/api/ps for loading, /api/show for context and vision) are no answers.
  const generations = () =>
    fake.requests.filter((request) => !["/api/ps", "/api/show"].includes(request.path));
  try {
    const first = await postChat(gateway, { prompt: "first", think: false });
    await waitFor(() => fake.held === 1, "the first answer at its last token");

    const native = post(gateway, "/api/chat", {
      model: "llama3.2:1b",
      messages: [{ role: "user", content: "second" }],
    });
    await waitFor(() => gateway.queue.waiting === 1, "the /api request in line");
    const openAi = post(gateway, "/v1/chat/completions", {
      model: "llama3.2:1b",
      messages: [{ role: "user", content: "third" }],
      stream: true,
    });
    await waitFor(() => gateway.queue.waiting === 2, "the /v1 request in line");
    assertEquals(generations().length, 1, "nothing else reached Ollama meanwhile");

    fake.releaseLastToken();
    assertEquals((await readNdjson(first)).at(-1)?.done, true);
    await waitFor(() => fake.held === 1, "the /api answer at its last token");
    assertEquals(generations().map((request) => request.path), ["/api/chat", "/api/chat"]);
    fake.releaseLastToken();
    assertEquals((await readNdjson(await native)).at(-1)?.done, true);
    await waitFor(() => fake.held === 1, "the /v1 answer at its last token");
    fake.releaseLastToken();
    assertMatch(await (await openAi).text(), /data: \[DONE\]/);
    assertEquals(generations().map((request) => request.path), [
      "/api/chat",
      "/api/chat",
      "/v1/chat/completions",
    ]);
    assertEquals(fake.maxActive, 1);
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("gateway: a relayed request that waits past QUEUE_TIMEOUT_S gets 503 saying the server was busy", async () => {
  const fake = startFakeOllama({ scenario: "hold-last-token" });
  const gateway = startGateway(fake.url, { numParallel: 1, queueTimeoutMs: 200 });
  try {
    const first = await postChat(gateway, { prompt: "holds the slot", think: false });
    const native = await post(gateway, "/api/chat", { model: "llama3.2:1b", messages: [] });
    assertEquals(native.status, 503);
    assertEquals(native.headers.get("retry-after"), "5");
    assertMatch((await native.json()).error, /The server was busy.*QUEUE_TIMEOUT_S/);
    const openAi = await post(gateway, "/v1/completions", { model: "llama3.2:1b", prompt: "x" });
    assertEquals(openAi.status, 503);
    assertMatch((await openAi.json()).error.message, /The server was busy/);
    fake.releaseLastToken();
    assertEquals((await readNdjson(first)).at(-1)?.done, true);
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("gateway: a client that leaves the line frees its place at once", async () => {
  const fake = startFakeOllama({ scenario: "hold-last-token" });
  const gateway = startGateway(fake.url, { numParallel: 1, maxConcurrentRequests: 3 });
  try {
    const first = await postChat(gateway, { prompt: "holds the slot", think: false });
    const leaving = new AbortController();
    const leaver = fetch(`${gateway.url}/api/generate`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "llama3.2:1b", prompt: "x" }),
      signal: leaving.signal,
    }).catch((error) => error);
    await waitFor(() => gateway.queue.waiting === 1, "the leaver in line");
    // With a message: one without any only loads the model, as Ollama's does.
    const stays = post(gateway, "/api/chat", {
      model: "llama3.2:1b",
      messages: [{ role: "user", content: "stays" }],
    });
    await waitFor(() => gateway.queue.waiting === 2, "two requests in line");

    leaving.abort();
    assertEquals((await leaver).name, "AbortError");
    await waitFor(() => gateway.queue.waiting === 1, "the place given back");
    fake.releaseLastToken();
    assertEquals((await readNdjson(first)).at(-1)?.done, true);
    await waitFor(() => fake.held === 1, "the one that stayed at its last token");
    fake.releaseLastToken();
    assertEquals((await readNdjson(await stays)).at(-1)?.done, true);
    assert(!fake.requests.some((request) => request.path === "/api/generate"), "never asked");
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("gateway: FIRST_BYTE_TIMEOUT_S counts from the request's dispatch to Ollama, not its arrival", async () => {
  const fake = startFakeOllama({ scenario: "hold-last-token" });
  const gateway = startGateway(fake.url, { numParallel: 1, firstByteTimeoutMs: 300 });
  try {
    const first = await postChat(gateway, { prompt: "first", think: false });
    const second = postChat(gateway, { prompt: "second", think: false });
    const native = post(gateway, "/api/generate", { model: "llama3.2:1b", prompt: "third" });
    await waitFor(() => gateway.queue.waiting === 2, "both in line");
    // Both wait in line well past the first-byte timeout before their turn comes.
    await new Promise((resolve) => setTimeout(resolve, 900));
    fake.releaseLastToken();
    assertEquals((await readNdjson(first)).at(-1)?.done, true);
    await waitFor(() => fake.held === 1, "the second answer at its last token");
    fake.releaseLastToken();
    const lines = await readNdjson(await second);
    assertEquals(lines.at(-1)?.done, true, JSON.stringify(lines.at(-1)));
    assertEquals(
      answerText(lines),
      'Hello! You said: "second". Ünïcödé ✓, 日本語 and 👋 travel safely.',
    );
    await waitFor(() => fake.held === 1, "the third answer at its last token");
    fake.releaseLastToken();
    const third = await native;
    assertEquals(third.status, 200);
    assertEquals((await readNdjson(third)).at(-1)?.done, true);
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("gateway: a relayed body still arriving holds no place; one that never ends gets 408", async () => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url, {
    numParallel: 1,
    maxConcurrentRequests: 1,
    bodyTimeoutMs: 2_000,
  });
  const slow = await slowBody(gateway, "/api/chat");
  try {
    // Time for the gateway to take the slow request in; had it taken a place, the next gets 429.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const normal = await post(gateway, "/api/chat", { model: "llama3.2:1b", messages: [] });
    assertEquals(normal.status, 200);
    assertEquals((await readNdjson(normal)).at(-1)?.done, true);

    const answer = await readResponse(slow);
    assertMatch(answer, /^HTTP\/1\.1 408 /);
    assertMatch(answer, /did not arrive in full within 2 s \(BODY_TIMEOUT_S\)/);
    assertEquals(fake.requests.length, 1, "the slow one never reached Ollama");
  } finally {
    closeQuietly(slow);
    await fake.close();
    await gateway.close();
  }
});
