import { assert, assertEquals, assertMatch } from "@std/assert";
import { defaultReply, type Scenario } from "../../testing/fake_ollama/mod.ts";
import {
  answerText,
  postChat,
  readNdjson,
  settlesWithin,
  startGateway,
  TEST_KEY,
} from "../../testing/gateway.ts";
import { unreachableUrl, withGateway } from "../../testing/with_gateway.ts";

Deno.test("/chat_api: streams NDJSON: thinking apart, the answer byte-exact, then done with stats", async () => {
  await withGateway(async (gateway) => {
    const response = await postChat(gateway, { prompt: "Hi ✓" });
    assertEquals(response.status, 200);
    assertEquals(response.headers.get("content-type"), "application/x-ndjson");
    const lines = await readNdjson(response);
    assertEquals(answerText(lines), defaultReply("Hi ✓"));
    const thinking = lines.filter((line) => "thinking" in line);
    assert(thinking.length > 0, "qwen3 thinks by default");
    assert(
      thinking.every((line) => Object.keys(line).length === 1),
      "thinking lines carry only thinking",
    );
    assert(!answerText(lines).includes("greets"), "thinking never mixed into the answer");
    const done = lines.at(-1)!;
    assertEquals(done.done, true);
    assertEquals(done.model, "qwen3:4b");
    assertEquals(done.done_reason, "stop");
    for (const stat of ["total_duration", "eval_count", "eval_duration"]) {
      assertEquals(typeof done[stat], "number", stat);
    }
  });
});

Deno.test("/chat_api: multi-byte characters split across network writes survive", async () => {
  await withGateway(async (gateway, fake) => {
    fake.options.scenario = "split-bytes";
    fake.options.reply = "Grüße 👋🏽 日本語 — ✓";
    const lines = await readNdjson(await postChat(gateway, { prompt: "x", think: false }));
    assertEquals(answerText(lines), "Grüße 👋🏽 日本語 — ✓");
    assertEquals(lines.at(-1)!.done, true);
  });
});

Deno.test("/chat_api: history, system, model, think and options reach Ollama's /api/chat", async () => {
  await withGateway(async (gateway, fake) => {
    const response = await postChat(gateway, {
      prompt: "And now?",
      model: "llama3.2:1b",
      system: "Be brief.",
      history: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello!" }],
      think: false,
      options: { temperature: 0.2, num_predict: 64 },
    });
    await response.body!.cancel();
    const sent = fake.requests.find((request) => request.path === "/api/chat")!;
    assertEquals(sent.body, {
      model: "llama3.2:1b",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello!" },
        { role: "user", content: "And now?" },
      ],
      stream: true,
      think: false,
      // A short conversation gets the smallest window (see tests/ollama/context.test.ts).
      options: { temperature: 0.2, num_predict: 64, num_ctx: 4096 },
    });
    assertEquals(sent.headers.get("authorization"), null, "the gateway's key is never forwarded");
  });
});

Deno.test("/chat_api: without a model it uses OLLAMA_MODEL, and think:false turns thinking off", async () => {
  await withGateway(async (gateway, fake) => {
    const lines = await readNdjson(await postChat(gateway, { prompt: "x", think: false }));
    const sent = fake.requests.find((request) => request.path === "/api/chat")!;
    assertEquals((sent.body as { model: string }).model, "qwen3:4b");
    assert(!lines.some((line) => "thinking" in line));
  });
});

Deno.test("/chat_api: delivers lines as they arrive: the first line comes before the last token is sent", async () => {
  await withGateway(async (gateway, fake) => {
    fake.options.scenario = "hold-last-token";
    const response = await postChat(gateway, { prompt: "x", think: false });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    // Resolves only if the gateway relays before the end.
    const first = await settlesWithin(reader.read(), "the first line");
    assertMatch(first.value!, /^\{"response":"Hello!"\}\n/);
    assertEquals(fake.requests.filter((request) => request.path === "/api/chat").length, 1);
    fake.releaseLastToken();
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += chunk.value;
    }
    assertMatch(rest, /"done":true/);
  });
});

