import { assertEquals, assertMatch } from "@std/assert";
import { chatLines, type DoneStats } from "../../ollama/chat_stream.ts";
import { answerText, parseNdjson } from "../../testing/gateway.ts";
import { NO_READ_AHEAD } from "../../server/line_relay.ts";

/** The relayed answer to `upstream`, as the stream the client reads. */
const chatStream = (...args: Parameters<typeof chatLines>) =>
  new ReadableStream(chatLines(...args), NO_READ_AHEAD);

const encoder = new TextEncoder();

/** Ollama `/api/chat` lines for `thinking` then `answer` tokens, then the final stats line. */
function ollamaLines(answer: string[], thinking: string[] = []): string {
  const line = (message: Record<string, string>) =>
    JSON.stringify({ model: "qwen3:4b", created_at: "t", message, done: false }) + "\n";
  return [
    ...thinking.map((text) => line({ role: "assistant", content: "", thinking: text })),
    ...answer.map((text) => line({ role: "assistant", content: text })),
    JSON.stringify({
      model: "qwen3:4b",
      created_at: "t",
      message: { role: "assistant", content: "" },
      done: true,
      done_reason: "stop",
      total_duration: 10,
      load_duration: 1,
      prompt_eval_count: 2,
      prompt_eval_duration: 3,
      eval_count: answer.length,
      eval_duration: 4,
    }) + "\n",
  ].join("");
}

