/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Export and import: the open conversation as Markdown (reasoning in a `<details>`) or JSON
 * (everything, images included), all of them as JSON, and a JSON export restored as a new
 * conversation equal to the one exported; a bad file refused with a message, changing nothing.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import type { Page } from "playwright-core";
import { Buffer } from "node:buffer";
import {
  drawImage,
  openChatPage,
  sendMessage,
  storedConversations,
  waitForAnswer,
} from "../../testing/browser.ts";

/** Clicks an item of the Export menu and reads the file it downloads. */
async function exported(page: Page, item: string): Promise<{ name: string; text: string }> {
  await page.click("#export-chat > summary");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(item)]);
  return {
    name: download.suggestedFilename(),
    text: await Deno.readTextFile(await download.path()),
  };
}

async function importFile(page: Page, text: string): Promise<void> {
  await page.setInputFiles("#import-chat", {
    name: "chats.json",
    mimeType: "application/json",
    buffer: Buffer.from(text),
  });
}

/** A conversation as exported, without the times that differ between copies. */
function content(conversation: Record<string, unknown>) {
  const { title, settings, turns } = conversation;
  return { title, settings, turns };
}

Deno.test("export as Markdown and JSON, import restores an equal conversation, export all", async () => {
  const chat = await openChatPage({ fake: { models: ["qwen3:4b", "gemma3:4b"] } });
  const { page } = chat;
  try {
    // A thinking answer, then a question with an image to a vision model.
    await page.selectOption("#model-select", "qwen3:4b");
    await page.click("#chat-settings > summary");
    await page.fill("#system-prompt", "Be brief.");
    await page.click("#chat-settings > summary");
    await sendMessage(page, "What is a prime?");
    await waitForAnswer(page);
    await page.selectOption("#model-select", "gemma3:4b");
    await page.locator("#attach-control").waitFor();
    await page.setInputFiles("#attach-image", {
      name: "a.png",
      mimeType: "image/png",
      buffer: await drawImage(page, 64, 48),
    });
    await page.locator(".attachment img").waitFor();
    await sendMessage(page, "And this picture?");
    await waitForAnswer(page);

    const markdown = await exported(page, "#export-markdown");
    assertEquals(markdown.name, "What-is-a-prime.md");
    assertStringIncludes(markdown.text, "# What is a prime?");
    assertStringIncludes(markdown.text, "## You\n\nWhat is a prime?");
    assertMatch(markdown.text, /<details>\n<summary>Thinking<\/summary>\n\n.+\n\n<\/details>/s);
    assertStringIncludes(markdown.text, "_1 image attached._");

    const json = await exported(page, "#export-json");
    const file = JSON.parse(json.text);
    assertEquals([file.format, file.version], ["ollamaspace-conversations", 1]);
    const [original] = file.conversations;
    assertEquals(original.settings, { system: "Be brief." });
    assert(original.turns[1].thinking, "the reasoning is kept");
    assertEquals(original.turns[2].images.length, 1, "the image is kept");

    await importFile(page, json.text);
    await page.waitForFunction(() =>
      document.querySelectorAll("#conversation-list li").length === 2
    );
    assertMatch(await page.innerText("#composer-note"), /Imported 1 chat/);
    // The imported copy is open, and shows its image.
    await page.locator(".message.user .message-images img").waitFor();
    const stored = await storedConversations(page);
    assertEquals(stored.length, 2);
    assert(stored[0].id !== stored[1].id, "imported as a new conversation");

    const again = JSON.parse((await exported(page, "#export-json")).text);
    assertEquals(content(again.conversations[0]), content(original));

    const all = JSON.parse((await exported(page, "#export-all")).text);
    assertEquals(all.conversations.length, 2);
    for (const conversation of all.conversations) {
      assertEquals(content(conversation), content(original));
    }
  } finally {
    await chat.close();
  }
});

Deno.test("a malformed import is refused with a message and changes nothing", async () => {
  const chat = await openChatPage();
  const { page } = chat;
  try {
    await sendMessage(page, "Keep me");
    await waitForAnswer(page);
    const before = await storedConversations(page);
    const valid = {
      format: "ollamaspace-conversations",
      version: 1,
      conversations: [{ title: "t", turns: [{ role: "user", content: "hi" }] }],
    };
    const bad: [string, RegExp][] = [
      ["{ not json", /not JSON/],
      [JSON.stringify({ hello: "world" }), /not an OllamaSpace conversation export/],
      [JSON.stringify({ ...valid, version: 2 }), /version 2; this page reads version 1/],
      [JSON.stringify({ ...valid, conversations: [] }), /holds no conversations/],
      [
        JSON.stringify({
          ...valid,
          conversations: [
            valid.conversations[0],
            {
              title: "t",
              turns: [{ role: "user", content: "a" }, { role: "system", content: "b" }],
            },
          ],
        }),
        /Conversation 2: message 2: "role" must be "user" or "assistant"/,
      ],
      [
        JSON.stringify({
          ...valid,
          conversations: [{ title: "t", turns: [{ role: "user", content: "a", images: ["<b>"] }] }],
        }),
        /an image is not base64/,
      ],
    ];
    for (const [text, message] of bad) {
      await importFile(page, text);
      await page.waitForFunction(() =>
        document.getElementById("composer-note")?.textContent?.startsWith("Not imported")
      );
      assertMatch(await page.innerText("#composer-note"), message);
      await page.evaluate(() => (document.getElementById("composer-note")!.textContent = ""));
    }
    assertEquals(await storedConversations(page), before);
    assertEquals(await page.locator("#conversation-list li").count(), 1);
  } finally {
    await chat.close();
  }
});
