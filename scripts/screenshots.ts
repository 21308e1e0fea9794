/**
 * Takes the README's screenshots of the chat page, desktop (1280×800) and phone (375×812), light
 * and dark, into `docs/`: a real gateway and the fake Ollama serve a sample answer to the browser
 * the page tests find (`testing/find_browser.ts`). Run with `deno task screenshots`.
 *
 * @module
 */

import { join } from "@std/path";
import { openChatPage, sendMessage, waitForAnswer } from "../testing/browser.ts";
import { SAMPLE_ANSWER, SAMPLE_PROMPT, SAMPLE_THINKING } from "../testing/sample_answer.ts";

const DOCS_DIR = join(import.meta.dirname!, "..", "docs");

const DEVICES = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 375, height: 812 },
};

await Deno.mkdir(DOCS_DIR, { recursive: true });
for (const [device, viewport] of Object.entries(DEVICES)) {
  for (const colorScheme of ["light", "dark"] as const) {
    const chat = await openChatPage({
      viewport,
      colorScheme,
      fake: { reply: SAMPLE_ANSWER, thinking: SAMPLE_THINKING },
    });
    try {
      await sendMessage(chat.page, SAMPLE_PROMPT);
      await waitForAnswer(chat.page);
      await chat.page.locator("#message-input").blur();
      const file = join(DOCS_DIR, `chat-${device}-${colorScheme}.png`);
      await chat.page.screenshot({ path: file });
      console.log(file);
    } finally {
      await chat.close();
    }
  }
}