/** A body that delivers `chunks` one by one, then ends (or fails with `failWith`). */
function body(chunks: (string | Uint8Array)[], failWith?: Error) {
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks.shift();
      if (chunk !== undefined) {
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      } else if (failWith) controller.error(failWith);
      else controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

/** Every output chunk as text. */
async function readChunks(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(decoder.decode(chunk));
  return chunks;
}

const ANSWER = ["Hel", "lo, ", "wörld ", "👋", " 日本", "語\n", '"quoted" \\ ', "\u2028end"];

Deno.test("chatLines: normalizes Ollama's lines to response, thinking and done", async () => {
  const { stream } = body([ollamaLines(["Hi", " there"], ["Let me", " think"])]);
  const lines = parseNdjson((await readChunks(chatStream(stream))).join(""));
  assertEquals(lines, [
    { thinking: "Let me" },
    { thinking: " think" },
    { response: "Hi" },
    { response: " there" },
    {
      done: true,
      model: "qwen3:4b",
      done_reason: "stop",
      total_duration: 10,
      load_duration: 1,
      prompt_eval_count: 2,
      prompt_eval_duration: 3,
      eval_count: 2,
      eval_duration: 4,
    },
  ]);
});

Deno.test("chatLines: text is byte-exact however the bytes are split, multi-byte included", async () => {
  const bytes = encoder.encode(ollamaLines(ANSWER, ["thought ✓"]));
  for (const size of [1, 2, 3, 5, 7, 64, bytes.length]) {
    const pieces = [];
    for (let start = 0; start < bytes.length; start += size) {
      pieces.push(bytes.slice(start, start + size));
    }
    const lines = parseNdjson((await readChunks(chatStream(body(pieces).stream))).join(""));
    const text = answerText(lines);
    assertEquals(text, ANSWER.join(""), `split every ${size} bytes`);
    assertEquals(
      lines.filter((line) => "thinking" in line).map((l) => l.thinking).join(""),
      "thought ✓",
    );
    assertEquals(lines.at(-1)?.done, true);
  }
});

Deno.test("chatLines: writes each upstream chunk's complete lines as one output chunk", async () => {
  const [first, second, third, ...rest] = ollamaLines(["a", "b", "c", "d"]).split(/(?<=\n)/);
  const chunks = await readChunks(
    chatStream(body([first + second + third.slice(0, 5), third.slice(5), rest.join("")]).stream),
  );
  assertEquals(chunks.map(parseNdjson), [
    [{ response: "a" }, { response: "b" }],
    [{ response: "c" }],
    [{ response: "d" }, parseNdjson(chunks[2])[1]],
  ]);
  assertEquals(parseNdjson(chunks[2])[1].done, true);
});

Deno.test("chatLines: Ollama's error line becomes the last line and stops the upstream", async () => {
  const { stream, cancelled } = body([
    ollamaLines(["a", "b"]).split("\n")[0] + "\n",
    '{"error":"llama runner process has terminated: exit status 2"}\n',
    ollamaLines(["never"]),
  ]);
  const lines = parseNdjson((await readChunks(chatStream(stream))).join(""));
  assertEquals(lines, [
    { response: "a" },
    {
      error: "Ollama: llama runner process has terminated: exit status 2 (the model crashed " +
        "while loading or answering: try again, or choose a smaller model)",
    },
  ]);
  assertEquals(cancelled(), true);
});

Deno.test("chatLines: a line that is not JSON ends the stream with an error line", async () => {
  const lines = parseNdjson(
    (await readChunks(chatStream(body(['{"message":{"content":"a"}}\n{"model":\n']).stream)))
      .join(""),
  );
  assertEquals(lines[0].response, "a");
  assertMatch(String(lines[1].error), /not JSON/);
  assertEquals(lines.length, 2);
});

Deno.test("chatLines: an end without the done line is reported as incomplete", async () => {
  const partial = ollamaLines(["a", "b"]).split("\n").slice(0, 2).join("\n") + "\n";
  const lines = parseNdjson((await readChunks(chatStream(body([partial]).stream))).join(""));
  assertEquals(lines.slice(0, 2), [{ response: "a" }, { response: "b" }]);
  assertMatch(String(lines[2].error), /before it was complete/);
});

Deno.test("chatLines: a lost connection keeps the partial answer and ends with an error line", async () => {
  const first = ollamaLines(["a"]).split("\n")[0] + "\n";
  const lines = parseNdjson(
    (await readChunks(chatStream(body([first], new Error("connection reset")).stream))).join(""),
  );
  assertEquals(lines[0], { response: "a" });
  assertMatch(String(lines[1].error), /Lost the connection to Ollama/);
  assertEquals(lines.length, 2);
});

Deno.test("chatLines: cancelling the output cancels the upstream", async () => {
  const { stream, cancelled } = body([ollamaLines(["a"]).split("\n")[0] + "\n", "", "", ""]);
  const reader = chatStream(stream).getReader();
  await reader.read();
  await reader.cancel();
  // The cancellation travels through the pipe asynchronously.
  for (let i = 0; i < 10 && !cancelled(); i++) await new Promise((r) => setTimeout(r, 0));
  assertEquals(cancelled(), true);
});

Deno.test("chatLines: onDone receives the final stats once", async () => {
  const seen: DoneStats[] = [];
  await readChunks(
    chatStream(body([ollamaLines(["x", "y", "z"])]).stream, { onDone: (s) => seen.push(s) }),
  );
  assertEquals(seen.length, 1);
  assertEquals(seen[0].eval_count, 3);
});

/** An Ollama that sends answer lines as fast as they are taken, without end; says if cancelled. */
function endlessOllama() {
  const state = { cancelled: false };
  const line = JSON.stringify({ message: { role: "assistant", content: "word " }, done: false });
  const stream = new ReadableStream<Uint8Array>({
    pull: (controller) => controller.enqueue(encoder.encode(line + "\n")),
    cancel: () => {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

Deno.test("chatLines: a client that reads nothing is named, and Ollama is cancelled", async () => {
  const ollama = endlessOllama();
  const answer = chatStream(ollama.stream, { idleTimeoutMs: 200 });
  // Nobody reads: the lines back up until the idle check ends the answer.
  await waitUntil(() => ollama.state.cancelled);
  const lines = parseNdjson(await new Response(answer).text());
  assertMatch(String(lines.at(-1)?.error), /^The client read nothing for 0\.2 s/);
});

Deno.test("chatLines: an Ollama that sends nothing is named", async () => {
  let cancelled = false;
  const silent = new ReadableStream<Uint8Array>({
    cancel: () => {
      cancelled = true;
    },
  });
  const lines = parseNdjson(
    await new Response(chatStream(silent, { idleTimeoutMs: 200 })).text(),
  );
  assertMatch(String(lines.at(-1)?.error), /^Ollama sent nothing for 0\.2 s/);
  assertEquals(cancelled, true);
});

/** Resolves once `condition()` holds, checking every few milliseconds. */
async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
