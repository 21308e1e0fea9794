/**
 * The chat page, unchanged, in front of an OpenAI-compatible engine (`OPENAI_BASE_URL`, the fake
 * engine): its model picker lists the engine's models, an answer streams with its reasoning apart
 * and ends with its stats, and Stop reaches the engine as a disconnect.
 *
 * @module
 */

import { assertEquals, assertMatch } from "@std/assert";
import {
  assertReady,
  lastAnswerText,
  lastNotice,
  openChatPage,
  sendMessage,
  waitForAnswer,
  waitForAnswerText,
} from "../../testing/browser.ts";
import { startFakeEngine } from "../../testing/fake_engine/mod.ts";
import { DEFAULT_THINKING, defaultReply } from "../../testing/fake_ollama/mod.ts";
import { settlesWithin } from "../../testing/gateway.ts";

const THINKER = "Qwen/Qwen3-8B";

Deno.test("engine mode page: engine's models in the picker, a streamed answer with reasoning and stats", async () => {
  const engine = startFakeEngine({ apiKey: "engine-key-0123456789" });
  const chat = await openChatPage({
    gateway: {
      engineUrl: `${engine.url}/v1`,
      engineKey: engine.options.apiKey,
      defaultModel: THINKER,
    },
  });
  const { page, fake } = chat;
  try {
    const options = await page.$$eval(
      "#model-select option",
      (all) => all.map((option) => (option as HTMLOptionElement).value),
    );
    assertEquals(options, [...engine.options.models].sort());
    assertEquals(await page.inputValue("#model-select"), THINKER);

    await sendMessage(page, "Hello engine");
    await waitForAnswerText(page, defaultReply("Hello engine"));
    await waitForAnswer(page);
    assertEquals(await lastAnswerText(page), defaultReply("Hello engine"));
    assertEquals(
      await page.locator(".message.bot details.thinking .thinking-text").textContent(),
      DEFAULT_THINKING,
    );
    const meta = await page.locator(".message.bot .meta").innerText();
    assertMatch(meta, /^Qwen\/Qwen3-8B · 22 tokens · [\d.]+ tokens\/s · [\d.]+ s$/);
    await assertReady(page);
    assertEquals(fake.requests, [], "no request went to Ollama");
  } finally {
    await chat.close();
    await engine.close();
  }
});

Deno.test("engine mode page: Stop keeps the partial answer and reaches the engine", async () => {
  const engine = startFakeEngine({ tokenDelayMs: 100 });
  const chat = await openChatPage({
    gateway: { engineUrl: `${engine.url}/v1`, defaultModel: "meta-llama/Llama-3.2-1B-Instruct" },
  });
  const { page } = chat;
  try {
    await sendMessage(page, "stop me");
    await page.waitForFunction(() =>
      (document.querySelector(".message.bot .markdown")?.textContent ?? "").length > 0
    );
    const disconnected = engine.nextDisconnect();
    await page.click("#stop-button");
    await settlesWithin(disconnected, "the engine seeing the client go", 5000);
    await waitForAnswer(page);
    assertEquals(await lastNotice(page), "Stopped.");
    assertEquals(defaultReply("stop me").startsWith(await lastAnswerText(page)), true);
    await assertReady(page);
  } finally {
    await chat.close();
    await engine.close();
  }
});
