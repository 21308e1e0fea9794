/**
 * How fast the chat page is, in Debian's Chromium against the fake Ollama. Two cases:
 *
 * - A long streamed answer: the fake streams a markdown answer of about 50 KB (prose, lists and
 *   code; some 8,000 tokens about a millisecond apart), and Chrome's own counters
 *   (`Performance.getMetrics`) give the script, layout, style and all task time from Enter to the
 *   finished answer.
 * - A long history: 200 stored conversations of 30 turns each; the time from the start of the
 *   page's script (its `page-script-start` mark) to the list shown (`conversation-list-shown`),
 *   and from a click on a conversation to its newest messages shown (`conversation-shown`) and
 *   to the frame that paints them (older messages are drawn in the task after).
 *
 * Run with `deno task bench:page`.
 *
 * @module
 */

import { openChatPage, sendMessage, waitForAnswer } from "../testing/browser.ts";
import { SAMPLE_ANSWER, SAMPLE_PROMPT, SAMPLE_THINKING } from "../testing/sample_answer.ts";

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

const CONVERSATIONS = 200;
const TURNS = 30;

const history = await openChatPage();
try {
  const { page } = history;
  // Stored as the page stores them, through its own store module.
  await page.evaluate(
    async ({ conversations, turns, question, answer, thinking }) => {
      const store = await import(new URL("static/store.js", location.href).href);
      const opened = await store.openStore({ onChange: () => {}, onProblem: () => {} });
      for (let n = 0; n < conversations; n++) {
        const conversation = store.newConversation();
        conversation.id = `bench-${n}`;
        conversation.title = store.shortTitle(`${n}: ${question}`);
        conversation.updatedAt = Date.now() - n * 60_000;
        for (let turn = 0; turn < turns / 2; turn++) {
          conversation.turns.push({ role: "user", content: `${question} (${turn})` });
          conversation.turns.push({
            role: "assistant",
            content: answer,
            thinking,
            thoughtSeconds: 2,
            status: "done",
            model: "qwen3:4b",
            stats: "412 tokens · 38.2 tokens/s · 11.3 s",
          });
        }
        await opened.save(conversation);
      }
    },
    {
      conversations: CONVERSATIONS,
      turns: TURNS,
      question: SAMPLE_PROMPT,
      answer: SAMPLE_ANSWER,
      thinking: SAMPLE_THINKING,
    },
  );
  const listShown: { fromScript: number; fromNavigation: number }[] = [];
  const opened: { shown: number; painted: number }[] = [];
  for (let run = 0; run < 5; run++) {
    await page.goto(page.url().split("#")[0]);
    await page.locator("#conversation-list .conversation").nth(CONVERSATIONS - 1).waitFor({
      state: "attached",
    });
    listShown.push(
      await page.evaluate(() => {
        const start = performance.getEntriesByName("page-script-start")[0];
        const shown = performance.getEntriesByName("conversation-list-shown")[0];
        return { fromScript: shown.startTime - start.startTime, fromNavigation: shown.startTime };
      }),
    );
    await page.locator(".message.bot").first().waitFor();
    opened.push(
      await page.evaluate((index) =>
        new Promise<{ shown: number; painted: number }>((resolve) => {
          const started = performance.now();
          new PerformanceObserver((entries, observer) => {
            const shown = entries.getEntriesByName("conversation-shown")[0];
            if (!shown) return;
            observer.disconnect();
            // The frame that shows it: its animation-frame callbacks run just before its paint.
            requestAnimationFrame(() =>
              resolve({ shown: shown.startTime - started, painted: performance.now() - started })
            );
          }).observe({ entryTypes: ["mark"] });
          (document.querySelectorAll(".open-conversation")[index] as HTMLElement).click();
        }), 10 + run),
    );
  }
  const median = (values: number[]) => values.toSorted((a, b) => a - b)[values.length >> 1];
  console.log(
    `${CONVERSATIONS} conversations of ${TURNS} turns (median of 5): list shown ` +
      `${Math.round(median(listShown.map((l) => l.fromScript)))} ms after the page script ` +
      `started (${Math.round(median(listShown.map((l) => l.fromNavigation)))} ms after ` +
      `navigation); a conversation opened in ${Math.round(median(opened.map((o) => o.shown)))} ` +
      `ms, in its first frame at ${Math.round(median(opened.map((o) => o.painted)))} ms`,
  );
} finally {
  await history.close();
}
