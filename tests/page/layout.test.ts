/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Everywhere: usable at 375 px (nothing scrolls sideways, the input stays on screen), light and
 * dark from `prefers-color-scheme`, and accessible by axe-core's rules and by keyboard alone.
 */

import { assert, assertEquals } from "@std/assert";
import axe from "axe-core";
import type { Page } from "playwright-core";
import { SAMPLE_ANSWER, SAMPLE_PROMPT, SAMPLE_THINKING } from "../../testing/sample_answer.ts";
import { TEST_KEY } from "../../testing/gateway.ts";
import { openChatPage, sendMessage, waitForAnswer } from "../../testing/browser.ts";

/** Widths that stick out of the viewport: the page's, and any element's right edge. */
function overflow(page: Page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const outside = [...document.querySelectorAll("body *")]
      .filter((element) => {
        const box = element.getBoundingClientRect();
        // Content inside a box that scrolls on its own (code, tables) may be wider.
        const ownScroller = element.parentElement?.closest("pre, table");
        return box.width > 0 && box.right > width + 0.5 && !ownScroller;
      })
      .map((element) => `${element.tagName}.${element.className}`);
    return { width, scrollWidth: document.documentElement.scrollWidth, outside };
  });
}

Deno.test("at 375 px nothing scrolls sideways and the input stays on screen", async () => {
  const chat = await openChatPage({
    viewport: { width: 375, height: 812 },
    fake: { reply: SAMPLE_ANSWER, thinking: SAMPLE_THINKING },
  });
  const { page } = chat;
  try {
    await sendMessage(
      page,
      SAMPLE_PROMPT + " " + "averyveryverylongwordwithoutanyspaces".repeat(3),
    );
    await waitForAnswer(page);
    await page.click(".thinking summary");
    const found = await overflow(page);
    assertEquals(found.scrollWidth, found.width, "no sideways scrolling");
    assertEquals(found.outside, []);

    for (const id of ["#message-input", "#send-button", "#api-key", "#model-select", "#new-chat"]) {
      const box = (await page.locator(id).boundingBox())!;
      assert(box.x >= 0 && box.x + box.width <= 375, `${id} fits across`);
      assert(box.y >= 0 && box.y + box.height <= 812, `${id} is on screen`);
    }
  } finally {
    await chat.close();
  }
});

/** Relative luminance of a computed `rgb(…)` colour, 0 (black) to 1 (white). */
function luminance(rgb: string): number {
  const [r, g, b] = rgb.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number).map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

for (const colorScheme of ["light", "dark"] as const) {
  for (
    const [device, viewport] of [["desktop", { width: 1280, height: 800 }], ["phone", {
      width: 375,
      height: 812,
    }]] as const
  ) {
    Deno.test(`${colorScheme}, ${device}: axe-core finds no accessibility violation`, async () => {
      const chat = await openChatPage({
        colorScheme,
        viewport,
        fake: { reply: SAMPLE_ANSWER, thinking: SAMPLE_THINKING, scenario: "normal" },
      });
      const { page, fake } = chat;
      try {
        await sendMessage(page, SAMPLE_PROMPT);
        await waitForAnswer(page);
        fake.options.scenario = "error-mid-stream";
        await sendMessage(page, "And with a notice?");
        await waitForAnswer(page);

        const background = await page.evaluate(() =>
          getComputedStyle(document.body).backgroundColor
        );
        if (colorScheme === "dark") assert(luminance(background) < 0.05, `dark: ${background}`);
        else assert(luminance(background) > 0.8, `light: ${background}`);

        await page.evaluate(axe.source);
        const violations = await page.evaluate(async () => {
          const inPage = (window as unknown as { axe: typeof axe }).axe;
          const result = await inPage.run(document, {
            runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
          });
          return result.violations.map((violation) =>
            `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`
          );
        });
        assertEquals(violations, []);
      } finally {
        await chat.close();
      }
    });
  }
}

Deno.test("the page works from the keyboard alone, in a sensible focus order", async () => {
  const chat = await openChatPage({ apiKey: null });
  const { page } = chat;
  try {
    // No key yet: the key field has the focus, and Enter saves it.
    assertEquals(await page.evaluate(() => document.activeElement?.id), "api-key");
    await page.keyboard.type(TEST_KEY);
    await page.keyboard.press("Enter");
    assertEquals(await page.textContent("#key-status"), "Key saved");
    assertEquals(await page.evaluate(() => document.activeElement?.id), "message-input");
    await page.keyboard.type("hello from the keyboard");
    await page.keyboard.press("Enter");
    await waitForAnswer(page);
    assertEquals(await page.evaluate(() => document.activeElement?.id), "message-input");

    // Tab walks header, conversation, composer in reading order.
    await page.click(".brand"); // Tab starts from the top of the page

    const order = [];
    for (let step = 0; step < 9; step++) {
      await page.keyboard.press("Tab");
      order.push(
        await page.evaluate(() => document.activeElement!.id || document.activeElement!.tagName),
      );
    }
    assertEquals(order, [
      "model-select",
      "api-key",
      "toggle-key",
      "save-key",
      "new-chat",
      "chat-window",
      "SUMMARY", // the answer's reasoning, to open
      "message-input",
      "send-button",
    ]);
    assertEquals(await page.getAttribute("#chat-window", "aria-live"), "polite");
    assertEquals(await page.getByLabel("Message").getAttribute("id"), "message-input");
    assertEquals(await page.getByLabel("API key").getAttribute("id"), "api-key");
    assertEquals(await page.getByLabel("Model").getAttribute("id"), "model-select");
  } finally {
    await chat.close();
  }
});
