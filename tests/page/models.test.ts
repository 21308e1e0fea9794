/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * The model picker: filled from the server's installed models (through the gateway, with the
 * key), defaulting to the server's `OLLAMA_MODEL`, remembering the reader's choice, and falling
 * back to the default alone when the list cannot be had.
 */

import { assertEquals, assertMatch } from "@std/assert";
import {
  chatRequests,
  openChatPage,
  sendMessage,
  waitForAnswer,
  waitForModels,
} from "../../testing/browser.ts";

/** The picker's options as [value, selected] pairs, once it has been filled. */
async function pickerOptions(page: import("playwright-core").Page) {
  await waitForModels(page);
  return await page.$$eval(
    "#model-select option",
    (options) =>
      options.map((
        option,
      ) => [(option as HTMLOptionElement).value, (option as HTMLOptionElement).selected]),
  );
}

Deno.test("the picker lists the installed models, defaults to OLLAMA_MODEL, remembers a choice", async () => {
  const chat = await openChatPage({
    fake: { models: ["qwen3:4b", "llama3.2:1b", "gemma3:1b"] },
    gateway: { defaultModel: "llama3.2:1b" },
  });
  const { page, fake } = chat;
  try {
    assertEquals(await pickerOptions(page), [
      ["gemma3:1b", false],
      ["llama3.2:1b", true],
      ["qwen3:4b", false],
    ]);

    await page.selectOption("#model-select", "gemma3:1b");
    await page.reload();
    assertEquals(await pickerOptions(page), [
      ["gemma3:1b", true],
      ["llama3.2:1b", false],
      ["qwen3:4b", false],
    ]);
    await sendMessage(page, "hi");
    await waitForAnswer(page);
    assertEquals(chatRequests(fake).at(-1)!.model, "gemma3:1b");
    assertMatch(await page.locator(".message.bot .meta").innerText(), /^gemma3:1b · /);
  } finally {
    await chat.close();
  }
});

Deno.test("without the list (no key yet), the picker offers the server's default", async () => {
  const chat = await openChatPage({ apiKey: null, gateway: { defaultModel: "llama3.2:1b" } });
  const { page } = chat;
  try {
    assertEquals(await pickerOptions(page), [["llama3.2:1b", true]]);
    // Once a key is saved, the list is fetched with it.
    await page.fill("#api-key", chat.gateway.config.apiKeys[0]);
    await page.click("#save-key");
    assertEquals(await pickerOptions(page), [["llama3.2:1b", true], ["qwen3:4b", false]]);
  } finally {
    await chat.close();
  }
});

Deno.test("when the list fails, the picker falls back to the default and chat still works", async () => {
  const chat = await openChatPage();
  const { page, fake } = chat;
  try {
    await page.route("**/api/tags", (route) => route.fulfill({ status: 500, body: "broken" }));
    await page.reload();
    assertEquals(await pickerOptions(page), [["qwen3:4b", true]]);
    await sendMessage(page, "hi");
    await waitForAnswer(page);
    assertEquals(chatRequests(fake).at(-1)!.model, "qwen3:4b");
  } finally {
    await chat.close();
  }
});

Deno.test("a model the server reports missing leaves the picker, which is asked for again", async () => {
  const chat = await openChatPage({ fake: { models: ["qwen3:4b", "llama3.2:1b"] } });
  const { page, fake } = chat;
  try {
    await page.selectOption("#model-select", "llama3.2:1b");
    fake.options.models = ["qwen3:4b"]; // llama3.2:1b was removed on the server
    await sendMessage(page, "hi");
    await waitForAnswer(page);
    assertMatch(await page.locator(".message.bot .notice").innerText(), /not installed/);
    await page.waitForFunction(() =>
      ![...document.querySelectorAll("#model-select option")].some((option) =>
        (option as HTMLOptionElement).value === "llama3.2:1b"
      )
    );
    assertEquals(await pickerOptions(page), [["qwen3:4b", true]]);
    await page.fill("#message-input", "");
    await page.click(".message.bot .retry");
    await waitForAnswer(page);
    assertEquals(chatRequests(fake).at(-1)!.model, "qwen3:4b");
    assertEquals(await page.locator(".message.bot .notice").count(), 0);
  } finally {
    await chat.close();
  }
});

Deno.test("a list cut short while Ollama was down is filled in once it is back", async () => {
  const chat = await openChatPage({ fake: { models: ["qwen3:4b", "llama3.2:1b", "gemma3:1b"] } });
  const { page } = chat;
  try {
    // Ollama down: the gateway answers the list with 502 and says so in /healthz.
    await page.route("**/api/tags", (route) => route.fulfill({ status: 502, json: { error: "" } }));
    await page.route("**/healthz", async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: { ...(await response.json()), ollama: "down" } });
    });
    await page.reload();
    assertEquals(await pickerOptions(page), [["qwen3:4b", true]]);
    assertEquals(await page.textContent("#key-status"), "Key saved", "the key passed");

    // Ollama is back: the page notices by itself and shows the whole list.
    await page.unroute("**/api/tags");
    await page.unroute("**/healthz");
    await page.waitForFunction(
      () => document.querySelectorAll("#model-select option").length === 3,
      undefined,
      { timeout: 15_000 },
    );
    assertEquals(await pickerOptions(page), [
      ["gemma3:1b", false],
      ["llama3.2:1b", false],
      ["qwen3:4b", true],
    ]);
  } finally {
    await chat.close();
  }
});
