/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Errors are shown in the chat in words people understand, and the page is always left ready for
 * the next message.
 */

import { assertEquals, assertMatch } from "@std/assert";
import {
  assertReady,
  lastAnswerText,
  lastNotice,
  openChatPage,
  sendMessage,
  waitForAnswer,
} from "../../testing/browser.ts";

for (const apiKey of [null, "wrong-key"]) {
  const which = apiKey === null ? "a missing key" : "a wrong key";
  Deno.test(`${which} is explained, with the focus moved to the key field`, async () => {
    const chat = await openChatPage({ apiKey });
    const { page } = chat;
    try {
      await sendMessage(page, "let me in");
      await waitForAnswer(page);
      assertMatch(await lastNotice(page), /The API key is missing or wrong/);
      assertEquals(await page.evaluate(() => document.activeElement?.id), "api-key");
      assertEquals(
        await page.textContent("#key-status"),
        apiKey === null ? "No key saved" : "Key not accepted",
      );
      assertEquals(
        await page.inputValue("#message-input"),
        "let me in",
        "the message is kept to send again",
      );
      assertEquals(await page.locator(".message.bot.failed").count(), 1);
      await assertReady(page);
    } finally {
      await chat.close();
    }
  });
}

Deno.test("a model that is not installed is named", async () => {
  const chat = await openChatPage();
  const { page, fake } = chat;
  try {
    fake.options.models = ["llama3.2:1b"]; // qwen3:4b, the default, went away
    await sendMessage(page, "hi");
    await waitForAnswer(page);
    assertMatch(await lastNotice(page), /The model "qwen3:4b" is not installed on this server/);
    await assertReady(page);
  } finally {
    await chat.close();
  }
});

Deno.test("a busy server says to try again, and when", async () => {
  const chat = await openChatPage({ fake: { scenario: "busy" } });
  const { page } = chat;
  try {
    await sendMessage(page, "hi");
    await waitForAnswer(page);
    assertEquals(
      await lastNotice(page),
      "The server is busy with other answers. Try again in 5 seconds.",
    );
    await assertReady(page);
  } finally {
    await chat.close();
  }
});

Deno.test("Ollama not reachable (502) is explained", async () => {
  // Nothing listens on port 1: the gateway cannot connect.
  const chat = await openChatPage({ gateway: { ollamaUrl: "http://127.0.0.1:1" } });
  const { page } = chat;
  try {
    await sendMessage(page, "hi");
    await waitForAnswer(page);
    assertMatch(await lastNotice(page), /The server cannot reach Ollama/);
    await assertReady(page);
  } finally {
    await chat.close();
  }
});

Deno.test("Ollama not answering in time (504) is explained", async () => {
  const chat = await openChatPage({
    fake: { scenario: "hang-before-headers" },
    gateway: { firstByteTimeoutMs: 200 },
  });
  const { page } = chat;
  try {
    await sendMessage(page, "hi");
    await waitForAnswer(page);
    assertMatch(await lastNotice(page), /Ollama did not start answering in time/);
    await assertReady(page);
  } finally {
    await chat.close();
  }
});

for (
  const [scenario, reason] of [
    ["drop-mid-stream", /Lost the connection to Ollama/],
    ["error-mid-stream", /llama runner process has terminated/],
  ] as const
) {
  Deno.test(`${scenario}: the partial answer stays, marked as interrupted`, async () => {
    const chat = await openChatPage({ fake: { scenario, thinking: "" } });
    const { page } = chat;
    try {
      await sendMessage(page, "tell me");
      await waitForAnswer(page);
      assertEquals(await lastAnswerText(page), "Hello! You", "the two tokens sent");
      assertMatch(await lastNotice(page), /^The answer broke off: /);
      assertMatch(await lastNotice(page), reason);
      assertEquals(await page.locator(".message.bot.interrupted").count(), 1);
      await assertReady(page);
    } finally {
      await chat.close();
    }
  });
}

Deno.test("a server that cannot be reached at all is explained", async () => {
  const chat = await openChatPage();
  const { page } = chat;
  try {
    await page.route("**/chat_api", (route) => route.abort("connectionrefused"));
    await sendMessage(page, "anyone?");
    await waitForAnswer(page);
    assertMatch(await lastNotice(page), /Cannot reach OllamaSpace/);
    await assertReady(page);
  } finally {
    await chat.close();
  }
});

Deno.test("the connection to the server dropping mid-answer keeps the partial answer, marked as interrupted", async () => {
  const chat = await openChatPage();
  const { page } = chat;
  // A server that starts an answer, then drops the connection: the gateway itself going away.
  const dropping = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"response":"Hello! You"}\n'));
        setTimeout(() => controller.error(new Error("dropped by the test")), 100);
      },
    });
    return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
  });
  try {
    await page.route(
      "**/chat_api",
      (route) => route.continue({ url: `http://127.0.0.1:${dropping.addr.port}/chat_api` }),
    );
    await sendMessage(page, "tell me");
    await waitForAnswer(page);
    assertEquals(await lastAnswerText(page), "Hello! You", "what arrived stays");
    assertMatch(await lastNotice(page), /connection was lost, so the answer is incomplete/);
    assertEquals(await page.locator(".message.bot.interrupted").count(), 1);
    await assertReady(page);
  } finally {
    await chat.close();
    await dropping.shutdown();
  }
});