Deno.test("/chat_api: a client that disconnects mid-stream aborts the request to Ollama", async () => {
  await withGateway(async (gateway, fake) => {
    fake.options.scenario = "hang-mid-stream";
    const controller = new AbortController();
    const response = await postChat(gateway, { prompt: "x", think: false }, {
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    assertEquals(
      await settlesWithin(fake.nextDisconnect(), "Ollama seeing the disconnect"),
      "/api/chat",
    );
  });
});

Deno.test("/chat_api: a client that disconnects before Ollama answers aborts the request to Ollama", async () => {
  await withGateway(async (gateway, fake) => {
    fake.options.scenario = "hang-before-headers";
    const controller = new AbortController();
    const pending = postChat(gateway, { prompt: "x" }, { signal: controller.signal })
      .catch((error) => error);
    while (!fake.requests.some((request) => request.path === "/api/chat")) {
      await new Promise((r) => setTimeout(r, 5));
    }
    controller.abort();
    assertEquals(
      await settlesWithin(fake.nextDisconnect(), "Ollama seeing the disconnect"),
      "/api/chat",
    );
    assertEquals((await pending).name, "AbortError");
  });
});

Deno.test('/chat_api: an error line from Ollama mid-stream becomes {"error"} and ends the stream', async () => {
  await withGateway(async (gateway, fake) => {
    fake.options.scenario = "error-mid-stream";
    const lines = await readNdjson(await postChat(gateway, { prompt: "x", think: false }));
    assertEquals(lines.slice(0, 2), [{ response: "Hello!" }, { response: " You" }]);
    assertEquals(lines.slice(2), [{
      error: "Ollama: llama runner process has terminated: exit status 2 (the model crashed " +
        "while loading or answering: try again, or choose a smaller model)",
    }]);
  });
});

Deno.test("/chat_api: a connection lost mid-stream ends with an error line, partial answer kept", async () => {
  await withGateway(async (gateway, fake) => {
    fake.options.scenario = "drop-mid-stream";
    const lines = await readNdjson(await postChat(gateway, { prompt: "x", think: false }));
    assertEquals(answerText(lines), "Hello! You");
    assertMatch(String(lines.at(-1)!.error), /incomplete/);
    assert(!lines.some((line) => line.done));
  });
});

Deno.test("/chat_api: missing, malformed and wrong keys get 401 JSON with WWW-Authenticate", async () => {
  await withGateway(async (gateway, fake) => {
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /Missing API key/],
      [{ authorization: "Basic dXNlcjpwdw==" }, /Malformed/],
      [{ authorization: "Bearer" }, /Malformed/],
      [{ authorization: "Bearer wrong-key" }, /Wrong API key/],
      [{ authorization: `Bearer ${TEST_KEY}x` }, /Wrong API key/],
    ];
    for (const [headers, message] of cases) {
      const response = await fetch(`${gateway.url}/chat_api`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ prompt: "x" }),
      });
      assertEquals(response.status, 401, JSON.stringify(headers));
      assertMatch(response.headers.get("www-authenticate")!, /^Bearer/);
      assertMatch((await response.json()).error, message);
    }
    assertEquals(fake.requests.length, 0, "nothing reaches Ollama without a key");
  });
});

Deno.test("/chat_api: every configured key is accepted", async () => {
  await withGateway(async (gateway) => {
    const keys = ["key-one-0123456789", "key.two.0123456789", "key~three~0123456="];
    for (const key of keys) {
      const response = await postChat(gateway, { prompt: "x" }, {
        headers: { authorization: `Bearer ${key}` },
      });
      assertEquals(response.status, 200, key);
      await response.body!.cancel();
    }
  }, { gateway: { apiKeys: ["key-one-0123456789", "key.two.0123456789", "key~three~0123456="] } });
});

