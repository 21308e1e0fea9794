/**
 * Takes the README's screenshots of the chat page, desktop (1280×800) and phone (375×812), light
 * and dark, into `docs/`: a real gateway and the fake Ollama serve a few conversations and a sample
 * answer to the browser the page tests find (`testing/find_browser.ts`). Run with
 * `deno task screenshots`.
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

/** Conversations listed beside the sample one. */
const EARLIER_QUESTIONS = [
  "Plan a three-day trip to Lisbon on a budget",
  "What is the difference between TCP and UDP?",
  "Suggest names for a bakery that sells sourdough",
];

await Deno.mkdir(DOCS_DIR, { recursive: true });
for (const [device, viewport] of Object.entries(DEVICES)) {
  for (const colorScheme of ["light", "dark"] as const) {
    const chat = await openChatPage({
      viewport,
      colorScheme,
      fake: { reply: SAMPLE_ANSWER, thinking: SAMPLE_THINKING },
    });
    try {
      for (const question of EARLIER_QUESTIONS) {
        chat.fake.options.reply = "Sure, here it is.";
        await sendMessage(chat.page, question);
        await waitForAnswer(chat.page);
        await chat.page.click("#new-chat");
      }
      chat.fake.options.reply = SAMPLE_ANSWER;
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
