/**
 * How much main-thread time the chat page spends showing a long streamed answer: the fake Ollama
 * streams a markdown answer of about 50 KB (prose, lists and code; some 8,000 tokens about a
 * millisecond apart) to the real page in the page tests' Chromium (`testing/find_browser.ts`),
 * and Chrome's own counters (`Performance.getMetrics`) give the script, layout, style and all task
 * time from Enter to the finished answer. Run with `deno task bench:page`.
 *
 * @module
 */

import { openChatPage, sendMessage, waitForAnswer } from "../testing/browser.ts";

const SECTION = [
  "## Step {n}",
  "",
  "Some *emphasis*, **strong** words, `inline code` and a [link](https://example.com/{n}).",
  "",
  "- first point of step {n}",
  "- second point, a little longer than the first one",
  "",
  "```ts",
  "for (let i = 0; i < {n}; i++) console.log(`line ${i}`);",
  "```",
  "",
].join("\n");
const ANSWER = Array.from({ length: 200 }, (_, n) => SECTION.replaceAll("{n}", String(n))).join(
  "\n",
);

const chat = await openChatPage({ fake: { reply: ANSWER, thinking: "", tokenDelayMs: 1 } });
try {
  chat.page.setDefaultTimeout(120_000);
  const cdp = await chat.context.newCDPSession(chat.page);
  await cdp.send("Performance.enable");
  const METRICS = ["ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "TaskDuration"];
  const metrics = async () => {
    const { metrics } = await cdp.send("Performance.getMetrics");
    return METRICS.map((name) => metrics.find((metric) => metric.name === name)!.value);
  };
  const before = await metrics();
  const started = performance.now();
  await sendMessage(chat.page, "a long one");
  await waitForAnswer(chat.page);
  const wall = performance.now() - started;
  const after = await metrics();
  const ms = (index: number) => Math.round((after[index] - before[index]) * 1000);
  const tokens = ANSWER.match(/\s*\S+|\s+/g)!.length;
  console.log(
    `${ANSWER.length} characters, ${tokens} tokens in ${Math.round(wall)} ms: main thread ` +
      `script ${ms(0)} ms, layout ${ms(1)} ms, style ${ms(2)} ms, all tasks ${ms(3)} ms`,
  );
} finally {
  await chat.close();
}
