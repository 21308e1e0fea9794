/**
 * `openai/chat_stream.ts`: an OpenAI-compatible engine's server-sent events become the gateway's
 * NDJSON lines, however the bytes are cut, and every way the stream can break ends with one error
 * line.
 *
 * @module
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { engineLines } from "../../openai/chat_stream.ts";
import type { DoneStats } from "../../server/line_relay.ts";
import { answerText, parseNdjson } from "../../testing/gateway.ts";
import { NO_READ_AHEAD } from "../../server/line_relay.ts";

/** The relayed answer to `upstream`, as the stream the client reads. */
const engineStream = (...args: Parameters<typeof engineLines>) =>
  new ReadableStream(engineLines(...args), NO_READ_AHEAD);

const encoder = new TextEncoder();

const ANSWER = ["Hel", "lo, ", "wörld ", "👋", " 日本", "語\n", '"quoted" \\ ', "\u2028end"];
const THINKING = ["Let me ", "think ✓"];

/** One `data:` event of a chat completion chunk with `delta` and `finish`. */
function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  const choices = [{ index: 0, delta, logprobs: null, finish_reason: finish }];
  return `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices })}\n\n`;
}

const USAGE = `data: ${
  JSON.stringify({ id: "c", choices: [], usage: { prompt_tokens: 7, completion_tokens: 10 } })
}\n\n`;

/** vLLM's stream: role chunk, reasoning, answer, finish chunk, usage-only chunk, `[DONE]`. */
function vllmEvents(
  { finish = "stop", field = "reasoning_content" }: { finish?: string; field?: string } = {},
): string {
  return [
    chunk({ role: "assistant", content: "" }),
    ...THINKING.map((text) => chunk({ [field]: text })),
    ...ANSWER.map((text) => chunk({ content: text })),
    chunk({}, finish),
    USAGE,
    "data: [DONE]\n\n",
  ].join("");
}

/** A body that delivers `chunks` one by one, then ends (or fails with `failWith`). */
function body(chunks: (string | Uint8Array)[], failWith?: Error) {
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next !== undefined) {
        controller.enqueue(typeof next === "string" ? encoder.encode(next) : next);
      } else if (failWith) controller.error(failWith);
      else controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

async function linesOf(stream: ReadableStream<Uint8Array>) {
  return parseNdjson(await new Response(stream).text());
}

const convert = (chunks: (string | Uint8Array)[], failWith?: Error) =>
  linesOf(engineStream(body(chunks, failWith).stream, { model: "m" }));

Deno.test("engineLines: reasoning, content and the done line with usage and measured durations", async () => {
  const lines = await convert([vllmEvents()]);
  assertEquals(lines.slice(0, 2), THINKING.map((thinking) => ({ thinking })));
  assertEquals(lines.slice(2, -1), ANSWER.map((response) => ({ response })));
  const done = lines.at(-1)!;
  assertEquals(
    { ...done, total_duration: 0, eval_duration: 0 },
    {
      done: true,
      model: "m",
      done_reason: "stop",
      total_duration: 0,
      prompt_eval_count: 7,
      eval_count: 10,
      eval_duration: 0,
    },
  );
  for (const duration of ["total_duration", "eval_duration"]) {
    assert(Number.isInteger(done[duration]) && Number(done[duration]) >= 0, duration);
  }
  assert(Number(done.total_duration) >= Number(done.eval_duration));
});

Deno.test("engineLines: delta.reasoning (vLLM since 0.10, Ollama's /v1) is thinking too", async () => {
  const lines = await convert([vllmEvents({ field: "reasoning" })]);
  assertEquals(lines.slice(0, 2), THINKING.map((thinking) => ({ thinking })));
});

Deno.test("engineLines: the same lines however the bytes are cut, multi-byte characters included", async () => {
  const bytes = encoder.encode(vllmEvents());
  const whole = (await convert([bytes])).slice(0, -1);
  for (const size of [1, 2, 3, 5, 7, 64]) {
    const pieces = [];
    for (let start = 0; start < bytes.length; start += size) {
      pieces.push(bytes.slice(start, start + size));
    }
    const lines = await convert(pieces);
    assertEquals(lines.slice(0, -1), whole, `cut every ${size} bytes`);
    assertEquals(answerText(lines), ANSWER.join(""));
    assertEquals(lines.at(-1)?.done, true);
  }
});

