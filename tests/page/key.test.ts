/** The API key field: saved, restored on load, sent as a Bearer token, shown or hidden. */

import assert from "node:assert/strict";
import { TEST_KEY } from "../support/gateway.ts";
import {
  assertReady,
  openChatPage,
  saveKey,
  sendMessage,
  waitForAnswer,
} from "../support/chat_page.ts";

Deno.test("the page shows when no key is saved, and a saved key survives a reload", async () => {
  const chat = await openChatPage({ apiKey: null });
  const { page } = chat;
  try {
    assert.equal(await page.textContent("#key-status"), "No key saved");
    assert.equal(await page.isVisible(".empty-state .needs-key"), true);
    assert.equal(await page.getAttribute("#api-key", "type"), "password");

    await saveKey(page, TEST_KEY);
    assert.equal(await page.textContent("#key-status"), "Key saved");
    assert.equal(await page.isVisible(".empty-state .needs-key"), false);

    await page.reload();
    assert.equal(await page.inputValue("#api-key"), TEST_KEY);
    assert.equal(await page.textContent("#key-status"), "Key saved");

    // Sent as the Bearer token: the gateway lets the message through.
    await sendMessage(page, "hi");
    await waitForAnswer(page);
    assert.equal(await page.locator(".message.bot .notice").count(), 0);
    assert.equal(chat.fake.requests.filter((r) => r.path === "/api/chat").length, 1);
    await assertReady(page);
  } finally {
    await chat.close();
  }
});

Deno.test("the show/hide toggle reveals the key and hides it again", async () => {
  const chat = await openChatPage();
  const { page } = chat;
  try {
    const toggle = page.getByRole("button", { name: "Show key" });
    await toggle.click();
    assert.equal(await page.getAttribute("#api-key", "type"), "text");
    assert.equal(await page.getAttribute("#toggle-key", "aria-pressed"), "true");
    await page.getByRole("button", { name: "Hide key" }).click();
    assert.equal(await page.getAttribute("#api-key", "type"), "password");
    assert.equal(await page.getAttribute("#toggle-key", "aria-pressed"), "false");
  } finally {
    await chat.close();
  }
});
