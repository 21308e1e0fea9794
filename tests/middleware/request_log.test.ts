/** The request log: its line per request, LOG_LEVEL, and a scan for secrets and chat text. */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { defaultReply, startFakeOllama, tokenize } from "../../testing/fake_ollama/mod.ts";
import {
  captureConsole,
  postChat,
  readNdjson,
  startGateway,
  waitFor,
} from "../../testing/gateway.ts";

const TIME = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

Deno.test("one line per request: time, level, method, path, status, duration, model, tokens", async () => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url, { logLevel: "info" });
  try {
    const lines = await captureConsole(async (lines) => {
      await readNdjson(await postChat(gateway, { prompt: "hi", model: "llama3.2:1b" }));
      await (await fetch(`${gateway.url}/nope?token=secret`)).body?.cancel();
      fake.options.scenario = "status-500";
      await (await postChat(gateway, { prompt: "hi" })).body?.cancel();
      fake.options.scenario = "error-mid-stream";
      await readNdjson(await postChat(gateway, { prompt: "hi" }));
      await waitFor(() => lines.length >= 4, "four log lines");
    });
    const tokens = tokenize(defaultReply("hi")).length;
    // In any order: each line is written when its response is over.
    assertEquals(
      [
        `info POST /chat_api 200 \\d+ms model="llama3.2:1b" tokens=${tokens}`,
        `warn GET /nope 404 \\d+ms`, // no query string
        `error POST /chat_api 500 \\d+ms model="qwen3:4b"`,
        `warn POST /chat_api 200 \\d+ms model="qwen3:4b" \\(answer ended with an error\\)`,
      ].map((line) => lines.filter((text) => new RegExp(`^${TIME} ${line}$`).test(text)).length),
      [1, 1, 1, 1],
      lines.join("\n"),
    );
    assertEquals(lines.length, 4);
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("line and paragraph separators, bidi overrides and controls in a field are escaped", async () => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url, { logLevel: "info" });
  // U+2028 and U+2029 end a line for many log viewers, U+0085 (NEL) for some, U+202E shows what
  // follows reversed, U+2066 isolates it, ESC starts a terminal sequence.
  const model = "evil\u2028info forged line\u2029\u0085\u202Eedoc\u2066\u001b[2Jx";
  try {
    const lines = await captureConsole(async (lines) => {
      await (await postChat(gateway, { prompt: "hi", model })).body?.cancel();
      await waitFor(() => lines.length >= 1, "the request's line");
    });
    assertEquals(lines.length, 1);
    // deno-lint-ignore no-control-regex -- raw control characters must be absent
    assert(!/[\u0085\u2028\u2029\u202a-\u202e\u2066-\u2069\x00-\x1f]/.test(lines[0]), lines[0]);
    assert(
      lines[0].includes(
        String.raw`model="evil\u2028info forged line\u2029\u0085\u202eedoc\u2066\u001b[2Jx"`,
      ),
      lines[0],
    );
    // Still the model's own text to a JSON reader.
    const field = lines[0].match(/model=("(?:[^"\\]|\\.)*")/)![1];
    assertEquals(JSON.parse(field), model);
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("a streamed answer is logged when it ends, with its whole duration", async () => {
  const fake = startFakeOllama({ scenario: "hold-last-token" });
  const gateway = startGateway(fake.url, { logLevel: "info" });
  try {
    const lines = await captureConsole(async (lines) => {
      const response = await postChat(gateway, { prompt: "hi" });
      const reader = response.body!.getReader();
      await reader.read();
      // Headers sent, answer under way: not over, so not logged yet.
      await (await fetch(`${gateway.url}/healthz`)).body?.cancel();
      await waitFor(() => lines.length >= 1, "the health check's line");
      assertMatch(lines[0], /GET \/healthz 200/);
      await waitFor(() => fake.held === 1, "the answer at its last token");
      fake.releaseLastToken();
      while (!(await reader.read()).done);
      await waitFor(() => lines.length >= 2, "the answer's line");
    });
    assertMatch(lines[1], /POST \/chat_api 200 \d+ms model="qwen3:4b" tokens=\d+$/);
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("LOG_LEVEL=warn keeps failures and drops the rest", async () => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url, { logLevel: "warn" });
  try {
    const lines = await captureConsole(async (lines) => {
      await readNdjson(await postChat(gateway, { prompt: "hi" }));
      await (await postChat(gateway, {}, { headers: { authorization: "Bearer wrong" } })).body
        ?.cancel();
      await waitFor(() => lines.length >= 1, "the failure's line");
      await readNdjson(await postChat(gateway, { prompt: "hi" }));
    });
    assertEquals(lines.length, 1);
    assertMatch(lines[0], /warn POST \/chat_api 401/);
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("the log holds neither a key, nor a prompt, nor an answer, whatever happens", async () => {
  const key = "KEY-CANARY-4f1b9c27e8";
  const guess = "GUESS-CANARY-7d2a";
  const prompt = "PROMPT-CANARY-31337 tell me a secret";
  const system = "SYSTEM-CANARY-5150";
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url, {
    apiKeys: [key],
    logLevel: "debug",
    firstByteTimeoutMs: 200,
    idleTimeoutMs: 200,
  });
  const chat = { prompt, system, history: [{ role: "user", content: prompt }] };
  try {
    const lines = await captureConsole(async (lines) => {
      let requests = 0;
      const send = async (body: unknown, headers: Record<string, string> = {}) => {
        requests++;
        await (await postChat(gateway, body, { headers })).text();
      };
      await send(chat);
      await send(chat, { authorization: `Bearer ${guess}` });
      await send(`{"prompt": "${prompt}", broken`);
      await send({ ...chat, model: "nope:1b" });
      await send({ ...chat, options: `${prompt}` });
      for (
        const scenario of [
          "error-mid-stream",
          "malformed-line",
          "drop-mid-stream",
          "hang-mid-stream",
          "hang-before-headers",
          "status-500",
        ] as const
      ) {
        fake.options.scenario = scenario;
        await send(chat);
      }
      await waitFor(() => lines.length >= requests, "a line per request");
    });
    const log = lines.join("\n");
    assert(lines.length >= 11, log);
    for (const secret of [key, guess, "CANARY", "tell me a secret", "You said"]) {
      assert(!log.includes(secret), `the log holds "${secret}":\n${log}`);
    }
  } finally {
    await fake.close();
    await gateway.close();
  }
});
