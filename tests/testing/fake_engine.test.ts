/**
 * The fake engine keeps vLLM's manners (`testing/fake_engine/`), which the engine-mode tests rely
 * on: usage only when asked, `length` when `max_tokens` cuts, its two error shapes, `401` without
 * its key, reasoning in the configured field, and clients that leave are noticed.
 *
 * @module
 */

import { assertEquals } from "@std/assert";
import { startFakeEngine } from "../../testing/fake_engine/mod.ts";
import { settlesWithin } from "../../testing/gateway.ts";

const PLAIN = "meta-llama/Llama-3.2-1B-Instruct";

function ask(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers,
    body: JSON.stringify({ messages: [{ role: "user", content: "Hi" }], stream: true, ...body }),
  });
}

/** The `data:` payloads of an SSE body, `[DONE]` included. */
async function events(response: Response): Promise<string[]> {
  return (await response.text()).split("\n\n").filter((e) => e !== "").map((e) => e.slice(6));
}

Deno.test("fake engine: the usage-only chunk comes only with stream_options.include_usage", async () => {
  const engine = startFakeEngine({ reply: "a b c" });
  try {
    const without = (await events(await ask(engine.url, { model: PLAIN }))).slice(0, -1);
    assertEquals(without.some((e) => "usage" in JSON.parse(e)), false);
    const withUsage = await events(
      await ask(engine.url, { model: PLAIN, stream_options: { include_usage: true } }),
    );
    assertEquals(JSON.parse(withUsage.at(-2)!).usage, {
      prompt_tokens: 1,
      completion_tokens: 3,
      total_tokens: 4,
    });
  } finally {
    await engine.close();
  }
});

Deno.test("fake engine: max_tokens cuts the answer with finish_reason length", async () => {
  const engine = startFakeEngine({ reply: "a b c d" });
  try {
    const chunks = (await events(await ask(engine.url, { model: PLAIN, max_tokens: 2 })))
      .slice(0, -1).map((e) => JSON.parse(e));
    assertEquals(chunks.map((c) => c.choices[0].delta.content ?? null), ["", "a", " b", null]);
    assertEquals(chunks.at(-1).choices[0].finish_reason, "length");
  } finally {
    await engine.close();
  }
});

Deno.test("fake engine: vLLM's error bodies, flat and nested, and 401 without its key", async () => {
  const engine = startFakeEngine({ apiKey: "engine-key-0123456789" });
  try {
    const noKey = await ask(engine.url, { model: PLAIN });
    assertEquals([noKey.status, await noKey.json()], [401, { error: "Unauthorized" }]);
    const auth = { authorization: "Bearer engine-key-0123456789" };
    const flat = await ask(engine.url, { model: "nope" }, auth);
    assertEquals([flat.status, await flat.json()], [404, {
      object: "error",
      message: "The model `nope` does not exist.",
      type: "NotFoundError",
      param: null,
      code: 404,
    }]);
    engine.options.errorStyle = "nested";
    const nested = await ask(engine.url, { model: "nope" }, auth);
    assertEquals((await nested.json()).error.type, "NotFoundError");
  } finally {
    await engine.close();
  }
});

Deno.test("fake engine: reasoning in the configured field; reasoning_effort none turns it off", async () => {
  const engine = startFakeEngine({ reasoningField: "reasoning", thinking: "Hm." });
  try {
    const model = "Qwen/Qwen3-8B";
    const deltas = async (body: Record<string, unknown>) =>
      (await events(await ask(engine.url, { model, ...body }))).slice(0, -1)
        .map((e) => JSON.parse(e).choices[0].delta);
    assertEquals((await deltas({}))[1], { reasoning: "Hm." });
    assertEquals((await deltas({ reasoning_effort: "none" })).some((d) => "reasoning" in d), false);
  } finally {
    await engine.close();
  }
});

Deno.test("fake engine: a client that leaves mid-stream is noticed", async () => {
  const engine = startFakeEngine({ tokenDelayMs: 50 });
  try {
    const response = await ask(engine.url, { model: PLAIN });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    await settlesWithin(engine.nextDisconnect(), "the fake noticing");
    assertEquals(engine.disconnects, 1);
  } finally {
    await engine.close();
  }
});
