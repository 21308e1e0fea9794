/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * While an answer is pending and streaming: the wait status (the gateway's status lines, elapsed
 * seconds, then time to first token and live speed); scrolling that obeys the reader (ArrowUp,
 * PageUp, Home and 20 px wheel steps at 8 ms a token), with "Jump to latest"; the message box open for
 * the next question, and the focus never dropped to the page.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import type { Page } from "playwright-core";
import type { FakeOllama } from "../../testing/fake_ollama/mod.ts";
import {
  chatRequests,
  chatScroll,
  openChatPage,
  sendMessage,
  waitForAnswer,
} from "../../testing/browser.ts";
import { postChat, readNdjson } from "../../testing/gateway.ts";

const encoder = new TextEncoder();
const line = (object: unknown) => encoder.encode(JSON.stringify(object) + "\n");

/** Waits (up to 10 s) until the fake holds back a last token, so releasing it is not lost. */
async function heldBack(fake: FakeOllama) {
  for (let tries = 0; tries < 200 && fake.held === 0; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert(fake.held > 0, "the fake holds back the last token");
}

/** The text of the pending answer's wait status. */
function waitStatus(page: Page) {
  return page.locator(".message.bot .wait-status").innerText();
}

/** Waits until the wait status matches `pattern`. */
async function waitForStatus(page: Page, pattern: RegExp) {
  await page.waitForFunction(
    (source) => new RegExp(source).test(document.querySelector(".wait-status")?.textContent ?? ""),
    pattern.source,
  );
}

Deno.test("the pending answer shows the gateway's status lines, the seconds, then first token and speed", async () => {
  const chat = await openChatPage();
  const { page } = chat;
  // A stand-in for the gateway that answers /chat_api one step at a time, so that every status
  // line (an unknown one included) and each transition is seen; the test below uses the real queue.
  const steps = Array.from({ length: 3 }, () => Promise.withResolvers<void>());
  const stub = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(line({ status: "queued", position: 2, elapsed_s: 1 }));
        await steps[0].promise;
        controller.enqueue(line({ status: "loading", model: "qwen3:4b", elapsed_s: 3 }));
        controller.enqueue(line({ status: "something-new", elapsed_s: 3 }));
        await steps[1].promise;
        for (const word of ["Here", " is", " the"]) controller.enqueue(line({ response: word }));
        await steps[2].promise;
        controller.enqueue(line({ response: " answer." }));
        controller.enqueue(line({
          done: true,
          model: "qwen3:4b",
          done_reason: "stop",
          total_duration: 2_000_000_000,
          eval_count: 4,
          eval_duration: 1_000_000_000,
        }));
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
  });
  try {
    await page.route(
      "**/chat_api",
      (route) => route.continue({ url: `http://127.0.0.1:${stub.addr.port}/chat_api` }),
    );
    await sendMessage(page, "hello?");
    await waitForStatus(page, /^Waiting in line: 2 ahead of you · \d+ s$/);
    // The clock runs while nothing else happens.
    await waitForStatus(page, /^Waiting in line: 2 ahead of you · [1-9]\d* s$/);
    assertEquals(await page.locator(".message.bot .typing").count(), 1);

    steps[0].resolve();
    // An unknown status is ignored: the last known one stays.
    await waitForStatus(page, /^Loading qwen3:4b… \d+ s$/);

    steps[1].resolve();
    await waitForStatus(page, /^First token after \d+\.\d s/);
    await waitForStatus(page, /^First token after \d+\.\d s · \d+(\.\d)? tokens\/s$/);
    assertEquals(await page.locator(".message.bot .typing").count(), 0);

    steps[2].resolve();
    await waitForAnswer(page);
    assertEquals(await page.locator(".wait-status").count(), 0, "gone once the answer is whole");
    assertEquals(
      await page.locator(".message.bot .meta").innerText(),
      "qwen3:4b · 4 tokens · 4.0 tokens/s · 2.0 s",
      "the final line is as before",
    );
  } finally {
    for (const step of steps) step.resolve();
    await chat.close();
    await stub.shutdown();
  }
});