Deno.test("/chat_api: bad requests get 400 JSON saying what is wrong", async () => {
  await withGateway(async (gateway, fake) => {
    const cases: [string, RegExp][] = [
      ["{not json", /not valid JSON/],
      ["", /not valid JSON/],
      ["[1,2]", /JSON object/],
      ['"prompt"', /JSON object/],
      ["null", /JSON object/],
      ["{}", /"prompt" is required/],
      ['{"prompt":42}', /"prompt" is required and must be a string/],
      ['{"prompt":"   "}', /"prompt" must not be empty/],
      ['{"prompt":"x","model":7}', /"model"/],
      ['{"prompt":"x","model":""}', /"model"/],
      ['{"prompt":"x","history":"hi"}', /"history" must be an array/],
      ['{"prompt":"x","history":[{"role":"system","content":"x"}]}', /"history\[0\]"/],
      ['{"prompt":"x","history":[{"role":"user","content":1}]}', /"history\[0\]"/],
      ['{"prompt":"x","history":[null]}', /"history\[0\]"/],
      ['{"prompt":"x","system":["a"]}', /"system" must be a string/],
      ['{"prompt":"x","think":"extreme"}', /"think"/],
      ['{"prompt":"x","think":1}', /"think"/],
      ['{"prompt":"x","options":[1]}', /"options" must be an object/],
      ['{"prompt":"x","options":"hot"}', /"options" must be an object/],
      // Types Ollama would refuse only after queueing, named before anything reaches it.
      ['{"prompt":"x","options":{"temperature":"hot"}}', /"options.temperature" must be a number/],
      ['{"prompt":"x","options":{"num_ctx":"8k"}}', /"options.num_ctx" must be a whole number/],
      ['{"prompt":"x","options":{"stop":"\\n"}}', /"options.stop" must be an array of strings/],
      ['{"prompt":"x","options":{"use_mmap":1}}', /"options.use_mmap" must be true or false/],
    ];
    for (const [body, message] of cases) {
      const response = await postChat(gateway, body);
      assertEquals(response.status, 400, body);
      assertMatch(response.headers.get("content-type")!, /application\/json/);
      assertMatch((await response.json()).error, message, body);
    }
    assertEquals(fake.requests.length, 0);
  });
});

Deno.test("/chat_api: a body over the limit gets 413 JSON", async () => {
  await withGateway(async (gateway, fake) => {
    const big = JSON.stringify({ prompt: "x".repeat(8 * 1024 * 1024) });
    const response = await postChat(gateway, big);
    assertEquals(response.status, 413);
    assertMatch((await response.json()).error, /larger than 8388608 bytes/);
    // Also without a Content-Length (a chunked upload).
    const chunked = await fetch(`${gateway.url}/chat_api`, {
      method: "POST",
      headers: gateway.headers,
      body: new Blob([big]).stream(),
      // @ts-ignore: Deno's fetch needs duplex for a streamed request body.
      duplex: "half",
    });
    assertEquals(chunked.status, 413);
    await chunked.body?.cancel();
    assertEquals(fake.requests.length, 0);
  });
});

Deno.test("/chat_api: an unknown model gets 404 with Ollama's message and how to pull it", async () => {
  await withGateway(async (gateway) => {
    const response = await postChat(gateway, { prompt: "x", model: "nope:1b" });
    assertEquals(response.status, 404);
    const { error } = await response.json();
    assertEquals(error.split(" (")[0], "model 'nope:1b' not found");
    assertMatch(error, /ollama pull nope:1b/);
  });
});

Deno.test("/chat_api: Ollama's failures before the stream keep its message, with what to do", async () => {
  await withGateway(async (gateway, fake) => {
    const cases: [string, number, RegExp][] = [
      ["status-500", 500, /^Ollama: llama runner process has terminated.*try again/],
      ["out-of-memory", 500, /^Ollama: model requires more system memory .*choose a smaller model/],
      ["busy", 429, /busy/],
    ];
    for (const [scenario, status, message] of cases) {
      fake.options.scenario = scenario as Scenario;
      const response = await postChat(gateway, { prompt: "x" });
      assertEquals(response.status, status, scenario);
      if (status === 429) assertEquals(response.headers.get("retry-after"), "5");
      assertMatch((await response.json()).error, message);
    }
  });
});

