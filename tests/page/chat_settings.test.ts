/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Settings per conversation (`#chat-settings`): thinking on or off, offered only for a model
 * whose capabilities include "thinking"; the system prompt and Ollama options; all of them in the
 * request, kept with the conversation, and shown while the panel is closed.
 */

import { assertEquals } from "@std/assert";
import {
  chatRequests,
  openChatPage,
  sendMessage,
  waitForAnswer,
  waitForModels,
} from "../../testing/browser.ts";

Deno.test("thinking, system prompt and options reach the request and stay with the conversation", async () => {
  const chat = await openChatPage({ fake: { models: ["qwen3:4b", "llama3.2:1b"] } });
  const { page, fake } = chat;
  try {
    // qwen3 thinks: the toggle is offered, on by default, and sent.
    await page.click("#chat-settings > summary");
    await page.locator("#think-toggle").waitFor();
    assertEquals(await page.isChecked("#think-toggle"), true);
    assertEquals(await page.isVisible("#think-level"), false, "qwen3 takes no level");
    assertEquals(await page.innerText("#settings-summary"), "Thinking on");

    await page.uncheck("#think-toggle");
    await page.fill("#system-prompt", "Answer in one word.");
    await page.fill("#temperature", "0.3");
    await page.fill("#num-ctx", "8192");
    await page.fill("#seed", "42");
    await page.click("#chat-settings > summary"); // closed: the state still shows
    assertEquals(
      await page.innerText("#settings-summary"),
      "Thinking off · System prompt · Temperature 0.3 · Context 8192 · Seed 42",
    );
    await sendMessage(page, "hello");
    await waitForAnswer(page);
    const sent = chatRequests(fake).at(-1)!;
    assertEquals(sent.think, false);
    assertEquals(sent.options, { temperature: 0.3, num_ctx: 8192, seed: 42 });
    assertEquals((sent.messages as unknown[])[0], {
      role: "system",
      content: "Answer in one word.",
    });
    assertEquals(await page.locator(".message.bot details.thinking").count(), 0);

    // A new conversation starts from the defaults; the first keeps its settings.
    await page.click("#new-chat");
    assertEquals(await page.innerText("#settings-summary"), "Thinking on");
    await sendMessage(page, "plain");
    await waitForAnswer(page);
    const plain = chatRequests(fake).at(-1)!;
    assertEquals(plain.think, true);
    // No options from the page: only the context window the gateway sizes.
    assertEquals(plain.options, { num_ctx: 4096 });
    assertEquals((plain.messages as { role: string }[])[0].role, "user");

    await page.reload();
    await page.locator(".conversation", { hasText: "hello" }).locator(".open-conversation")
      .click();
    await page.waitForFunction(() =>
      document.getElementById("settings-summary")?.textContent?.startsWith("Thinking off")
    );
    await page.click("#chat-settings > summary");
    assertEquals(await page.inputValue("#system-prompt"), "Answer in one word.");
    assertEquals(await page.inputValue("#temperature"), "0.3");
    await sendMessage(page, "again");
    await waitForAnswer(page);
    const again = chatRequests(fake).at(-1)!;
    assertEquals(again.think, false);
    assertEquals(again.options, { temperature: 0.3, num_ctx: 8192, seed: 42 });
  } finally {
    await chat.close();
  }
});

Deno.test("thinking controls are offered only for a model that thinks", async () => {
  const chat = await openChatPage({ fake: { models: ["qwen3:4b", "llama3.2:1b"] } });
  const { page, fake } = chat;
  try {
    await page.click("#chat-settings > summary");
    await page.locator("#think-toggle").waitFor();
    await page.selectOption("#model-select", "llama3.2:1b");
    await page.locator("#think-toggle").waitFor({ state: "hidden" });
    assertEquals(await page.innerText("#settings-summary"), "Default settings");
    await sendMessage(page, "hi");
    await waitForAnswer(page);
    assertEquals(chatRequests(fake).at(-1)!.think, undefined, "no think for a model without it");

    // A server whose /api/show fails (an OpenAI-compatible engine, say): no thinking controls.
    await page.route("**/api/show", (route) => route.fulfill({ status: 502, body: "{}" }));
    await page.selectOption("#model-select", "qwen3:4b");
    await page.reload();
    await waitForModels(page);
    await page.click("#chat-settings > summary");
    await page.locator("#system-prompt").waitFor();
    assertEquals(await page.isVisible("#think-toggle"), false);
  } finally {
    await chat.close();
  }
});

Deno.test("a model that takes levels (gpt-oss) offers them, and the level is sent", async () => {
  const chat = await openChatPage({ fake: { models: ["gpt-oss:20b"] } });
  const { page, fake } = chat;
  try {
    // The fake says only qwen3 thinks: this server says gpt-oss does too, as Ollama does.
    await page.route(
      "**/api/show",
      (route) => route.fulfill({ json: { capabilities: ["completion", "thinking", "tools"] } }),
    );
    await page.reload();
    await waitForModels(page);
    await page.click("#chat-settings > summary");
    await page.locator("#think-level").waitFor();
    assertEquals(await page.innerText("#settings-summary"), "Thinking medium");
    await page.selectOption("#think-level", "high");
    assertEquals(await page.innerText("#settings-summary"), "Thinking high");
    await sendMessage(page, "think hard");
    await waitForAnswer(page);
    assertEquals(chatRequests(fake).at(-1)!.think, "high");
  } finally {
    await chat.close();
  }
});