Deno.test("against the real queue, the pending answer says how many are ahead of it", async () => {
  // Ollama answers one at a time, and so does the gateway in front of it: a first answer (sent by
  // another client) holds back its last token while the page asks.
  const chat = await openChatPage({
    fake: { numParallel: 1, scenario: "hold-last-token" },
    gateway: { numParallel: 1 },
  });
  const { page, fake, gateway } = chat;
  try {
    const first = postChat(gateway, { prompt: "first" });
    await heldBack(fake);
    fake.options.scenario = "normal";
    await sendMessage(page, "second");
    await waitForStatus(page, /^Waiting in line: 1 ahead of you · \d+ s$/);

    fake.releaseLastToken();
    assertEquals((await readNdjson(await first)).at(-1)?.done, true, "the first answer is whole");
    await waitForAnswer(page);
    assertMatch(await page.locator(".message.bot .meta").innerText(), /tokens\/s/);
    assertEquals(chatRequests(fake).length, 2, "each question reached Ollama once");
  } finally {
    fake.releaseLastToken();
    await chat.close();
  }
});

Deno.test("with no status line, the wait status still counts the seconds", async () => {
  // The gateway sends its first status line only after a minute here, so the page has none.
  const chat = await openChatPage({
    fake: { scenario: "hang-before-headers" },
    gateway: { statusDelayMs: 60_000 },
  });
  const { page } = chat;
  try {
    await sendMessage(page, "anyone?");
    await waitForStatus(page, /^Waiting for the answer… [1-9]\d* s$/);
    assertMatch(await waitStatus(page), /s$/);
    await page.click("#stop-button");
    await waitForAnswer(page);
  } finally {
    await chat.close();
  }
});

const LONG_REPLY = Array.from({ length: 260 }, (_, n) => `Line ${n + 1}.`).join("\n\n");

/** Waits until the streaming answer shows at least `count` of its lines. */
function waitForLines(page: Page, count: number) {
  return page.waitForFunction(
    (count) =>
      (document.querySelector(".message.bot .markdown")?.textContent?.match(/Line \d+\./g) ?? [])
        .length >= count,
    count,
  );
}

/** Focuses the conversation, then presses `key` as a reader does to scroll it. */
const pressKey = (key: string) => async (page: Page) => {
  await page.focus("#chat-window");
  await page.keyboard.press(key);
};

