/**
 * The chat page's browser modules that need no DOM, tested directly in Deno: the NDJSON stream
 * parser, the inline `<think>` splitter and the markdown block tracker, each fed text cut at every
 * possible place.
 */

import { assert, assertEquals, assertRejects } from "@std/assert";
import { createBlockTracker } from "../../static/markdown_blocks.js";
import { ndjsonObjects } from "../../static/ndjson.js";
import { createThinkSplitter } from "../../static/think.js";

/** A byte stream delivering `chunks` one read at a time. */
function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(chunks);
}

async function collect(body: ReadableStream<Uint8Array>) {
  const objects = [];
  for await (const object of ndjsonObjects(body)) objects.push(object);
  return objects;
}

const LINES = [
  { response: "Grüße " },
  { thinking: "日本語 👋" },
  { response: "done" },
  { done: true, model: "qwen3:4b", eval_count: 3, eval_duration: 1_000_000 },
];

Deno.test("ndjsonObjects: the same objects wherever the bytes are cut, even inside a character", async () => {
  const bytes = new TextEncoder().encode(
    LINES.map((line) => JSON.stringify(line)).join("\n") + "\n",
  );
  for (let cut = 1; cut < bytes.length; cut++) {
    const chunks = [bytes.subarray(0, cut), bytes.subarray(cut)];
    assertEquals(await collect(streamOf(chunks)), LINES, `cut at byte ${cut}`);
  }
  const oneByteEach = [...bytes].map((byte) => Uint8Array.of(byte));
  assertEquals(await collect(streamOf(oneByteEach)), LINES);
});

Deno.test("ndjsonObjects: a last line without newline counts, blank lines do not", async () => {
  const text = '\n{"response":"a"}\n\n  \n{"done":true}';
  assertEquals(await collect(streamOf([new TextEncoder().encode(text)])), [
    { response: "a" },
    { done: true },
  ]);
});

Deno.test("ndjsonObjects: a line that is not JSON is an error that says so", async () => {
  const body = streamOf([new TextEncoder().encode('{"response":"a"}\n<html>oops\n')]);
  await assertRejects(
    () => collect(body),
    Error,
    "The server sent a line that is not JSON: <html>oops",
  );
});

Deno.test("ndjsonObjects: stopping early cancels the body", async () => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"response":"a"}\n'));
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const _ of ndjsonObjects(body)) break;
  assertEquals(cancelled, true);
});

/** Feeds `text` to a fresh splitter in pieces cut at `cuts`, and joins what comes out. */
function splitAll(text: string, cuts: number[]) {
  const splitter = createThinkSplitter();
  let thinking = "";
  let answer = "";
  let start = 0;
  for (const end of [...cuts, text.length]) {
    const parts = splitter.split(text.slice(start, end));
    thinking += parts.thinking;
    answer += parts.answer;
    start = end;
  }
  const rest = splitter.flush();
  return { thinking: thinking + rest.thinking, answer: answer + rest.answer };
}

Deno.test("think splitter: <think>…</think> is separated wherever the text is cut", () => {
  const text = "\n<think>Let me see: 2 < 3.\nYes.</think>\n\nThe answer is **yes**.";
  for (let first = 0; first <= text.length; first++) {
    for (let second = first; second <= text.length; second += 3) {
      assertEquals(
        splitAll(text, [first, second]),
        { thinking: "Let me see: 2 < 3.\nYes.", answer: "The answer is **yes**." },
        `cut at ${first} and ${second}`,
      );
    }
  }
});

Deno.test("think splitter: text without a leading <think> is all answer, tags included", () => {
  for (
    const text of ["Plain answer.", "Use <think> tags like <think>this</think>.", "<thin", "  <b>"]
  ) {
    for (let cut = 0; cut <= text.length; cut++) {
      assertEquals(
        splitAll(text, [cut]),
        { thinking: "", answer: text },
        `"${text}" at ${cut}`,
      );
    }
  }
});

Deno.test("think splitter: an unfinished thought stays thinking", () => {
  assertEquals(splitAll("<think>Still going </thi", [9]), {
    thinking: "Still going </thi",
    answer: "",
  });
});

/** The settled length after feeding `text` to a fresh tracker one character at a time. */
function settledGrowing(text: string) {
  const settledEnd = createBlockTracker();
  let settled = 0;
  for (let end = 1; end <= text.length; end++) {
    const next = settledEnd(text.slice(0, end));
    assert(next >= settled, "the settled part only grows");
    settled = next;
  }
  return settled;
}

Deno.test("block tracker: blocks settle at a blank line followed by a new block", () => {
  const text = "# Title\n\nA paragraph\nstill it.\n\n- a list\n";
  assertEquals(settledGrowing(text), text.indexOf("- a list"));
  assertEquals(settledGrowing("One paragraph\nthat goes on\n"), 0);
});

Deno.test("block tracker: nothing settles inside a code fence, even across blank lines", () => {
  const fenced = "Intro\n\n```py\nx = 1\n\n\ny = 2\n";
  assertEquals(settledGrowing(fenced), fenced.indexOf("```"));
  const closed = fenced + "```\nAfter the code\n";
  assertEquals(settledGrowing(closed), closed.indexOf("After the code"));
  const tildes = "~~~~\n```\n\nnot closed by backticks\n";
  assertEquals(settledGrowing(tildes), 0);
});

Deno.test("block tracker: an indented line after a blank may belong to the list above", () => {
  const text = "1. first\n\n   more of the first\n\n2. second\n";
  assertEquals(settledGrowing(text), text.indexOf("2. second"));
});
