/**
 * The context window of `/chat_api` requests (`ollama/context.ts`) against the fake Ollama, whose
 * `/api/show` gives qwen3:4b 40960 tokens and llama3.2:1b 131072: sized to the conversation in
 * steps, bounded by MAX_CONTEXT_TOKENS and the model, never shrinking, the client's own num_ctx
 * respected, the newest turns kept when the history no longer fits, one lookup per model.
 */

import { assertEquals } from "@std/assert";
import type { ChatRequest, HistoryMessage } from "../../ollama/chat_request.ts";
import { ContextSizer, estimateTokens } from "../../ollama/context.ts";
import { type FakeOllama, startFakeOllama } from "../../testing/fake_ollama/mod.ts";
import { unreachableUrl } from "../../testing/with_gateway.ts";

async function withFake(test: (fake: FakeOllama) => Promise<void>) {
  const fake = startFakeOllama();
  try {
    await test(fake);
  } finally {
    await fake.close();
  }
}

/** `count` turns, alternating user and assistant, each of about `tokens` estimated tokens. */
function turns(count: number, tokens: number): HistoryMessage[] {
  return Array.from({ length: count }, (_, index) => ({
    role: index % 2 === 0 ? "user" : "assistant",
    content: `${index} `.padEnd(3 * (tokens - 8), "x"),
  }));
}

const ask = (history: HistoryMessage[], extra: Partial<ChatRequest> = {}): ChatRequest => ({
  prompt: "And now?",
  model: "qwen3:4b",
  history,
  ...extra,
});

Deno.test("context: a turn's estimate is its UTF-8 bytes over 3, plus the template's share", () => {
  assertEquals(estimateTokens("x".repeat(300)), 108);
  assertEquals(estimateTokens("日本語"), 3 + 8); // 9 bytes.
  assertEquals(turns(1, 1000).map((turn) => estimateTokens(turn.content)), [1000]);
});

Deno.test("context: the window grows with the conversation in steps, up to MAX_CONTEXT_TOKENS", async () => {
  await withFake(async (fake) => {
    const sizer = new ContextSizer({ ollamaUrl: fake.url, maxContextTokens: 16_384 });
    const short = await sizer.plan(ask(turns(2, 100)));
    assertEquals(short.request.options, { num_ctx: 4096 });
    assertEquals(short.notice, undefined);
    // 5 × 1000 tokens and room for the answer: more than 4096, less than 8192.
    const longer = await sizer.plan(ask(turns(5, 1000)));
    assertEquals(longer.request.options, { num_ctx: 8192 });
    assertEquals(longer.request.history.length, 5);
    const longest = await sizer.plan(ask(turns(12, 1000)));
    assertEquals(longest.request.options, { num_ctx: 16_384 });
    assertEquals(longest.notice, undefined);
    // Only one lookup of the model's length, however many requests.
    assertEquals(fake.requests.map((r) => `${r.path} ${JSON.stringify(r.body)}`), [
      '/api/show {"model":"qwen3:4b"}',
    ]);
  });
});

Deno.test("context: the window never shrinks for a model, so Ollama does not reload it", async () => {
  await withFake(async (fake) => {
    const sizer = new ContextSizer({ ollamaUrl: fake.url, maxContextTokens: 8192 });
    await sizer.plan(ask(turns(5, 1000)));
    assertEquals((await sizer.plan(ask([]))).request.options, { num_ctx: 8192 });
    // Per model: another model starts small.
    const other = await sizer.plan(ask([], { model: "llama3.2:1b" }));
    assertEquals(other.request.options, { num_ctx: 4096 });
  });
});

Deno.test("context: a history that no longer fits keeps the newest turns and says so", async () => {
  await withFake(async (fake) => {
    const sizer = new ContextSizer({ ollamaUrl: fake.url, maxContextTokens: 8192 });
    const history = turns(10, 1100);
    const plan = await sizer.plan(ask(history, { system: "Be brief." }));
    // 8192 − 1024 for the answer − prompt and system (22): six turns of 1100 fit, not seven.
    assertEquals(plan.request.history, history.slice(4));
    assertEquals(plan.request.options, { num_ctx: 8192 });
    assertEquals(JSON.parse(plan.notice!), { context: { kept: 6, dropped: 4, num_ctx: 8192 } });
    assertEquals(plan.notice!.endsWith("\n"), true);
    assertEquals(plan.request.system, "Be brief.");
  });
});

Deno.test("context: never more than the model's own context length", async () => {
  await withFake(async (fake) => {
    const sizer = new ContextSizer({ ollamaUrl: fake.url, maxContextTokens: 131_072 });
    const plan = await sizer.plan(ask(turns(50, 1000)));
    assertEquals(plan.request.options, { num_ctx: 40_960 }); // qwen3:4b's length.
    assertEquals(JSON.parse(plan.notice!).context.num_ctx, 40_960);
    const llama = await sizer.plan(ask(turns(50, 1000), { model: "llama3.2:1b" }));
    assertEquals(llama.request.options, { num_ctx: 65_536 });
    assertEquals(llama.notice, undefined);
  });
});

Deno.test("context: the client's own num_ctx is respected, capped, and its num_predict room kept", async () => {
  await withFake(async (fake) => {
    const sizer = new ContextSizer({ ollamaUrl: fake.url, maxContextTokens: 8192 });
    const small = await sizer.plan(ask(turns(4, 1000), { options: { num_ctx: 2048.7 } }));
    assertEquals(small.request.options, { num_ctx: 2048 });
    // 2048 − 1024 for the answer − 11 for the prompt: room for one turn of 1000.
    assertEquals(JSON.parse(small.notice!).context, { kept: 1, dropped: 3, num_ctx: 2048 });
    const big = await sizer.plan(ask([], { options: { num_ctx: 100_000, temperature: 0.1 } }));
    assertEquals(big.request.options, { num_ctx: 8192, temperature: 0.1 });
    // Six turns fit beside the usual 1024 for the answer; beside a num_predict of 3000, five.
    const history = turns(6, 1000);
    assertEquals((await sizer.plan(ask(history))).notice, undefined);
    const long = await sizer.plan(ask(history, { options: { num_predict: 3000 } }));
    assertEquals(long.request.history, history.slice(1));
    assertEquals(long.request.options, { num_predict: 3000, num_ctx: 8192 });
  });
});

Deno.test("context: without an answer from Ollama, MAX_CONTEXT_TOKENS alone bounds the window", async () => {
  const sizer = new ContextSizer({ ollamaUrl: unreachableUrl(), maxContextTokens: 8192 });
  const plan = await sizer.plan(ask(turns(10, 1000)));
  assertEquals(plan.request.options, { num_ctx: 8192 });
  assertEquals(JSON.parse(plan.notice!).context.kept, 7);
});
