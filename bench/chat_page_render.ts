/**
 * How fast the chat page is, in the page tests' Chromium (`testing/find_browser.ts`) against the
 * fake Ollama. Three cases:
 *
 * - Two long streamed answers of about 50 KB (some 8,000 tokens about a millisecond apart): plain
 *   markdown (prose, lists and 200 small code blocks), and a rich one with 20 formulas (inline and
 *   display, in all four LaTeX delimiters) and 10 longer code blocks in ten languages. Chrome's own
 *   counters (`Performance.getMetrics`) give the script, layout, style and all task time from
 *   Enter to the finished answer, and that time per streamed token.
 * - A long history: 200 stored conversations of 30 turns each, every answer a little different;
 *   the time from the start of the page's script (its `page-script-start` mark) to the list in
 *   the page (`conversation-list-shown`) and to the frame that paints it, and from a click on a
 *   conversation to its newest messages in the page (`conversation-shown`) and to the frame that
 *   paints them (older messages are drawn after that frame). Each click waits until the page has
 *   drawn the whole conversation it opened on load, so no leftover work is timed.
 *
 * Run with `deno task bench:page`; `deno task bench:page --history` runs the long history only.
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

/** About 50 KB of plain markdown. */
const PLAIN = Array.from({ length: 200 }, (_, n) => SECTION.replaceAll("{n}", String(n))).join(
  "\n",
);

/** Ten languages, each with a line of code the rich answer repeats into a block. */
const LANGUAGES: [string, string][] = [
  ["ts", "const total{i} = items.filter((x) => x.ok).map((x) => x.price * {i}).reduce(add, 0);"],
  [
    "python",
    "def step_{i}(xs: list[int]) -> int:  # sum of squares\n    return sum(x * x for x in xs)",
  ],
  ["rust", 'fn step_{i}(v: &[u32]) -> u32 { v.iter().map(|x| x * {i}).sum() } // "sum"'],
  ["go", "func step{i}(xs []int) (n int) { for _, x := range xs { n += x * {i} }; return }"],
  ["bash", 'for f in *.log; do grep -c "error {i}" "$f" || echo "none in $f"; done'],
  ["json", '{ "step": {i}, "name": "item {i}", "tags": ["a", "b"], "ok": true, "ratio": 0.5 },'],
  ["sql", "SELECT id, SUM(amount) AS total FROM orders WHERE step = {i} GROUP BY id;"],
  ["c", "int step_{i}(const int *v, size_t n) { int s = 0; while (n--) s += *v++; return s; }"],
  [
    "java",
    "public static int step{i}(int[] xs) { return Arrays.stream(xs).map(x -> x * {i}).sum(); }",
  ],
  ["yaml", 'step_{i}:\n  name: "item {i}"\n  enabled: true\n  weights: [1, 2, 3]'],
];

/** Inline and display formulas, two per section, each of the four delimiters five times. */
const INLINE = [
  String.raw`\(E = mc^2 + \sum_{k=1}^{n} a_k x^k\)`,
  String.raw`$\alpha_{n+1} = \frac{\alpha_n}{2}$`,
];
const DISPLAY = [
  String
    .raw`\[\int_0^\infty e^{-x^2}\,\mathrm{d}x = \frac{\sqrt{\pi}}{2}, \quad \|v\|_2 = \sqrt{\sum_i v_i^2}\]`,
  String
    .raw`$$\begin{pmatrix} a & b \\ c & d \end{pmatrix}^{-1} = \frac{1}{ad - bc}\begin{pmatrix} d & -b \\ -c & a \end{pmatrix}$$`,
];

const PROSE = "This paragraph explains step {n} in plain words, with a few *emphasised* terms, a " +
  "**strong** one and some `inline code`, as a model writes when it walks through a derivation " +
  "and the code that follows from it; it costs $5 and $10 to run, prices stay text. ";

/** One rich section: prose, two formulas, a list and one longer code block. */
function richSection(n: number): string {
  const [language, line] = LANGUAGES[n % LANGUAGES.length];
  const code = Array.from({ length: 22 }, (_, i) => line.replaceAll("{i}", String(i))).join("\n");
  const prose = PROSE.replaceAll("{n}", String(n));
  return [
    `## Part ${n}`,
    "",
    prose.repeat(4) + `So ${INLINE[n % 2]} holds for step ${n}.`,
    "",
    prose.repeat(3),
    "",
    DISPLAY[n % 2],
    "",
    "- first point, with a [link](https://example.com/" + n + ")",
    "- second point, a little longer than the first one",
    "",
    prose.repeat(3),
    "",
    "```" + language,
    code,
    "```",
    "",
    prose.repeat(2),
    "",
  ].join("\n");
}

/** About 50 KB: 10 sections, 20 formulas, 10 code blocks. */
const RICH = Array.from({ length: 10 }, (_, n) => richSection(n)).join("\n");