// Chromium glides a keyboard scroll over several frames (about 150 ms), as desktop browsers do:
// at 8 ms a token, a dozen tokens arrive before a PageUp or Home has gone far from the end. A
// follower that only asks "is the view near the end?" pulls the view back on the next one (which
// also stops the glide): every case here fails against it. One that waits to see the view move up
// loses the race when a token is drawn before the glide's first step, which happens in some
// presses and not others: three tries for each key make it likelier to be caught. The first try
// also checks that the browser did glide, so that a keyboard case cannot pass on a scroll that
// landed at once.
for (
  const [how, scrollUp, tries] of [
    ["ArrowUp", pressKey("ArrowUp"), 3],
    ["PageUp", pressKey("PageUp"), 3],
    ["Home", pressKey("Home"), 3],
    ["20 px wheel steps", async (page: Page) => {
      await page.mouse.move(400, 200);
      for (let step = 0; step < 3; step++) await page.mouse.wheel(0, -20);
    }, 1],
  ] as const
) {
  Deno.test(`${how} during an 8 ms/token stream leaves the view where the reader put it`, async () => {
    const chat = await openChatPage({
      viewport: { width: 800, height: 500 },
      fake: { reply: LONG_REPLY, thinking: "", tokenDelayMs: 8, scenario: "hold-last-token" },
      smoothScrolling: true,
    });
    const { page, fake } = chat;
    try {
      await sendMessage(page, "a long one");
      await waitForLines(page, 30);
      assert((await chatScroll(page)).fromEnd < 2, "following the answer until the reader scrolls");
      // Where the view was when the reader acted, taken in the page as the key or wheel arrives,
      // and where it was at each of the frames after.
      await page.evaluate(() => {
        const view = document.getElementById("chat-window")!;
        const state = window as unknown as { atInput?: { top: number; lines: number } };
        const tops: number[] = [];
        Object.assign(state, { tops });
        const sample = () => {
          tops.push(view.scrollTop);
          if (tops.length < 30) requestAnimationFrame(sample);
        };
        const record = () => {
          if (state.atInput !== undefined) return;
          const text = document.querySelector(".message.bot .markdown")?.textContent ?? "";
          state.atInput = { top: view.scrollTop, lines: text.match(/Line \d+\./g)?.length ?? 0 };
          if (tops.length === 0) requestAnimationFrame(sample);
        };
        addEventListener("keydown", record, { capture: true });
        addEventListener("wheel", record, { capture: true });
      });
      const atInput = () =>
        page.evaluate(() =>
          (window as unknown as { atInput: { top: number; lines: number } }).atInput
        );

      for (let attempt = 1; attempt <= tries; attempt++) {
        await page.evaluate(() => delete (window as unknown as { atInput?: unknown }).atInput);
        await scrollUp(page);
        const before = await atInput();
        // The stream goes on: forty more lines; at the last try, all of it, then (held back
        // until now) the last token.
        await waitForLines(page, before.lines + 40);
        if (attempt === tries) {
          await heldBack(fake);
          fake.releaseLastToken();
          await waitForAnswer(page);
        }
        const after = await chatScroll(page);
        const which = `try ${attempt} of ${tries}`;
        assert(
          after.top < before.top,
          `${which}: moved up, not pulled back (${before.top} → ${after.top})`,
        );
        assert(after.fromEnd > 200, `${which}: far from the end now (${after.fromEnd} px)`);
        if (attempt === 1 && tries > 1) {
          // Positions on the way, strictly between where the view was and where it came to rest.
          const tops = await page.evaluate(() => (window as unknown as { tops: number[] }).tops);
          const between = new Set(tops.filter((top) => top < before.top && top > after.top));
          assert(
            between.size >= 2,
            `the scroll glided over several frames (${[before.top, ...tops]})`,
          );
        }

        // "Jump to latest" shows, and brings the view to the end.
        await page.click("#jump-to-latest");
        assert((await chatScroll(page)).fromEnd < 2, `${which}: Jump to latest brings the end`);
        await page.locator("#jump-to-latest").waitFor({ state: "hidden" });
        assertEquals(await page.evaluate(() => document.activeElement?.id), "chat-window");
      }
    } finally {
      await chat.close();
    }
  });
}

Deno.test("the next question can be typed while an answer streams, and is sent after it", async () => {
  const chat = await openChatPage({ fake: { thinking: "", scenario: "hold-last-token" } });
  const { page, fake } = chat;
  try {
    await sendMessage(page, "first");
    await page.locator(".message.bot .markdown").filter({ hasText: "Hello" }).waitFor();
    assertEquals(await page.evaluate(() => document.activeElement?.id), "message-input");
    await page.keyboard.type("second, drafted meanwhile");
    await page.keyboard.press("Enter");
    assertEquals(await page.inputValue("#message-input"), "second, drafted meanwhile");
    assertMatch(await page.innerText("#composer-note"), /still coming/);
    assertEquals(chatRequests(fake).length, 1, "not sent while the answer streams");

    fake.options.scenario = "normal";
    await heldBack(fake);
    fake.releaseLastToken();
    await waitForAnswer(page);
    assertEquals(await page.evaluate(() => document.activeElement?.id), "message-input");
    await page.keyboard.press("Enter");
    await waitForAnswer(page);
    assertEquals(chatRequests(fake).length, 2);
    assertEquals(
      await page.locator(".message.user .message-text").allInnerTexts(),
      ["first", "second, drafted meanwhile"],
    );

    // Stopping with the mouse leaves the focus in the message box, not on the page.
    fake.options.scenario = "hold-last-token";
    await sendMessage(page, "third");
    await page.locator(".message.bot").nth(2).locator(".markdown").filter({ hasText: "Hello" })
      .waitFor();
    await page.click("#stop-button");
    await waitForAnswer(page);
    assertEquals(await page.evaluate(() => document.activeElement?.id), "message-input");
  } finally {
    await chat.close();
  }
});