Deno.test("/chat_api: a think the model cannot do is a 400 that says what to send", async () => {
  await withGateway(async (gateway, fake) => {
    let response = await postChat(gateway, { prompt: "x", model: "llama3.2:1b", think: true });
    assertEquals(response.status, 400);
    assertEquals(
      (await response.json()).error,
      'Ollama rejected the request: "llama3.2:1b" does not support thinking: turn thinking off ' +
        '("think": false), or choose a model that thinks',
    );
    // Ollama 0.12.6 took levels only for gpt-oss.
    fake.options.thinkLevels = false;
    response = await postChat(gateway, { prompt: "x", think: "low" });
    assertEquals(response.status, 400);
    assertMatch(
      (await response.json()).error,
      /"low" is not supported .* send "think": true or false/,
    );
    fake.options.thinkLevels = true;
    response = await postChat(gateway, { prompt: "x", think: "low" });
    assertEquals(response.status, 200);
    assertEquals((await readNdjson(response)).at(-1)!.done, true);
  });
});

Deno.test('/chat_api: an answer cut off by num_predict ends with done_reason "length"', async () => {
  await withGateway(async (gateway) => {
    const response = await postChat(gateway, {
      prompt: "x",
      think: false,
      options: { num_predict: 3 },
    });
    const lines = await readNdjson(response);
    assertEquals(answerText(lines), "Hello! You said:");
    assertEquals(lines.at(-1)!.done_reason, "length");
  });
});

Deno.test("/chat_api: no response headers in time gets 504, and Ollama's request is dropped", async () => {
  await withGateway(async (gateway, fake) => {
    fake.options.scenario = "hang-before-headers";
    const response = await postChat(gateway, { prompt: "x" });
    assertEquals(response.status, 504);
    assertMatch((await response.json()).error, /did not start answering within 0.2 s/);
    assertEquals(
      await settlesWithin(fake.nextDisconnect(), "Ollama seeing the disconnect"),
      "/api/chat",
    );
  }, { gateway: { firstByteTimeoutMs: 200 } });
});

Deno.test("/chat_api: Ollama unreachable gets 502 naming OLLAMA_URL", async () => {
  const deadUrl = unreachableUrl();
  const gateway = startGateway(deadUrl);
  try {
    const response = await postChat(gateway, { prompt: "x" });
    assertEquals(response.status, 502);
    const { error } = await response.json();
    assertMatch(error, /OLLAMA_URL/);
    assert(error.includes(deadUrl));
  } finally {
    await gateway.close();
  }
});

Deno.test("/chat_api: a history that no longer fits: the newest turns reach Ollama, and a context line says so first", async () => {
  await withGateway(async (gateway, fake) => {
    // Ten turns of about 1000 tokens each (3 bytes a token), in a window of at most 4096.
    const history = Array.from({ length: 10 }, (_, index) => ({
      role: index % 2 === 0 ? "user" : "assistant",
      content: `turn ${index} `.padEnd(3000, "x"),
    }));
    const lines = await readNdjson(
      await postChat(gateway, { prompt: "Hi", think: false, history }),
    );
    assertEquals(lines[0], { context: { kept: 3, dropped: 7, num_ctx: 4096 } });
    assertEquals(answerText(lines), defaultReply("Hi"));
    assertEquals(lines.at(-1)!.done, true);

    const sent = fake.requests.find((request) => request.path === "/api/chat")!.body as {
      messages: { content: string }[];
      options: Record<string, unknown>;
    };
    assertEquals(sent.messages.map((m) => m.content.slice(0, 7)), [
      "turn 7 ",
      "turn 8 ",
      "turn 9 ",
      "Hi",
    ]);
    assertEquals(sent.options, { num_ctx: 4096 });
  }, { gateway: { maxContextTokens: 4096 } });
});