/** Streams `answer` to a fresh page and prints the main-thread time it cost. */
async function measure(name: string, answer: string): Promise<void> {
  const chat = await openChatPage({ fake: { reply: answer, thinking: "", tokenDelayMs: 1 } });
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
    const tokens = answer.match(/\s*\S+|\s+/g)!.length;
    const perToken = (ms: number) => (ms * 1000 / tokens).toFixed(0);
    console.log(
      `${name}: ${answer.length} characters, ${tokens} tokens in ${Math.round(wall)} ms: main ` +
        `thread script ${ms(0)} ms, layout ${ms(1)} ms, style ${ms(2)} ms, all tasks ${ms(3)} ms ` +
        `; per token: script, layout and style ${perToken(ms(0) + ms(1) + ms(2))} µs, all tasks ` +
        `${perToken(ms(3))} µs`,
    );
  } finally {
    await chat.close();
  }
}

if (!Deno.args.includes("--history")) {
  await measure("plain", PLAIN);
  await measure("maths and code", RICH);
}

const CONVERSATIONS = 200;
const TURNS = 30;

/**
 * In the page: once children are added to the element `selector` names, the time (since `from`)
 * at which the frame that shows them has been painted. A user-blocking task posted from that
 * frame's animation-frame callbacks runs right after its paint, before the page's own later tasks
 * (such as a conversation's older messages, drawn after that frame).
 */
function paintedAfterChange(selector: string, from: number): Promise<number> {
  return new Promise((resolve) => {
    const observer = new MutationObserver((records) => {
      const changed = records.some((record) =>
        record.addedNodes.length > 0 && (record.target as Element).matches?.(selector)
      );
      if (!changed) return;
      observer.disconnect();
      requestAnimationFrame(() =>
        // @ts-ignore: `scheduler` is not in Deno's DOM types.
        scheduler.postTask(() => resolve(performance.now() - from), { priority: "user-blocking" })
      );
    });
    observer.observe(document, { childList: true, subtree: true });
  });
}

const history = await openChatPage();
try {
  const { page } = history;
  // Stored as the page stores them, through its own store module; each answer differs a little
  // (as real ones do), so no cache of the page's can serve one from another.
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
          const mark = `${n}.${turn}`;
          conversation.turns.push({ role: "user", content: `${question} (${mark})` });
          conversation.turns.push({
            role: "assistant",
            content: answer.replaceAll("Hello from", `Hello ${mark} from`) + ` (${mark})`,
            thinking: `${thinking} (${mark})`,
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
  // In each load: the helper, and the mark of the paint of the filled list.
  await page.addInitScript(`globalThis.paintedAfterChange = ${paintedAfterChange};
    globalThis.listPainted = paintedAfterChange("#conversation-list", 0)
      .then((at) => performance.mark("bench-list-painted", { startTime: at }));`);
  const listShown: { fromScript: number; painted: number; fromNavigation: number }[] = [];
  const opened: { shown: number; painted: number }[] = [];
  for (let run = 0; run < 5; run++) {
    await page.goto(page.url().split("#")[0]);
    // Waits in the page, without playwright's selector engine (set up in each new page, it would
    // take the main thread while the list is being painted), until the list is painted and the
    // conversation opened on load is drawn whole, older messages too.
    await page.evaluate(async (turns) => {
      await Reflect.get(globalThis, "listPainted");
      while (document.querySelectorAll("#chat-window .message").length !== turns) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }, TURNS);
    listShown.push(
      await page.evaluate(() => {
        const start = performance.getEntriesByName("page-script-start")[0].startTime;
        const shown = performance.getEntriesByName("conversation-list-shown")[0].startTime;
        const painted = performance.getEntriesByName("bench-list-painted")[0].startTime;
        if (document.querySelectorAll("#conversation-list .conversation").length !== 200) {
          throw new Error("the list is not whole");
        }
        return { fromScript: shown - start, painted: painted - start, fromNavigation: shown };
      }),
    );
    opened.push(
      await page.evaluate(
        async (index) => {
          const started = performance.now();
          const frame: Promise<number> = Reflect.get(globalThis, "paintedAfterChange")(
            "#chat-window",
            started,
          );
          (document.querySelectorAll(".open-conversation")[index] as HTMLElement).click();
          const paintedAt = await frame;
          const shown = performance.getEntriesByName("conversation-shown").at(-1)!.startTime;
          return { shown: shown - started, painted: paintedAt };
        },
        10 + run,
      ),
    );
  }
  const median = (values: number[]) =>
    Math.round(values.toSorted((a, b) => a - b)[values.length >> 1]);
  const range = (values: number[]) =>
    `${median(values)} ms (${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))})`;
  console.log(
    `${CONVERSATIONS} conversations of ${TURNS} turns, median of 5 (range): list shown ` +
      `${range(listShown.map((l) => l.fromScript))} after the page script started, painted ` +
      `${range(listShown.map((l) => l.painted))} (shown ${
        median(listShown.map((l) => l.fromNavigation))
      } ms after navigation); a conversation's newest messages shown ` +
      `${range(opened.map((o) => o.shown))} after the click, painted ` +
      `${range(opened.map((o) => o.painted))}`,
  );
} finally {
  await history.close();
}
