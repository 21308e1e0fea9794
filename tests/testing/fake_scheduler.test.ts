/**
 * The fake Ollama's scheduler (`testing/fake_ollama/scheduler.ts`): one answer at a time per model
 * when asked, with no response headers until a slot frees; a load before the first answer after
 * keep-alive expiry; `/api/ps` listing only loaded models.
 */

import { assert, assertEquals } from "@std/assert";
import { startFakeOllama } from "../../testing/fake_ollama/mod.ts";
import { waitFor } from "../../testing/gateway.ts";

/** Asks the fake `fakeUrl` for a streamed chat with `model`. */
function chat(
  fakeUrl: string,
  prompt: string,
  init: { model?: string; signal?: AbortSignal } = {},
) {
  return fetch(`${fakeUrl}/api/chat`, {
    method: "POST",
    body: JSON.stringify({
      model: init.model ?? "llama3.2:1b",
      messages: [{ role: "user", content: prompt }],
    }),
    signal: init.signal,
  });
}

/** Names of the models the fake lists in `/api/ps`. */
async function loadedModels(fakeUrl: string): Promise<string[]> {
  const { models } = await (await fetch(`${fakeUrl}/api/ps`)).json();
  return models.map((model: { name: string }) => model.name);
}

/** Resolves after `ms`: a chance for something that must not happen to show. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("fake: numParallel 1 answers one at a time per model, the rest wait in order with no headers", async () => {
  const fake = startFakeOllama({ scenario: "hold-last-token", numParallel: 1 });
  try {
    const headersCame: string[] = [];
    const ask = (prompt: string, model?: string) =>
      chat(fake.url, prompt, { model }).then((response) => {
        headersCame.push(prompt);
        return response;
      });
    const first = ask("first");
    await waitFor(() => fake.held === 1, "the first answer at its last token");
    const second = ask("second");
    await waitFor(() => fake.requests.length === 2, "the second request received");
    const third = ask("third");
    await waitFor(() => fake.requests.length === 3, "the third request received");
    const otherModel = ask("other model", "qwen3:4b");

    await waitFor(() => fake.held === 2, "another model's answer runs meanwhile");
    await pause(100);
    assertEquals(headersCame.sort(), ["first", "other model"], "no headers for those in line");
    assertEquals(fake.active, 2);

    const order: string[] = [];
    const finish = async (name: string, response: Promise<Response>) => {
      await (await response).text();
      order.push(name);
    };
    const done = [finish("first", first), finish("second", second), finish("third", third)];
    fake.releaseLastToken();
    await finish("other model", otherModel);
    for (let released = 1; released < 3; released++) {
      await waitFor(() => fake.held === 1 && order.length === released + 1, "the next at its end");
      fake.releaseLastToken();
    }
    await Promise.all(done);
    assertEquals(order.filter((name) => name !== "other model"), ["first", "second", "third"]);
    assertEquals(fake.maxActive, 2, "one per model");
  } finally {
    await fake.close();
  }
});

Deno.test("fake: a client that leaves the line is recorded, and the next in line goes on", async () => {
  const fake = startFakeOllama({ scenario: "hold-last-token", numParallel: 1 });
  try {
    const first = chat(fake.url, "first");
    await waitFor(() => fake.held === 1, "the first answer at its last token");
    const leaving = new AbortController();
    const leaver = chat(fake.url, "leaves", { signal: leaving.signal }).catch((error) => error);
    const stays = chat(fake.url, "stays");
    await waitFor(() => fake.requests.length === 3, "both in line");
    leaving.abort();
    assertEquals((await leaver).name, "AbortError");
    assertEquals(await fake.nextDisconnect(), "/api/chat");

    fake.releaseLastToken();
    await (await first).text();
    await waitFor(() => fake.held === 1, "the one that stayed at its last token");
    fake.releaseLastToken();
    assert((await (await stays).text()).includes('"done":true'));
  } finally {
    await fake.close();
  }
});

Deno.test("fake: a model unloads after keepAliveMs; the next request waits for its load with no headers, /api/ps empty meanwhile", async () => {
  const fake = startFakeOllama({ preloaded: [], loadDelayMs: Infinity, keepAliveMs: 0 });
  try {
    assertEquals(await loadedModels(fake.url), [], "a fresh Ollama has nothing loaded");
    let headers = false;
    const loading = chat(fake.url, "wake up").then((response) => {
      headers = true;
      return response;
    });
    await waitFor(() => fake.requests.length === 1, "the request received");
    assertEquals(await loadedModels(fake.url), [], "not listed while loading");
    await pause(100);
    assert(!headers, "no headers while the model loads");

    fake.options.keepAliveMs = 60_000;
    fake.finishLoads();
    assert((await (await loading).text()).includes('"done":true'));
    assertEquals(await loadedModels(fake.url), ["llama3.2:1b"], "loaded, within keep-alive");

    fake.options.keepAliveMs = 0; // Its keep-alive is over: unloaded.
    assertEquals(await loadedModels(fake.url), []);
    fake.options.loadDelayMs = 200;
    const started = performance.now();
    const reloaded = await chat(fake.url, "again");
    assert(performance.now() - started >= 200, "headers only after the load");
    await reloaded.text();
  } finally {
    await fake.close();
  }
});

Deno.test("fake: by default the first model is loaded and stays loaded, and answers are not limited", async () => {
  const fake = startFakeOllama({ scenario: "hold-last-token" });
  try {
    assertEquals(await loadedModels(fake.url), ["qwen3:4b"]);
    const answers = Array.from({ length: 5 }, (_, i) => chat(fake.url, `at once ${i}`));
    await waitFor(() => fake.held === 5, "five answers at once");
    fake.releaseLastToken();
    for (const answer of answers) await (await answer).text();
    assertEquals((await loadedModels(fake.url)).sort(), ["llama3.2:1b", "qwen3:4b"]);
  } finally {
    await fake.close();
  }
});
