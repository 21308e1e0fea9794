/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * The page holds under a strict Content-Security-Policy (no inline script, style or handlers),
 * and works inside an iframe on another site, as Hugging Face shows a Space.
 */

import { assert, assertEquals, assertMatch, assertNotMatch } from "@std/assert";
import { join } from "@std/path";
import { SAMPLE_ANSWER, SAMPLE_THINKING } from "../../testing/sample_answer.ts";
import { TEST_KEY } from "../../testing/gateway.ts";
import { openChatPage, saveKey, sendMessage, waitForAnswer } from "../../testing/browser.ts";

const STATIC_DIR = join(import.meta.dirname!, "..", "..", "static");

/** As strict as a policy for this page can be: everything from the page's own origin only. */
const STRICT_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *";

Deno.test("chat.html has no inline script, style or event handler attribute", async () => {
  const html = await Deno.readTextFile(join(STATIC_DIR, "chat.html"));
  assertNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, "every script has a src");
  assertNotMatch(html, /<style/i);
  assertNotMatch(html, /\sstyle=/i);
  assertNotMatch(html, /\son[a-z]+=/i);
});

Deno.test("under a strict CSP the whole page works with no violation", async () => {
  const chat = await openChatPage({
    apiKey: null,
    fake: { reply: SAMPLE_ANSWER + "\n\n<img src=x onerror=alert(1)>", thinking: SAMPLE_THINKING },
  });
  const { page } = chat;
  try {
    await page.route("**/chat", async (route) => {
      const response = await route.fetch();
      await route.fulfill({
        response,
        headers: { ...response.headers(), "content-security-policy": STRICT_CSP },
      });
    });
    await page.addInitScript(() => {
      const seen: string[] = [];
      Object.assign(window, { cspViolations: seen });
      document.addEventListener("securitypolicyviolation", (event) => {
        seen.push(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    await page.reload();
    await saveKey(page, TEST_KEY);
    await sendMessage(page, "show me everything");
    await waitForAnswer(page);
    await page.click(".thinking summary");
    assertEquals(await page.locator(".message.bot .code-block").count(), 1, "the answer rendered");
    const violations = await page.evaluate(() =>
      (window as unknown as { cspViolations: string[] }).cspViolations
    );
    assertEquals(violations, []);
  } finally {
    await chat.close();
  }
});

/** The host page of a Space: it shows `src` in an iframe, as huggingface.co shows a Space. */
function hostPage(src: string): string {
  return `<!doctype html><title>Host</title><iframe src="${src}" width="420" height="640"></iframe>`;
}

/**
 * Another site that shows `src` in an iframe. It is served on loopback (the browser blocks public
 * pages from framing local ones) and named `localhost`, which to the browser is another site than
 * the gateway's `127.0.0.1`.
 */
function otherSite(src: string) {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(hostPage(src), { headers: { "content-type": "text/html" } }),
  );
  return {
    url: `http://localhost:${server.addr.port}/`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("the page works inside an iframe on huggingface.co, as a Space is shown", async () => {
  const chat = await openChatPage({ apiKey: null, fake: { thinking: "" } });
  const { page } = chat;
  try {
    // The browser believes it is on huggingface.co: the test answers for that origin itself.
    await page.route(
      "https://huggingface.co/**",
      (route) =>
        route.fulfill({ contentType: "text/html", body: hostPage(`${chat.gateway.url}/chat`) }),
    );
    await page.goto("https://huggingface.co/spaces/owner/ollamaspace");
    const frame = page.frameLocator("iframe");
    await frame.locator("#api-key").fill(TEST_KEY);
    await frame.locator("#save-key").click();
    await frame.locator("#message-input").fill("hello from the host");
    await frame.locator("#message-input").press("Enter");
    const answer = frame.locator(".message.bot:not([aria-busy]) .markdown");
    await answer.waitFor();
    assertMatch(await answer.innerText(), /^Hello! You said: "hello from the host"/);
  } finally {
    await chat.close();
  }
});

Deno.test("a site not allowed by frame-ancestors cannot show the page in an iframe", async () => {
  const chat = await openChatPage({ apiKey: null, fake: { thinking: "" } });
  const { page } = chat;
  try {
    await using site = otherSite(`${chat.gateway.url}/chat`);
    await page.goto(site.url);
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    assert(frame, "the iframe exists");
    await frame.waitForLoadState();
    assertEquals(await frame.locator("#api-key").count(), 0, "the chat did not load in the frame");
  } finally {
    await chat.close();
  }
});
