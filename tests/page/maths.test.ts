/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * LaTeX in answers shows as MathML, inline and display, as soon as each formula closes while the
 * answer streams; dollar amounts stay text; copying gives back the LaTeX as written; and nothing
 * written as maths, or as MathML, can run script.
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { Page } from "playwright-core";
import { openChatPage, sendMessage, waitForAnswer } from "../../testing/browser.ts";

const INLINE_PAREN = String.raw`\(a^2 + b^2 = c^2\)`;
const INLINE_DOLLAR = String.raw`$E = mc^2$`;
const DISPLAY_BRACKET = String.raw`\[\int_0^1 x\,\mathrm{d}x = \frac{1}{2}\]`;
const DISPLAY_DOLLARS = String.raw`$$\sum_{k=1}^{n} k = \frac{n(n+1)}{2}$$`;

/** An answer whose last token, held back, closes a formula: `\(x` ` +` ` y\)`. */
const ANSWER = [
  `Pythagoras: ${INLINE_PAREN}, and Einstein: ${INLINE_DOLLAR}.`,
  "",
  DISPLAY_BRACKET,
  "",
  "Gauss:",
  "",
  DISPLAY_DOLLARS,
  "",
  "It costs $5 and $10, spaces \\, and backslashes \\\\ outside maths are markdown's.",
  "",
  String.raw`Last: \(x + y\)`,
].join("\n");

/** The TeX of each formula in the newest answer, and whether it is display maths. */
function formulas(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll(".message.bot:last-child .markdown math")].map((math) => ({
      tex: math.querySelector('annotation[encoding="application/x-tex"]')?.textContent,
      display: math.getAttribute("display") === "block",
    }))
  );
}

Deno.test("maths renders as MathML while the answer streams, a half-written formula as text", async () => {
  const chat = await openChatPage({
    fake: { reply: ANSWER, thinking: "", scenario: "hold-last-token" },
  });
  const { page, fake } = chat;
  try {
    await sendMessage(page, "some maths");
    const answer = page.locator(".message.bot .markdown");
    await page.waitForFunction(() =>
      document.querySelector(".message.bot .markdown")?.textContent?.includes("Last: \\(x +")
    );
    // Streaming: the closed formulas are maths already; the open one is its source, backslash kept.
    assertEquals(await formulas(page), [
      { tex: INLINE_PAREN.slice(2, -2), display: false },
      { tex: INLINE_DOLLAR.slice(1, -1), display: false },
      { tex: DISPLAY_BRACKET.slice(2, -2), display: true },
      { tex: DISPLAY_DOLLARS.slice(2, -2), display: true },
    ]);
    assertStringIncludes(await answer.innerText(), "Last: \\(x +");

    fake.releaseLastToken();
    await waitForAnswer(page);
    const done = await formulas(page);
    assertEquals(done.length, 5);
    assertEquals(done[4], { tex: "x + y", display: false });
    const text = await answer.innerText();
    assertStringIncludes(text, "It costs $5 and $10, spaces , and backslashes \\ outside");
    assert(!text.includes("\\("), "no formula left as source");

    // After a reload the stored answer renders the same.
    await page.reload();
    await page.locator(".message.bot .markdown math").first().waitFor();
    assertEquals(await formulas(page), done);
  } finally {
    await chat.close();
  }
});

Deno.test("copying an answer with maths copies the LaTeX as written", async () => {
  const chat = await openChatPage({ fake: { reply: ANSWER, thinking: "" } });
  const { page, context } = chat;
  try {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await sendMessage(page, "some maths");
    await waitForAnswer(page);
    await page.evaluate(() =>
      getSelection()!.selectAllChildren(document.querySelector(".message.bot .markdown")!)
    );
    await page.keyboard.press("Control+C");
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    for (const formula of [INLINE_PAREN, INLINE_DOLLAR, DISPLAY_BRACKET, DISPLAY_DOLLARS]) {
      assertStringIncludes(copied, formula);
    }
    assertStringIncludes(copied, "Pythagoras: \\(a^2 + b^2 = c^2\\), and Einstein: $E = mc^2$.");
    assertStringIncludes(copied, "It costs $5 and $10");
    assertStringIncludes(copied, "Last: \\(x + y\\)");

    // A selection that starts inside a formula takes the whole formula.
    await page.evaluate(() => {
      const mi = document.querySelector(".message.bot .markdown math mi")!;
      const after = document.querySelector(".message.bot .markdown p")!.lastChild!;
      getSelection()!.setBaseAndExtent(mi.firstChild!, 0, after, 1);
    });
    await page.keyboard.press("Control+C");
    assertEquals(
      await page.evaluate(() => navigator.clipboard.readText()),
      "\\(a^2 + b^2 = c^2\\), and Einstein: $E = mc^2$.",
    );
  } finally {
    await chat.close();
  }
});

