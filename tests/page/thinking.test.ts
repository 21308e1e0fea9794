/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Thinking models: reasoning goes in a collapsed `<details>` inside the answer, labelled while
 * the model thinks and timed after, never mixed into the answer, whether it comes in Ollama's
 * `thinking` field or inline as `<think>…</think>`.
 */

import { assertEquals, assertMatch } from "@std/assert";
import { defaultReply } from "../../testing/fake_ollama/mod.ts";
import {
  lastAnswerText,
  openChatPage,
  sendMessage,
  waitForAnswer,
  waitForAnswerText,
} from "../../testing/browser.ts";

Deno.test("reasoning from the thinking field goes in a collapsed block, apart from the answer", async () => {
  const thinking = "The user greets me. I should answer briefly.";
  const chat = await openChatPage({ fake: { thinking } }); // qwen3:4b thinks by default
  const { page } = chat;
  try {
    await sendMessage(page, "hi");
    await waitForAnswer(page);
    const block = page.locator(".message.bot details.thinking");
    assertEquals(await block.count(), 1);
    assertEquals(await block.getAttribute("open"), null, "collapsed");
    assertMatch(await block.locator("summary").innerText(), /^Thought for \d+ s$/);
    assertEquals(await block.locator(".thinking-text").textContent(), thinking);
    assertEquals(await lastAnswerText(page), defaultReply("hi"));

    await block.locator("summary").click();
    assertEquals(await block.locator(".thinking-text").isVisible(), true, "opens on request");
  } finally {
    await chat.close();
  }
});

Deno.test("inline <think> tags spread over several lines are handled the same way", async () => {
  const chat = await openChatPage({
    fake: {
      thinking: "",
      reply: "<think>Pondering the question\nquietly. </think>\n\nThe answer is 42.",
      scenario: "hold-last-token",
    },
  });
  const { page, fake } = chat;
  try {
    await sendMessage(page, "what is it?");
    const block = page.locator(".message.bot details.thinking");
    // The last token (" 42.") is held back: the model has finished thinking and begun answering.
    await waitForAnswerText(page, "The answer is");
    assertEquals(
      await block.locator(".thinking-text").textContent(),
      "Pondering the question\nquietly. ",
    );
    fake.releaseLastToken();
    await waitForAnswer(page);
    assertEquals(await lastAnswerText(page), "The answer is 42.");
    assertMatch(await block.locator("summary").innerText(), /^Thought for \d+ s$/);
    assertEquals(await block.getAttribute("open"), null, "collapsed");
  } finally {
    await chat.close();
  }
});

Deno.test("while the model is still thinking, the block says so", async () => {
  const chat = await openChatPage({
    fake: {
      thinking: "",
      reply: "<think>Weighing options. </think>Done.",
      scenario: "hold-last-token",
    },
  });
  const { page, fake } = chat;
  try {
    await sendMessage(page, "decide");
    // Held back: " </think>Done.", so the model is mid-thought.
    const block = page.locator(".message.bot details.thinking");
    await page.waitForFunction(() =>
      document.querySelector(".thinking-text")?.textContent === "Weighing options."
    );
    assertEquals(await block.locator("summary").innerText(), "Thinking…");
    assertEquals(await block.getAttribute("open"), null, "collapsed");
    assertEquals(await page.locator(".message.bot .markdown").innerText(), "");
    fake.releaseLastToken();
    await waitForAnswer(page);
    assertEquals(await lastAnswerText(page), "Done.");
    assertMatch(await block.locator("summary").innerText(), /^Thought for \d+ s$/);
  } finally {
    await chat.close();
  }
});
