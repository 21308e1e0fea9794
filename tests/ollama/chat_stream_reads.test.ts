/**
 * How `/chat_api` reads Ollama's stream (`ollama/chat_stream.ts`): the answer byte for byte however
 * Ollama's writes are cut, each line written as it arrives, one error line on every kind of
 * failure, and the client leaving stops Ollama. Through the gateway, so Ollama's body is a real
 * `fetch` body; plus a stream built in JavaScript, which is read another way.
 *
 * @module
 */

import { assert, assertEquals, assertMatch, fail } from "@std/assert";
import { chatLines } from "../../ollama/chat_stream.ts";
import { defaultReply, type Scenario, startFakeOllama } from "../../testing/fake_ollama/mod.ts";
import { readNdjson, startGateway } from "../../testing/gateway.ts";
import { NO_READ_AHEAD } from "../../server/line_relay.ts";

/** The relayed answer to `upstream`, as the stream the client reads. */
const chatStream = (...args: Parameters<typeof chatLines>) =>
  new ReadableStream(chatLines(...args), NO_READ_AHEAD);

const PROMPT = "Hi there";

/** Runs `test` with a fake Ollama in `scenario` (and `reply`) and a gateway in front of it. */
async function withGateway(
  options: { scenario?: Scenario; reply?: string },
  test: (ask: () => Promise<Response>, fake: ReturnType<typeof startFakeOllama>) => Promise<void>,
) {
  const fake = startFakeOllama(options);
  const gateway = startGateway(fake.url);
  const ask = () =>
    fetch(`${gateway.url}/chat_api`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ prompt: PROMPT, think: false }),
    });
  try {
    await test(ask, fake);
  } finally {
    await gateway.close();
    await fake.close();
  }
}

const answerOf = (lines: Record<string, unknown>[]) =>
  lines.map((line) => line.response ?? "").join("");

Deno.test("the answer arrives byte for byte when Ollama's writes split characters", async () => {
  await withGateway({ scenario: "split-bytes" }, async (ask) => {
    const lines = await readNdjson(await ask());
    assertEquals(answerOf(lines), defaultReply(PROMPT));
    assertEquals(lines.at(-1)?.done, true);
  });
});

Deno.test("a line longer than one read from Ollama arrives whole", async () => {
  const reply = "é".repeat(20_000) + " end"; // One 40 kB token, then another.
  await withGateway({ reply }, async (ask) => {
    const lines = await readNdjson(await ask());
    assertEquals(answerOf(lines), reply);
    assertEquals(lines.length, 3);
  });
});

Deno.test("each line is written as soon as Ollama sends it", async () => {
  await withGateway({ scenario: "hold-last-token" }, async (ask, fake) => {
    const reader = (await ask()).body!.pipeThrough(new TextDecoderStream()).getReader();
    // Lines held back would leave this test waiting forever: give up after a generous while
    // (and let the fake finish, so it can close).
    const giveUp = setTimeout(() => {
      fake.releaseLastToken();
      reader.cancel();
    }, 10_000);
    const tokens = defaultReply(PROMPT).match(/\s*\S+|\s+/g)!;
    let received = "";
    while (received.split("\n").length - 1 < tokens.length - 1) {
      const chunk = await reader.read();
      if (chunk.done) fail(`only these lines arrived before the last token:\n${received}`);
      received += chunk.value;
    }
    clearTimeout(giveUp);
    assert(!received.includes(JSON.stringify(tokens.at(-1))), "the held token came early");
    fake.releaseLastToken();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      received += chunk.value;
    }
    const lines = received.trim().split("\n").map((line) => JSON.parse(line));
    assertEquals(answerOf(lines), defaultReply(PROMPT));
  });
});

for (
  const [scenario, error] of [
    ["error-mid-stream", /^Ollama: llama runner process has terminated/],
    ["drop-mid-stream", /^Lost the connection to Ollama/],
    ["malformed-line", /^Ollama sent a line that is not JSON/],
    ["end-without-done", /^Ollama ended the answer before it was complete/],
  ] as const
) {
  Deno.test(`${scenario}: the partial answer ends with one error line`, async () => {
    await withGateway({ scenario }, async (ask) => {
      const lines = await readNdjson(await ask());
      assertMatch(String(lines.at(-1)?.error), error);
      assert(lines.slice(0, -1).every((line) => "response" in line), JSON.stringify(lines));
      assert(lines.length >= 2);
    });
  });
}

Deno.test("the client going away mid-answer stops Ollama", async () => {
  await withGateway({ scenario: "hang-mid-stream" }, async (ask, fake) => {
    const body = (await ask()).body!;
    const reader = body.getReader();
    await reader.read();
    await reader.cancel();
    assertEquals(await fake.nextDisconnect(), "/api/chat");
  });
});

Deno.test("a stream built in JavaScript (not a byte stream) is read too", async () => {
  const encoder = new TextEncoder();
  const ollamaLines = [
    '{"message":{"role":"assistant","content":"Hel"},"done":false}\n{"message":{"role":',
    '"assistant","content":"lo"},"done":false}\n',
    '{"message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}\n',
  ];
  const upstream = ReadableStream.from(ollamaLines.map((text) => encoder.encode(text)));
  const lines = await readNdjson(new Response(chatStream(upstream)));
  assertEquals(lines.slice(0, 2), [{ response: "Hel" }, { response: "lo" }]);
  assertEquals(lines[2].done, true);
});
