/**
 * Takes the README's screenshots of the chat page, desktop (1280×800) and phone (375×812), light
 * and dark, into `docs/`: a real gateway and the fake Ollama serve a few conversations, a sample
 * answer, and a question with an image to a vision model whose answer holds a formula and
 * highlighted code, to the browser the page tests find (`testing/find_browser.ts`). Run with
 * `deno task screenshots`.
 *
 * @module
 */

import { join } from "@std/path";
import { Buffer } from "node:buffer";
import type { Page } from "playwright-core";
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

/** The question asked with an image, and the vision model's answer: a formula and some code. */
const IMAGE_QUESTION = "How long is the longest side?";
const IMAGE_ANSWER = [
  "The legs are $a = 3$ and $b = 4$, so by Pythagoras",
  "",
  "$$c = \\sqrt{a^2 + b^2} = \\sqrt{9 + 16} = 5$$",
  "",
  "```python",
  "import math",
  "print(math.hypot(3, 4))  # 5.0",
  "```",
].join("\n");

/** A right triangle with legs labelled 3 and 4, drawn by the page, as PNG. */
async function triangle(page: Page): Promise<Buffer> {
  const bytes = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(480, 360);
    const context = canvas.getContext("2d")!;
    context.fillStyle = "#fdf6e3";
    context.fillRect(0, 0, 480, 360);
    context.strokeStyle = "#268bd2";
    context.lineWidth = 6;
    context.beginPath();
    context.moveTo(80, 60);
    context.lineTo(80, 300);
    context.lineTo(400, 300);
    context.closePath();
    context.stroke();
    context.fillStyle = "#333";
    context.font = "bold 36px sans-serif";
    context.fillText("3", 40, 195);
    context.fillText("4", 230, 345);
    context.fillText("?", 250, 165);
    const blob = await canvas.convertToBlob({ type: "image/png" });
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  });
  return Buffer.from(bytes);
}

await Deno.mkdir(DOCS_DIR, { recursive: true });
for (const [device, viewport] of Object.entries(DEVICES)) {
  for (const colorScheme of ["light", "dark"] as const) {
    const chat = await openChatPage({
      viewport,
      colorScheme,
      fake: {
        reply: SAMPLE_ANSWER,
        thinking: SAMPLE_THINKING,
        models: ["qwen3:4b", "llama3.2:1b", "gemma3:4b"],
      },
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
      await chat.page.selectOption("#model-select", "gemma3:4b");
      await chat.page.locator("#attach-control").waitFor();
      await chat.page.setInputFiles("#attach-image", {
        name: "triangle.png",
        mimeType: "image/png",
        buffer: await triangle(chat.page),
      });
      await chat.page.locator(".attachment img").waitFor();
      chat.fake.options.reply = IMAGE_ANSWER;
      await sendMessage(chat.page, IMAGE_QUESTION);
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
