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
import {
  openChatPage,
  sendMessage,
  settledKeyStatus,
  waitForAnswer,
} from "../../testing/browser.ts";

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

for (
  const [device, viewport] of [["phone", { width: 375, height: 812 }], ["tablet", {
    width: 768,
    height: 1024,
  }]] as const
) {
  Deno.test(`${device}, ${viewport.width} px: nothing scrolls sideways, one header row, input on screen`, async () => {
    const chat = await openChatPage({
      viewport,
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

      const ids = ["#message-input", "#send-button", "#key-menu", "#model-select", "#new-chat"];
      for (const id of [...ids, "#sidebar-toggle", "#chat-settings"]) {
        const box = (await page.locator(id).boundingBox())!;
        assert(box.x >= 0 && box.x + box.width <= viewport.width, `${id} fits across`);
        assert(box.y >= 0 && box.y + box.height <= viewport.height, `${id} is on screen`);
      }
      // The key is saved, so its field is folded away and the header is a single row.
      assertEquals(await page.isVisible("#api-key"), false);
      const header = (await page.locator(".topbar").boundingBox())!;
      assert(header.height <= 60, `the header is one row (${header.height} px)`);
      assertEquals(await page.isVisible("#sidebar"), false, "the list is a drawer, closed");

      // The drawer opens over the page, and choosing a conversation closes it.
      await page.click("#sidebar-toggle");
      await page.locator("#conversation-list .conversation").first().waitFor();
      assertEquals(await page.getAttribute("#sidebar-toggle", "aria-expanded"), "true");
      await page.waitForFunction(() =>
        document.getElementById("sidebar")!.getBoundingClientRect().left >= 0
      ); // slid in
      const drawer = (await page.locator("#sidebar").boundingBox())!;
      assert(drawer.x >= 0 && drawer.x + drawer.width <= viewport.width, "the drawer fits");
      await page.click(".conversation .open-conversation");
      await page.waitForFunction(() => !document.body.classList.contains("drawer-open"));
      assertEquals((await overflow(page)).scrollWidth, viewport.width);
    } finally {
      await chat.close();
    }
  });
}

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

        // The settings panel open too, so its controls are checked.
        await page.click("#chat-settings > summary");
        await page.locator("#system-prompt").waitFor();
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
    assertEquals(await settledKeyStatus(page), "Key saved");
    assertEquals(await page.evaluate(() => document.activeElement?.id), "message-input");
    await page.keyboard.type("hello from the keyboard");
    await page.keyboard.press("Enter");
    await waitForAnswer(page);
    assertEquals(await page.evaluate(() => document.activeElement?.id), "message-input");

    // Tab walks header, conversation, composer in reading order.
    await page.click(".brand"); // Tab starts from the top of the page

    const order = [];
    for (let step = 0; step < 11; step++) {
      await page.keyboard.press("Tab");
      order.push(
        await page.evaluate(() => {
          const focused = document.activeElement!;
          return focused.id || focused.classList[1] || focused.parentElement!.id ||
            focused.tagName;
        }),
      );
    }
    assertEquals(order, [
      "model-select",
      "key-menu", // its summary: the key, folded away once saved
      "new-chat",
      "chat-window",
      "edit-message",
      "SUMMARY", // the answer's reasoning, to open
      "copy-message",
      "retry",
      "chat-settings", // its summary, which also shows the settings' state
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
