/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Fenced code that names its language is highlighted once its block has closed, in colours that
 * follow the light or dark theme, and its copy button still copies the plain code.
 */

import { assert, assertEquals, assertNotEquals } from "@std/assert";
import type { Page } from "playwright-core";
import { openChatPage, sendMessage, waitForAnswer } from "../../testing/browser.ts";

const PYTHON = 'def greet(name):\n    return f"<b>{name}</b>"  # not markup';

/** Python, then plain text code, then the closing fence of a last block held back as a token. */
const ANSWER = [
  "Here:",
  "",
  "```python",
  PYTHON,
  "```",
  "",
  "```",
  "no language, so no colours",
  "```",
  "",
  "```rust",
  "fn main() { let x = 1; }",
  "```",
].join("\n");

/** The highlight.js classes in each code block of the newest answer. */
function tokenClasses(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll(".message.bot:last-child .markdown pre code")].map((code) =>
      [...code.querySelectorAll("span")].map((span) => span.className)
    )
  );
}

/** The colour of the first keyword of the newest answer. */
function keywordColour(page: Page) {
  return page.evaluate(() =>
    getComputedStyle(document.querySelector(".message.bot .markdown .hljs-keyword")!).color
  );
}

Deno.test("closed code blocks are highlighted, light and dark; copy gives the plain code", async () => {
  const chat = await openChatPage({
    fake: { reply: ANSWER, thinking: "", scenario: "hold-last-token" },
  });
  const { page, fake, context } = chat;
  try {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await sendMessage(page, "code please");
    await page.waitForFunction(() =>
      document.querySelector(".message.bot .markdown")?.textContent?.includes("let x = 1; }")
    );
    // Streaming: the closed blocks are highlighted, the open last one not yet.
    let classes = await tokenClasses(page);
    assertEquals(classes.length, 3);
    assert(classes[0].includes("hljs-keyword"), `python keywords: ${classes[0]}`);
    assert(classes[0].includes("hljs-string"), `python strings: ${classes[0]}`);
    assertEquals(classes[1], [], "no language, no highlighting");
    assertEquals(classes[2], [], "the open block is plain text until it closes");

    fake.releaseLastToken();
    await waitForAnswer(page);
    classes = await tokenClasses(page);
    assert(classes[2].includes("hljs-keyword"), `rust, once closed: ${classes[2]}`);
    assertEquals(await page.locator(".message.bot .markdown pre code").count(), 3);
    assertEquals(await page.locator(".message.bot .markdown b").count(), 0, "code is text");
    const styled = await page.locator(".message.bot .markdown [style]").count();
    assertEquals(styled, 0, "colours come from classes, not inline styles");

    // GitHub's light theme (its red darkened for contrast), then its dark one with the system.
    assertEquals(await keywordColour(page), "rgb(199, 53, 67)");
    await page.emulateMedia({ colorScheme: "dark" });
    assertEquals(await keywordColour(page), "rgb(255, 123, 114)");
    const background = () =>
      page.evaluate(() =>
        getComputedStyle(document.querySelector(".message.bot .code-block")!).backgroundColor
      );
    assertNotEquals(await background(), "rgb(255, 255, 255)", "the page's own dark code frame");

    await page.locator(".message.bot .copy-code").first().click();
    await page.waitForFunction(() =>
      document.querySelector(".copy-code")?.textContent === "Copied"
    );
    assertEquals(await page.evaluate(() => navigator.clipboard.readText()), PYTHON);
  } finally {
    await chat.close();
  }
});
