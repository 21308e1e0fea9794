/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Sending and streaming: Enter sends and Shift+Enter does not, the answer grows while it streams
 * and ends complete with its stats, the controls lock while it streams, Stop aborts Ollama, and
 * the view follows the newest text unless the reader scrolled up.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { defaultReply } from "../../testing/fake_ollama/mod.ts";
import {
  assertReady,
  chatRequests,
  lastAnswerText,
  lastNotice,
  openChatPage,
  sendMessage,
  waitForAnswer,
  waitForAnswerText,
} from "../../testing/browser.ts";
import { settlesWithin } from "../../testing/gateway.ts";

Deno.test("Enter sends the message and Shift+Enter starts a new line instead", async () => {
  const chat = await openChatPage();
  const { page, fake } = chat;
  try {
    await page.click("#message-input");
    await page.keyboard.type("line one");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("line two");
    assertEquals(await page.inputValue("#message-input"), "line one\nline two");
    assertEquals(await page.locator(".message").count(), 0, "Shift+Enter sent nothing");

    await page.keyboard.press("Enter");
    await waitForAnswer(page);
    assertEquals(
      await page.locator(".message.user .message-text").innerText(),
      "line one\nline two",
    );
    assertEquals(await page.inputValue("#message-input"), "", "the field is emptied");
    const [request] = chatRequests(fake);
    const messages = request.messages as { role: string; content: string }[];
    assertEquals(messages.at(-1), { role: "user", content: "line one\nline two" });
  } finally {
    await chat.close();
  }
});

Deno.test("the answer grows as it streams, shows Stop, and ends complete with stats", async () => {
  const reply = "One two three four five six seven eight nine ten eleven twelve.";
  const chat = await openChatPage({
    fake: { reply, thinking: "", tokenDelayMs: 5, scenario: "hold-last-token" },
  });
  const { page, fake } = chat;
  try {
    await sendMessage(page, "count");
    // First moment: all but the last token are shown while the answer is still open.
    const partial = reply.slice(0, reply.lastIndexOf(" "));
    await waitForAnswerText(page, partial);
    assertEquals(await page.isEnabled("#message-input"), true, "the next question can be drafted");
    assertEquals(await page.isDisabled("#send-button"), true);
    assertEquals(await page.isVisible("#stop-button"), true);
    assertEquals(await page.locator(".typing").count(), 0, "no typing indicator once text came");
    assertEquals(await page.locator(".message.bot .meta").count(), 0, "no stats before the end");

    // Second moment: the last token has come, and the answer is whole.
    fake.releaseLastToken();
    await waitForAnswer(page);
    const whole = await lastAnswerText(page);
    assertEquals(whole, reply);
    assert(whole.length > partial.length);
    const meta = await page.locator(".message.bot .meta").innerText();
    assertMatch(meta, /^qwen3:4b · 12 tokens · [\d.]+ tokens\/s · [\d.]+ s$/);
    await assertReady(page);
  } finally {
    await chat.close();
  }
});

Deno.test("a typing indicator shows until the first token, and Stop aborts Ollama", async () => {
  const chat = await openChatPage({ fake: { scenario: "hang-before-headers" } });
  const { page, fake } = chat;
  try {
    await sendMessage(page, "hello?");
    await page.locator(".message.bot .typing").waitFor();
    const disconnected = fake.nextDisconnect();
    await page.click("#stop-button");
    assertEquals(await settlesWithin(disconnected, "Ollama sees the client go", 5000), "/api/chat");
    await waitForAnswer(page);
    assertEquals(await lastNotice(page), "Stopped.");
    assertEquals(await page.locator(".typing").count(), 0);
    await assertReady(page);
  } finally {
    await chat.close();
  }
});

Deno.test("Stop mid-answer keeps the partial answer and aborts Ollama", async () => {
  const chat = await openChatPage({ fake: { thinking: "", scenario: "hold-last-token" } });
  const { page, fake } = chat;
  try {
    await sendMessage(page, "stop me");
    const full = defaultReply("stop me");
    const partial = full.slice(0, full.lastIndexOf(" "));
    await waitForAnswerText(page, partial);
    const disconnected = fake.nextDisconnect();
    await page.keyboard.press("Escape");
    assertEquals(await settlesWithin(disconnected, "Ollama sees the client go", 5000), "/api/chat");
    await waitForAnswer(page);
    assertEquals(await lastAnswerText(page), partial);
    assertEquals(await lastNotice(page), "Stopped.");
    await assertReady(page);
  } finally {
    await chat.close();
  }
});

Deno.test("the view follows the answer, unless the reader scrolled up", async () => {
  const reply = Array.from({ length: 80 }, (_, line) => `Line ${line + 1}.`).join("\n\n");
  const chat = await openChatPage({
    viewport: { width: 800, height: 500 },
    fake: { reply, thinking: "", scenario: "hold-last-token" },
  });
  const { page, fake } = chat;
  const atBottom = () =>
    page.evaluate(() => {
      const view = document.getElementById("chat-window")!;
      return view.scrollHeight - view.scrollTop - view.clientHeight < 2;
    });
  try {
    await sendMessage(page, "a long one");
    await page.waitForFunction(() =>
      document.querySelector(".message.bot .markdown")?.textContent?.includes("Line 79.")
    );
    await page.waitForFunction(() => {
      const view = document.getElementById("chat-window")!;
      return view.scrollHeight - view.scrollTop - view.clientHeight < 2;
    });
    assertEquals(await atBottom(), true, "following the newest text");

    // The reader scrolls up with the mouse wheel.
    await page.mouse.move(400, 250);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction(() => {
      const view = document.getElementById("chat-window")!;
      return view.scrollHeight - view.scrollTop - view.clientHeight > 200;
    });
    const scrolledTo = await page.evaluate(() => document.getElementById("chat-window")!.scrollTop);
    fake.releaseLastToken();
    await waitForAnswer(page);
    assertEquals(await atBottom(), false, "the reader's place is kept");
    assertEquals(
      await page.evaluate(() => document.getElementById("chat-window")!.scrollTop),
      scrolledTo,
    );
  } finally {
    await chat.close();
  }
});
