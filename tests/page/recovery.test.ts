/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Nothing lost, nothing shown twice: an answer saved while it streams comes back after a reload,
 * marked interrupted, with Retry and Continue; a failed question is retried in place; a question
 * can be edited and sent again; an answer copied as markdown; an answer cut off at its length
 * limit continued.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import type { Page } from "playwright-core";
import { defaultReply } from "../../testing/fake_ollama/mod.ts";
import {
  assertReady,
  chatRequests,
  lastAnswerText,
  lastNotice,
  openChatPage,
  sendMessage,
  storedConversations,
  waitForAnswer,
  waitForAnswerText,
} from "../../testing/browser.ts";

const CONTINUE_PROMPT =
  "Continue your last answer exactly where it stopped, without repeating any of it.";

function questions(page: Page) {
  return page.locator(".message.user .message-text").allInnerTexts();
}

/** Waits (up to 10 s) until the page has stored an answer whose text is `content`. */
async function waitForStoredAnswer(page: Page, content: string) {
  for (let tries = 0; tries < 100; tries++) {
    const [conversation] = await storedConversations(page);
    if (conversation?.turns.at(-1)?.content === content) return conversation;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the answer "${content}" was never stored`);
}

Deno.test("a reload mid-answer keeps the partial answer, marked interrupted, with Retry and Continue", async () => {
  const chat = await openChatPage({ fake: { thinking: "", scenario: "hold-last-token" } });
  const { page, fake } = chat;
  try {
    await sendMessage(page, "tell me a story");
    const full = defaultReply("tell me a story");
    const partial = full.slice(0, full.lastIndexOf(" "));
    await waitForAnswerText(page, partial);
    const saved = await waitForStoredAnswer(page, partial);
    assertEquals(saved.turns.at(-1)!.status, "streaming", "saved while it streams");

    await page.reload();
    fake.releaseLastToken();
    await page.locator(".message.bot.interrupted").waitFor();
    assertEquals(await questions(page), ["tell me a story"], "the question is shown once");
    assertEquals(await lastAnswerText(page), partial);
    assertMatch(await lastNotice(page), /closed or reloaded before this answer was complete/);
    assertEquals(await page.locator(".message.bot .retry").count(), 1);
    assertEquals(await page.locator(".message.bot .continue").count(), 1);

    // Continue: the model is asked to carry on; what it writes is added to the same answer.
    fake.options.scenario = "normal";
    fake.options.reply = " And they lived happily.";
    await page.click(".message.bot .continue");
    await waitForAnswerText(page, partial + " And they lived happily.");
    await waitForAnswer(page);
    const request = chatRequests(fake).at(-1)!;
    assertEquals(request.messages, [
      { role: "user", content: "tell me a story" },
      { role: "assistant", content: partial },
      { role: "user", content: CONTINUE_PROMPT },
    ]);
    assertEquals(await page.locator(".message.bot").count(), 1);
    assertEquals(await page.locator(".message.bot .notice").count(), 0);

    // Retry: the answer is written again in its place, from the question alone.
    fake.options.reply = "A new story.";
    await page.click(".message.bot .retry");
    await waitForAnswerText(page, "A new story.");
    await waitForAnswer(page);
    assertEquals(chatRequests(fake).at(-1)!.messages, [
      { role: "user", content: "tell me a story" },
    ]);
    assertEquals(await questions(page), ["tell me a story"]);
    assertEquals(await page.locator(".message.bot").count(), 1);
    await page.reload();
    await page.locator(".message.bot").waitFor();
    assertEquals(await lastAnswerText(page), "A new story.");
    assertEquals(await questions(page), ["tell me a story"]);
  } finally {
    await chat.close();
  }
});

Deno.test("a failed question offers Retry, and however it is sent again it shows once", async () => {
  const chat = await openChatPage({ fake: { scenario: "busy" } });
  const { page, fake } = chat;
  try {
    await sendMessage(page, "are you there?");
    await waitForAnswer(page);
    assertEquals(await page.locator(".message.bot.failed .retry").count(), 1);
    assertEquals(await page.inputValue("#message-input"), "are you there?");

    // Sent again with Enter (the question was put back in the box): it replaces the failure.
    await page.press("#message-input", "Enter");
    await waitForAnswer(page);
    assertEquals(await questions(page), ["are you there?"]);
    assertEquals(await page.locator(".message.bot").count(), 1);

    // Retried with the button once the server is free.
    fake.options.scenario = "normal";
    await page.fill("#message-input", "");
    await page.click(".message.bot .retry");
    await waitForAnswer(page);
    assertEquals(await lastAnswerText(page), defaultReply("are you there?"));
    assertEquals(await questions(page), ["are you there?"]);
    assertEquals(await page.locator(".message.bot").count(), 1);
    assertEquals(chatRequests(fake).at(-1)!.messages, [
      { role: "user", content: "are you there?" },
    ]);
    await assertReady(page);
  } finally {
    await chat.close();
  }
});

Deno.test("editing a question sends it again and drops what came after it", async () => {
  const chat = await openChatPage({ fake: { thinking: "" } });
  const { page, fake } = chat;
  try {
    for (const question of ["one", "two", "three"]) {
      await sendMessage(page, question);
      await waitForAnswer(page);
    }
    await page.locator(".message.user").nth(1).locator(".edit-message").click();
    assertEquals(await page.inputValue(".edit-input"), "two");
    // Escape leaves it as it was.
    await page.press(".edit-input", "Escape");
    assertEquals(await questions(page), ["one", "two", "three"]);

    await page.locator(".message.user").nth(1).locator(".edit-message").click();
    await page.fill(".edit-input", "two, edited");
    await page.click(".save-edit");
    await waitForAnswerText(page, defaultReply("two, edited"));
    await waitForAnswer(page);
    assertEquals(await questions(page), ["one", "two, edited"]);
    assertEquals(await page.locator(".message.bot").count(), 2);
    assertEquals(chatRequests(fake).at(-1)!.messages, [
      { role: "user", content: "one" },
      { role: "assistant", content: defaultReply("one") },
      { role: "user", content: "two, edited" },
    ]);
    const [stored] = await storedConversations(page);
    assertEquals(stored.turns.map((turn) => turn.content), [
      "one",
      defaultReply("one"),
      "two, edited",
      defaultReply("two, edited"),
    ]);
  } finally {
    await chat.close();
  }
});

Deno.test("Copy puts an answer's markdown on the clipboard, as does Ctrl+Shift+C for the last", async () => {
  const reply = "Some **bold** and `code`.";
  const chat = await openChatPage({ fake: { reply, thinking: "" } });
  const { page, context, fake } = chat;
  try {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await sendMessage(page, "first");
    await waitForAnswer(page);
    fake.options.reply = "The *second* answer.";
    await sendMessage(page, "second");
    await waitForAnswer(page);

    await page.locator(".message.bot").first().locator(".copy-message").click();
    await page.locator(".message.bot .copy-message", { hasText: "Copied" }).waitFor();
    assertEquals(await page.evaluate(() => navigator.clipboard.readText()), reply);

    await page.focus("#message-input");
    await page.keyboard.press("Control+Shift+C");
    await page.waitForFunction(() =>
      document.getElementById("composer-note")?.textContent === "Answer copied."
    );
    assertEquals(
      await page.evaluate(() => navigator.clipboard.readText()),
      "The *second* answer.",
    );
  } finally {
    await chat.close();
  }
});

Deno.test("an answer cut off at its length limit is marked so, and Continue carries it on", async () => {
  const chat = await openChatPage({ fake: { reply: "The start of it", thinking: "" } });
  const { page, fake } = chat;
  try {
    // The fake always ends with done_reason "stop": the real stream, with that one word changed
    // to "length" on its way to the page, is an answer Ollama cut at num_predict.
    await page.route("**/chat_api", async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(
        '"done_reason":"stop"',
        '"done_reason":"length"',
      );
      await route.fulfill({ response, body });
    });
    await sendMessage(page, "write a lot");
    await waitForAnswer(page);
    assertEquals(await page.locator(".message.bot.length").count(), 1);
    assertMatch(await lastNotice(page), /cut off at its length limit/);
    assert(await page.isVisible(".message.bot .continue"));

    await page.unroute("**/chat_api");
    fake.options.reply = " and the end.";
    await page.click(".message.bot .continue");
    await waitForAnswerText(page, "The start of it and the end.");
    await waitForAnswer(page);
    assertEquals(await page.locator(".message.bot .continue").count(), 0, "whole now");
    assertEquals(chatRequests(fake).at(-1)!.messages, [
      { role: "user", content: "write a lot" },
      { role: "assistant", content: "The start of it" },
      { role: "user", content: CONTINUE_PROMPT },
    ]);
  } finally {
    await chat.close();
  }
});
