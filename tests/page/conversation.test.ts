/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Multi-turn: earlier turns go with each new prompt as `history`, the conversation survives a
 * reload, and "New chat" starts a new one without deleting it.
 */

import { assertEquals } from "@std/assert";
import { defaultReply } from "../../testing/fake_ollama/mod.ts";
import { chatRequests, openChatPage, sendMessage, waitForAnswer } from "../../testing/browser.ts";

Deno.test("the second turn sends the first as history, without the reasoning", async () => {
  const chat = await openChatPage();
  const { page, fake } = chat;
  try {
    await sendMessage(page, "first question");
    await waitForAnswer(page);
    await sendMessage(page, "second question");
    await waitForAnswer(page);

    const [first, second] = chatRequests(fake);
    assertEquals(first.messages, [{ role: "user", content: "first question" }]);
    assertEquals(second.messages, [
      { role: "user", content: "first question" },
      { role: "assistant", content: defaultReply("first question") },
      { role: "user", content: "second question" },
    ]);
  } finally {
    await chat.close();
  }
});

Deno.test("a question that failed is not sent again as history", async () => {
  const chat = await openChatPage({ fake: { scenario: "busy" } });
  const { page, fake } = chat;
  try {
    await sendMessage(page, "too soon");
    await waitForAnswer(page);
    fake.options.scenario = "normal";
    await sendMessage(page, "again");
    await waitForAnswer(page);
    const messages = chatRequests(fake).at(-1)!.messages;
    assertEquals(messages, [{ role: "user", content: "again" }]);
  } finally {
    await chat.close();
  }
});

Deno.test("the conversation survives a reload, and New chat starts another without deleting it", async () => {
  const chat = await openChatPage({ fake: { reply: "Some **bold** answer." } });
  const { page, fake } = chat;
  const shown = () =>
    page.evaluate(() =>
      [...document.querySelectorAll(".message")].map((message) => ({
        role: message.classList.contains("user") ? "user" : "bot",
        text: (message.querySelector(".message-text") as HTMLElement).innerText,
      }))
    );
  try {
    await sendMessage(page, "one");
    await waitForAnswer(page);
    await sendMessage(page, "two");
    await waitForAnswer(page);
    const before = await shown();
    assertEquals(before.length, 4);

    await page.reload();
    await page.locator(".message").first().waitFor();
    assertEquals(await shown(), before);
    assertEquals(await page.locator(".message.bot strong").count(), 2, "still rendered");
    assertEquals(await page.locator(".message.bot details.thinking").count(), 2);
    assertEquals(await page.locator(".message.bot .meta").count(), 2);
    assertEquals(await page.isHidden("#empty-state"), true);

    await page.click("#new-chat");
    assertEquals(await page.locator(".message").count(), 0);
    assertEquals(await page.isVisible("#empty-state"), true);
    assertEquals(await page.locator("#conversation-list .conversation").count(), 1, "kept");
    await page.reload();
    await page.locator("#conversation-list .conversation").waitFor();
    assertEquals(await page.locator(".message").count(), 0, "a new chat stays new on reload");

    await sendMessage(page, "fresh start");
    await waitForAnswer(page);
    assertEquals(chatRequests(fake).at(-1)!.messages, [
      { role: "user", content: "fresh start" },
    ]);
    await page.locator(".conversation", { hasText: "one" }).locator(".open-conversation").click();
    await page.waitForFunction(() => document.querySelectorAll(".message").length === 4);
    assertEquals(await shown(), before, "the first conversation is whole");
  } finally {
    await chat.close();
  }
});
