/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Many conversations, kept safely: the list (newest first, the open one marked), New chat keeping
 * the others, switching, renaming, deleting with undo, searching; the old single `localStorage`
 * conversation moved to IndexedDB; a browser that cannot store still working for the session; and
 * two tabs editing at once without overwriting each other.
 */

import { assert, assertEquals } from "@std/assert";
import type { Page } from "playwright-core";
import {
  chatRequests,
  conversationTitles,
  openChatPage,
  saveKey,
  sendMessage,
  storedConversations,
  waitForAnswer,
  waitForModels,
} from "../../testing/browser.ts";
import { TEST_KEY } from "../../testing/gateway.ts";

/** The user messages of the open conversation, in order. */
function questions(page: Page) {
  return page.locator(".message.user .message-text").allInnerTexts();
}

/**
 * Waits until the elements at `selector` hold exactly the texts `expected`, then checks them, so a
 * failure says what they hold. What the page draws later (a conversation's messages come a frame
 * after the list, older ones in batches) gets its time.
 */
async function assertTexts(page: Page, selector: string, expected: string[], message?: string) {
  const holds = ([selector, expected]: [string, string[]]) =>
    JSON.stringify(
      [...document.querySelectorAll(selector)].map((element) => element.textContent),
    ) ===
      JSON.stringify(expected);
  await page.waitForFunction(holds, [selector, expected] as [string, string[]]).catch(() => {});
  assertEquals(await page.locator(selector).allTextContents(), expected, message);
}

/** Checks the open conversation's questions, once drawn. */
function assertQuestions(page: Page, expected: string[], message?: string) {
  return assertTexts(page, ".message.user .message-text", expected, message);
}

/** Sends `text` and waits for its answer. */
async function ask(page: Page, text: string) {
  await sendMessage(page, text);
  await waitForAnswer(page);
}

/** Checks that the list shows exactly `titles`, once drawn. */
function waitForTitles(page: Page, titles: string[]) {
  return assertTexts(page, "#conversation-list .conversation-title", titles);
}

Deno.test("New chat keeps the others; the list is newest first, and switching shows each", async () => {
  const chat = await openChatPage();
  const { page, fake } = chat;
  try {
    await ask(page, "What is the capital of France, and why is it there?");
    await page.click("#new-chat");
    assertEquals(await page.locator(".message").count(), 0, "a new, empty conversation");
    assertEquals(await page.isVisible("#empty-state"), true);
    await ask(page, "second conversation");
    await waitForTitles(page, [
      "second conversation",
      "What is the capital of France, and why is it…",
    ]);
    assertEquals(
      await page.locator(".conversation[aria-current=page] .conversation-title").innerText(),
      "second conversation",
    );
    assertEquals(chatRequests(fake).at(-1)!.messages, [
      { role: "user", content: "second conversation" },
    ], "a new conversation starts without history");

    await page.locator(".conversation").nth(1).locator(".open-conversation").click();
    await page.waitForFunction(() =>
      document.querySelector(".message.user .message-text")?.textContent?.startsWith("What is")
    );
    assertEquals(await page.locator(".conversation").nth(1).getAttribute("aria-current"), "page");
    assertEquals(await page.locator(".conversation").nth(0).getAttribute("aria-current"), null);

    // Its history goes with its next question, not the other conversation's.
    await ask(page, "and Spain?");
    assertEquals(
      (chatRequests(fake).at(-1)!.messages as { role: string }[]).map((m) => m.role),
      ["user", "assistant", "user"],
    );
    await waitForTitles(page, [
      "What is the capital of France, and why is it…",
      "second conversation",
    ]);

    // All of it survives a reload, and the open conversation stays open.
    await page.reload();
    await assertQuestions(page, [
      "What is the capital of France, and why is it there?",
      "and Spain?",
    ]);
    assertEquals((await storedConversations(page)).length, 2);
  } finally {
    await chat.close();
  }
});

Deno.test("a conversation can be renamed, deleted and brought back, and the list searched", async () => {
  const chat = await openChatPage();
  const { page } = chat;
  try {
    await ask(page, "tell me about penguins");
    await page.click("#new-chat");
    await ask(page, "how do volcanoes form");
    await waitForTitles(page, ["how do volcanoes form", "tell me about penguins"]);

    // Rename in place: Enter keeps the new title, and it survives a reload.
    await page.locator(".conversation").nth(1).locator(".rename-conversation").click();
    await page.fill(".rename-input", "Birds of the south");
    await page.press(".rename-input", "Enter");
    await waitForTitles(page, ["how do volcanoes form", "Birds of the south"]);
    // The new title shows at once and is written a moment later: reload once it is stored.
    for (let tries = 0; tries < 50; tries++) {
      const stored = await storedConversations(page);
      if (stored.some((conversation) => conversation.title === "Birds of the south")) break;
      await page.waitForTimeout(100);
    }
    await page.reload();
    await waitForTitles(page, ["how do volcanoes form", "Birds of the south"]);

    // Search by title, and by text of the conversation.
    await page.fill("#conversation-search", "birds");
    await waitForTitles(page, ["Birds of the south"]);
    await page.fill("#conversation-search", "VOLCANOES FORM");
    await waitForTitles(page, ["how do volcanoes form"]);
    await page.fill("#conversation-search", "penguins"); // only in the renamed one's text
    await waitForTitles(page, ["Birds of the south"]);
    await page.fill("#conversation-search", "nothing like this");
    await waitForTitles(page, []);
    assertEquals(await page.isVisible("#no-conversations"), true);
    await page.fill("#conversation-search", "");
    await waitForTitles(page, ["how do volcanoes form", "Birds of the south"]);

    // Delete the open one: it leaves the list at once, and Undo brings it back.
    await page.locator(".conversation").nth(0).locator(".delete-conversation").click();
    await waitForTitles(page, ["Birds of the south"]);
    await assertQuestions(page, ["tell me about penguins"], "the next one opens");
    await page.click(".undo-delete");
    await waitForTitles(page, ["how do volcanoes form", "Birds of the south"]);
    assertEquals((await storedConversations(page)).length, 2, "nothing was deleted");

    // A delete is written at once: leaving the page does not bring the conversation back.
    await page.locator(".conversation").nth(1).locator(".delete-conversation").click();
    await waitForTitles(page, ["how do volcanoes form"]);
    assertEquals(await page.isVisible("#undo-toast"), true);
    await page.reload();
    await waitForTitles(page, ["how do volcanoes form"]);
    assertEquals((await storedConversations(page)).map((c) => c.title), [
      "how do volcanoes form",
    ]);
  } finally {
    await chat.close();
  }
});