/** LaTeX that tries to link, load, style or break out of its MathML. */
const TEX_ATTACKS = [
  String.raw`\(\href{javascript:window.hacked='href'}{click}\)`,
  String.raw`\(\url{javascript:window.hacked='url'}\)`,
  String.raw`$$\includegraphics{https://evil.example/leak.png}$$`,
  String
    .raw`\(\htmlClass{message user}{x} \htmlStyle{position:fixed;inset:0}{y} \htmlId{message-input}{z}\)`,
  String.raw`\(\text{</annotation></semantics></math><img src=x onerror="window.hacked='text'">}\)`,
  String.raw`\(\mathrm{<script>window.hacked='mathrm'</script>}\)`,
  // The classic DOMPurify MathML mutation, written by the model as HTML: it must stay text.
  '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;img src=1 ' +
  "onerror=window.hacked='mxss'&gt;\">",
  '<math><maction actiontype="statusline" xlink:href="javascript:window.hacked=\'maction\'">' +
  "<mtext>x</mtext></maction></math>",
].join("\n\n");

/** Elements an answer may hold: markdown's, the page's code frame, and KaTeX's MathML. */
const ALLOWED = new Set(
  ("A BLOCKQUOTE BR CODE DEL EM H1 H2 H3 H4 H5 H6 HR LI OL P PRE STRONG TABLE TBODY TD TH THEAD " +
    "TR UL DIV SPAN BUTTON math semantics annotation mrow mi mn mo ms mtext mspace msup msub " +
    "msubsup mfrac msqrt mroot mover munder munderover mtable mtr mtd mstyle mpadded mphantom " +
    "menclose").split(" "),
);

Deno.test("no script runs through maths or MathML, and no element beyond MathML's gets in", async () => {
  const chat = await openChatPage({ fake: { reply: TEX_ATTACKS, thinking: "" } });
  const { page } = chat;
  try {
    await sendMessage(page, "attack");
    await waitForAnswer(page);
    const found = await page.evaluate(() => {
      const answer = document.querySelector(".message.bot .markdown")!;
      const elements = [...answer.querySelectorAll("*")];
      for (const link of answer.querySelectorAll("a, [href]")) (link as HTMLElement).click?.();
      return {
        tags: elements.map((e) => e.tagName),
        foreign: elements.flatMap((e) =>
          [...e.attributes]
            .filter((a) => /^on|^style$|^id$|^src$|href$|^actiontype$/i.test(a.name))
            .map((a) => `${e.tagName} ${a.name}`)
        ),
        text: answer.textContent,
        images: document.images.length,
        inputs: document.querySelectorAll("#message-input").length,
      };
    });
    assertEquals(
      await page.evaluate(() => (window as unknown as { hacked?: unknown }).hacked ?? null),
      null,
      "no script ran",
    );
    assertEquals(found.tags.filter((tag) => !ALLOWED.has(tag)), [], "only allowed elements");
    assertEquals(found.foreign, [], "no handler, style, id, source, link or action attribute");
    assertEquals(found.images, 0, "nothing loads");
    assertEquals(found.inputs, 1, "no second #message-input");
    assertStringIncludes(found.text!, "<math><mtext><table><mglyph><style>", "HTML shown as text");

    // The sanitizer itself, fed MathML directly (as if KaTeX had a bug), keeps MathML's
    // presentation and drops every way to act: links, actions, HTML inside, scripts.
    const sanitized = await page.evaluate(async () => {
      const module = "/static/markdown.js";
      const { sanitize } = await import(module);
      const payloads = [
        '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;img src=1 ' +
        "onerror=window.hacked='mxss1'&gt;\">",
        "<math><mi href=\"javascript:window.hacked='mi'\">x</mi></math>",
        '<math><maction actiontype="statusline" xlink:href="javascript:window.hacked=\'a\'">' +
        "<mtext>x</mtext></maction></math>",
        '<math><semantics><mi>x</mi><annotation-xml encoding="text/html">' +
        "<img src=x onerror=\"window.hacked='xml'\"></annotation-xml></semantics></math>",
        "<math><mtext><img src=x onerror=\"window.hacked='mtext'\"></mtext></math>",
        '<math><mi style="position:fixed" id="x" onclick="window.hacked=\'on\'">y</mi></math>',
        '<math display="block"><mfrac linethickness="2px"><mi>a</mi><mi>b</mi></mfrac></math>',
      ];
      const host = document.createElement("div");
      for (const payload of payloads) host.append(sanitize(payload));
      document.body.append(host);
      for (const element of host.querySelectorAll("*")) (element as HTMLElement).click?.();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const result = {
        html: host.innerHTML,
        hacked: (window as unknown as { hacked?: unknown }).hacked ?? null,
      };
      host.remove();
      return result;
    });
    assertEquals(sanitized.hacked, null, "no script ran from sanitized MathML");
    for (
      const banned of ["<img", "<maction", "annotation-xml", "href", "style=", "onclick", "id="]
    ) {
      assert(!sanitized.html.includes(banned), `${banned} removed: ${sanitized.html}`);
    }
    assertStringIncludes(
      sanitized.html,
      '<math display="block"><mfrac linethickness="2px"><mi>a</mi><mi>b</mi></mfrac></math>',
      "presentation MathML is kept",
    );
  } finally {
    await chat.close();
  }
});