Deno.test("engineLines: SSE framing: CRLF, comments, other fields, data split over lines", async () => {
  const event = JSON.stringify({ choices: [{ index: 0, delta: { content: "a\nb" } }] });
  const [first, second] = [event.slice(0, 20), event.slice(20)];
  const lines = await convert([
    ": keep-alive comment\r\n\r\n",
    `event: message\r\nid: 1\r\ndata:${first}\r\ndata:${second}\r\n\r\n`,
    chunk({}, "stop").replaceAll("\n", "\r\n"),
    "data: [DONE]\r\n\r\n",
  ]);
  // Two data lines join with a newline, which JSON.parse reads as whitespace here.
  assertEquals(lines[0], { response: "a\nb" });
  assertEquals(lines[1].done_reason, "stop");
  assertEquals(lines.length, 2);
});

Deno.test("engineLines: finish_reason length becomes done_reason length", async () => {
  assertEquals((await convert([vllmEvents({ finish: "length" })])).at(-1)?.done_reason, "length");
});

Deno.test("engineLines: an engine that sends no usage still ends with a done line", async () => {
  const lines = await convert([chunk({ content: "a" }), chunk({}, "stop"), "data: [DONE]\n\n"]);
  assertEquals(lines.at(-1)?.done, true);
  assertEquals("eval_count" in lines.at(-1)!, false);
});

/** The stream up to its third answer token, where the faults below begin. */
const START = chunk({ role: "assistant", content: "" }) + chunk({ content: "a" }) +
  chunk({ content: "b" });

const BROKEN: [string, string[], RegExp][] = [
  ["no [DONE]", [START, chunk({}, "stop"), USAGE], /ended the answer before it was complete/],
  ["[DONE] without a finish_reason", [START, USAGE, "data: [DONE]\n\n"], /without a finish_reason/],
  [
    "a last event without its blank line",
    [START, chunk({}, "stop"), "data: [DONE]\n"],
    /before it was complete/,
  ],
  [
    "vLLM's error event, flat (before 0.10)",
    [
      START,
      'data: {"error": {"object": "error", "message": "Internal server error", "type": "InternalServerError", "param": null, "code": 500}}\n\n',
      "data: [DONE]\n\n",
    ],
    /^The engine: Internal server error$/,
  ],
  [
    "vLLM's error event, nested (since 0.10)",
    [
      START,
      'data: {"error": {"message": "Internal server error", "type": "InternalServerError", "param": null, "code": 500}}\n\n',
      "data: [DONE]\n\n",
    ],
    /^The engine: Internal server error$/,
  ],
  ["TGI's error event", [
    START,
    'data: {"error":"Request failed during generation","error_type":"generation"}\n\n',
  ], /^The engine: Request failed during generation$/],
  ["Ollama's /v1 error, a bare JSON line", [
    START,
    '{"error":{"message":"model runner crashed","type":"api_error"}}\n',
  ], /^The engine: model runner crashed$/],
  ["an event that is not JSON", [START, "data: {oops\n\n"], /not JSON: \{oops/],
  [
    "finish_reason abort (SGLang)",
    [START, chunk({}, "abort"), "data: [DONE]\n\n"],
    /finish_reason "abort"/,
  ],
];

for (const [what, chunks, message] of BROKEN) {
  Deno.test(`engineLines: ${what} ends with an error line after the partial answer`, async () => {
    const remaining = [...chunks];
    const { stream, cancelled } = body(remaining);
    const lines = await linesOf(engineStream(stream, { model: "m" }));
    assertEquals(lines.slice(0, 2), [{ response: "a" }, { response: "b" }]);
    assertMatch(String(lines.at(-1)?.error), message);
    assertEquals(lines.length, 3, "nothing after the error line");
    assert(cancelled() || remaining.length === 0, "the engine is not read any further");
  });
}

Deno.test("engineLines: a lost connection keeps the partial answer and ends with an error line", async () => {
  const lines = await convert([START], new Error("connection reset"));
  assertEquals(lines.slice(0, 2), [{ response: "a" }, { response: "b" }]);
  assertMatch(String(lines[2].error), /Lost the connection to the engine/);
});

Deno.test("engineLines: cancelling the output cancels the engine's body", async () => {
  const { stream, cancelled } = body([START, START]);
  const reader = engineStream(stream, { model: "m" }).getReader();
  await reader.read();
  await reader.cancel();
  assertEquals(cancelled(), true);
});

Deno.test("engineLines: onDone gets the stats once; onError is not called", async () => {
  const seen: DoneStats[] = [];
  let errors = 0;
  await linesOf(engineStream(body([vllmEvents()]).stream, {
    model: "m",
    onDone: (stats) => seen.push(stats),
    onError: () => errors++,
  }));
  assertEquals(seen.length, 1);
  assertEquals(seen[0].eval_count, 10);
  assertEquals(errors, 0);
});
