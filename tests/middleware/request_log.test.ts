/** The request log: its line per request, LOG_LEVEL, and a scan for secrets and chat text. */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { defaultReply, startFakeOllama, tokenize } from "../../testing/fake_ollama/mod.ts";
import { postChat, readNdjson, startGateway, waitFor } from "../../testing/gateway.ts";

/** Runs `body` with everything written to the console captured, and returns the lines. */
async function captureConsole(body: (lines: string[]) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const saved = { ...console };
  for (const method of ["log", "info", "debug", "warn", "error"] as const) {
    console[method] = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  }
  try {
    await body(lines);
  } finally {
    Object.assign(console, saved);
  }
  return lines;
}

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