Deno.test("the old localStorage conversation moves to IndexedDB on first load, whole", async () => {
  const chat = await openChatPage({ apiKey: null });
  const { page } = chat;
  const legacy = [
    { role: "user", content: "an old question" },
    {
      role: "assistant",
      content: "An **old** answer.",
      status: "done",
      model: "qwen3:4b",
      stats: "3 tokens",
    },
    { role: "user", content: "a second old question" },
    { role: "assistant", content: "", status: "failed", notice: "Cannot reach OllamaSpace." },
  ];
  try {
    await page.evaluate((turns) => {
      localStorage.setItem("ollamaspace.conversation", JSON.stringify(turns));
      localStorage.setItem("ollamaspace.apiKey", "kept-key");
    }, legacy);
    await page.goto(page.url().split("#")[0]); // a first visit after the update: no conversation named

    await waitForTitles(page, ["an old question"]);
    await assertQuestions(page, ["an old question", "a second old question"]);
    assertEquals(await page.locator(".message.bot strong").innerText(), "old");
    const [moved] = await storedConversations(page);
    assertEquals(moved.turns, legacy);
    assertEquals(
      await page.evaluate(() => localStorage.getItem("ollamaspace.conversation")),
      null,
      "the old slot is emptied once the move is written",
    );
    assertEquals(await page.inputValue("#api-key"), "kept-key", "the key stays where it was");

    await page.reload();
    await waitForTitles(page, ["an old question"]);
    assertEquals((await storedConversations(page)).length, 1, "moved once, not twice");
  } finally {
    await chat.close();
  }
});

Deno.test("without IndexedDB (a private window), the page says so and works for the session", async () => {
  const chat = await openChatPage({ apiKey: null });
  const { page } = chat;
  try {
    await page.addInitScript(() => {
      IDBFactory.prototype.open = () => {
        throw new DOMException("The user denied permission to access the database.");
      };
    });
    await page.reload();
    await saveKey(page, TEST_KEY);
    await waitForModels(page);
    await page.locator("#storage-warning").waitFor();
    assert((await page.innerText("#storage-warning")).includes("kept until this tab is closed"));
    await ask(page, "first");
    await page.click("#new-chat");
    await ask(page, "second");
    await waitForTitles(page, ["second", "first"]);
    await page.locator(".conversation").nth(1).locator(".open-conversation").click();
    await page.waitForFunction(() =>
      document.querySelector(".message.user .message-text")?.textContent === "first"
    );
  } finally {
    await chat.close();
  }
});

Deno.test("two tabs write at once without overwriting each other, and see each other's changes", async () => {
  const chat = await openChatPage({ fake: { tokenDelayMs: 5 } });
  const { page, context } = chat;
  try {
    const other = await context.newPage();
    await other.goto(page.url().split("#")[0]);
    await waitForModels(other);

    // Both ask at the same moment, each in a new conversation.
    await Promise.all([sendMessage(page, "from tab one"), sendMessage(other, "from tab two")]);
    await Promise.all([waitForAnswer(page), waitForAnswer(other)]);
    for (const tab of [page, other]) {
      await tab.waitForFunction(() =>
        document.querySelectorAll("#conversation-list .conversation").length === 2
      );
    }
    assertEquals((await conversationTitles(page)).toSorted(), ["from tab one", "from tab two"]);
    assertEquals(await questions(page), ["from tab one"]);
    assertEquals(await questions(other), ["from tab two"]);

    // A rename and a new turn in one tab show in the other.
    await page.locator(".conversation", { hasText: "from tab two" }).locator(
      ".rename-conversation",
    ).click();
    await page.fill(".rename-input", "Renamed in tab one");
    await page.press(".rename-input", "Enter");
    assertEquals(await questions(page), ["from tab one"], "renaming another does not open it");
    await other.waitForFunction(() =>
      [...document.querySelectorAll(".conversation-title")].some((title) =>
        title.textContent === "Renamed in tab one"
      )
    );
    await ask(page, "more from tab one");
    await other.locator(".conversation", { hasText: "from tab one" }).locator(
      ".open-conversation",
    ).click();
    await other.waitForFunction(() => document.querySelectorAll(".message.user").length === 2);

    // Tab two writes to its own conversation: the rename made in tab one is kept.
    await other.locator(".conversation", { hasText: "Renamed in tab one" }).locator(
      ".open-conversation",
    ).click();
    await other.waitForFunction(() =>
      document.querySelector(".message.user .message-text")?.textContent === "from tab two"
    );
    await ask(other, "more from tab two");
    const stored = await storedConversations(page);
    assertEquals(stored.map((c) => c.title).toSorted(), ["Renamed in tab one", "from tab one"]);
    for (const conversation of stored) assertEquals(conversation.turns.length, 4);
  } finally {
    await chat.close();
  }
});
