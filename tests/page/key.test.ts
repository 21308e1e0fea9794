/** The API key field: saved, restored on load, sent as a Bearer token, shown or hidden. */

import { assertEquals } from "@std/assert";
import { TEST_KEY } from "../../testing/gateway.ts";
import {
  assertReady,
  openChatPage,
  saveKey,
  sendMessage,
  settledKeyStatus,
  waitForAnswer,
} from "../../testing/browser.ts";

Deno.test("the page shows when no key is saved, and a saved key survives a reload", async () => {
  const chat = await openChatPage({ apiKey: null });
  const { page } = chat;
  try {
    assertEquals(await page.textContent("#key-status"), "No key saved");
    assertEquals(await page.isVisible(".empty-state .needs-key"), true);
    assertEquals(await page.getAttribute("#api-key", "type"), "password");

    await saveKey(page, TEST_KEY);
    assertEquals(await settledKeyStatus(page), "Key saved");
    assertEquals(await page.isVisible("#api-key"), false, "the key folds away once accepted");
    assertEquals(await page.isVisible(".empty-state .needs-key"), false);

    await page.reload();
    assertEquals(await page.inputValue("#api-key"), TEST_KEY);
    assertEquals(await page.textContent("#key-status"), "Key saved");

    // Sent as the Bearer token: the gateway lets the message through.
    await sendMessage(page, "hi");
    await waitForAnswer(page);
    assertEquals(await page.locator(".message.bot .notice").count(), 0);
    assertEquals(chat.fake.requests.filter((r) => r.path === "/api/chat").length, 1);
    await assertReady(page);
  } finally {
    await chat.close();
  }
});

Deno.test("the show/hide toggle reveals the key and hides it again", async () => {
  const chat = await openChatPage();
  const { page } = chat;
  try {
    // Once a key is saved, the key field is folded into the key menu.
    assertEquals(await page.isVisible("#api-key"), false);
    await page.click("#key-menu > summary");
    const toggle = page.getByRole("button", { name: "Show key" });
    await toggle.click();
    assertEquals(await page.getAttribute("#api-key", "type"), "text");
    assertEquals(await page.getAttribute("#toggle-key", "aria-pressed"), "true");
    await page.getByRole("button", { name: "Hide key" }).click();
    assertEquals(await page.getAttribute("#api-key", "type"), "password");
    assertEquals(await page.getAttribute("#toggle-key", "aria-pressed"), "false");
  } finally {
    await chat.close();
  }
});

Deno.test("a wrong key is flagged as soon as it is saved, before any chat", async () => {
  const chat = await openChatPage({ apiKey: null });
  const { page, fake } = chat;
  try {
    await saveKey(page, "not-the-key");
    assertEquals(await settledKeyStatus(page), "Key not accepted");
    assertEquals(await page.isVisible("#api-key"), true, "the key field stays open to fix it");
    assertEquals(await page.evaluate(() => document.activeElement?.id), "api-key");
    assertEquals(fake.requests.filter((r) => r.path === "/api/chat").length, 0);

    await saveKey(page, TEST_KEY);
    assertEquals(await settledKeyStatus(page), "Key saved");
    assertEquals(await page.evaluate(() => document.activeElement?.id), "message-input");
  } finally {
    await chat.close();
  }
});
