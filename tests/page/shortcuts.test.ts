/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Keyboard shortcuts, as ChatGPT and Open WebUI users expect them, and the `#shortcuts` help that
 * `?` opens.
 */

import { assertEquals } from "@std/assert";
import { openChatPage, sendMessage, waitForAnswer } from "../../testing/browser.ts";

Deno.test("shortcuts: new chat, focus the input, toggle the list, and ? for the help", async () => {
  const chat = await openChatPage();
  const { page } = chat;
  const focused = () => page.evaluate(() => document.activeElement?.id);
  try {
    await sendMessage(page, "first");
    await waitForAnswer(page);

    // From the message box, a new chat in one keystroke; the first conversation stays listed.
    await page.keyboard.press("Control+Shift+O");
    assertEquals(await page.locator(".message").count(), 0);
    assertEquals(await focused(), "message-input");
    await page.locator("#conversation-list .conversation").first().waitFor();

    // Shift+Esc brings the focus back to the message box from anywhere.
    await page.focus("#conversation-search");
    await page.keyboard.press("Shift+Escape");
    assertEquals(await focused(), "message-input");

    // Ctrl+Shift+S hides and shows the list.
    await page.keyboard.press("Control+Shift+S");
    assertEquals(await page.isVisible("#sidebar"), false);
    assertEquals(await page.getAttribute("#sidebar-toggle", "aria-expanded"), "false");
    await page.keyboard.press("Control+Shift+S");
    assertEquals(await page.isVisible("#sidebar"), true);

    // ? opens the help (but types a ? in the message box); Escape closes it.
    await page.keyboard.type("?");
    assertEquals(await page.inputValue("#message-input"), "?");
    assertEquals(await page.isVisible("#shortcuts"), false);
    await page.focus("#chat-window");
    await page.keyboard.press("?");
    assertEquals(await page.isVisible("#shortcuts"), true);
    for (const words of ["New chat", "Stop the answer", "Copy the last answer"]) {
      assertEquals(await page.locator("#shortcuts", { hasText: words }).count(), 1, words);
    }
    await page.keyboard.press("Escape");
    assertEquals(await page.isVisible("#shortcuts"), false);
    assertEquals(await focused(), "chat-window", "the focus goes back where it was");
  } finally {
    await chat.close();
  }
});
