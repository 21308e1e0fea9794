/**
 * The gateway in engine mode (`OPENAI_BASE_URL`), against the fake engine (`testing/fake_engine/`):
 * `/chat_api` keeps its contract (lines, statuses, errors), `/v1/*` is relayed with the engine's
 * key, `/api/*` says to use `/v1`, the page's model list and `/healthz` come from the engine.
 * `withEngine` checks after each test that the engine never saw the client's key and always saw
 * its own.
 *
 * @module
 */

import { assertEquals, assertMatch } from "@std/assert";
import { DEFAULT_THINKING, defaultReply } from "../../testing/fake_ollama/mod.ts";
import {
  answerText,
  postChat,
  readNdjson,
  settlesWithin,
  TEST_KEY,
} from "../../testing/gateway.ts";
import { healthcheck } from "../../cli.ts";
import { PROBE_ANSWER_MS } from "../../ollama/shared_answer.ts";
import { withEngine } from "../../testing/with_engine.ts";
import { freePort } from "../../testing/process.ts";

const THINKER = "Qwen/Qwen3-8B";
const PLAIN = "meta-llama/Llama-3.2-1B-Instruct";
const ENGINE_KEY = "engine-secret-0123456789";

Deno.test("engine mode: /chat_api streams thinking apart, the answer byte-exact, then done with usage and durations", async () => {
  await withEngine(async (gateway) => {
    const response = await postChat(gateway, { prompt: "Hi ✓" });
    assertEquals(response.status, 200);
    assertEquals(response.headers.get("content-type"), "application/x-ndjson");
    const lines = await readNdjson(response);
    assertEquals(answerText(lines), defaultReply("Hi ✓"));
    const thinking = lines.filter((line) => "thinking" in line).map((line) => line.thinking);
    assertEquals(thinking.join(""), DEFAULT_THINKING);
    const done = lines.at(-1)!;
    assertEquals([done.done, done.model, done.done_reason], [true, THINKER, "stop"]);
    assertEquals(done.prompt_eval_count, 2, "the engine's usage: the prompt's two tokens");
    assertEquals(done.eval_count, thinking.length + lines.filter((l) => "response" in l).length);
    for (const stat of ["total_duration", "eval_duration"]) {
      assertEquals(typeof done[stat], "number", stat);
    }
  }, { gateway: { defaultModel: THINKER } });
});

Deno.test("engine mode: the request reaches /chat/completions mapped, with the engine's key", async () => {
  await withEngine(async (gateway, engine) => {
    const response = await postChat(gateway, {
      prompt: "And now?",
      model: PLAIN,
      system: "Be brief.",
      history: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello!" }],
      think: "high",
      options: { temperature: 0.2, num_predict: 64, stop: ["\n\n"], seed: 7 },
    });
    assertEquals((await readNdjson(response)).at(-1)?.done, true);
    const [sent] = engine.requests;
    assertEquals([sent.method, sent.path], ["POST", "/v1/chat/completions"]);
    assertEquals(sent.headers.get("authorization"), `Bearer ${ENGINE_KEY}`);
    assertEquals(sent.body, {
      model: PLAIN,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello!" },
        { role: "user", content: "And now?" },
      ],
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: "high",
      temperature: 0.2,
      max_tokens: 64,
      stop: ["\n\n"],
      seed: 7,
    });
  }, { engine: { apiKey: ENGINE_KEY } });
});

Deno.test("engine mode: no OPENAI_API_KEY, no Authorization to the engine", async () => {
  await withEngine(async (gateway, engine) => {
    await readNdjson(await postChat(gateway, { prompt: "Hi", model: PLAIN }));
    assertEquals(engine.requests[0].headers.has("authorization"), false);
  });
});

Deno.test("engine mode: delta.reasoning (vLLM since 0.10) is thinking too; think false turns it off", async () => {
  await withEngine(async (gateway, engine) => {
    const thinking = (lines: Record<string, unknown>[]) => lines.filter((l) => "thinking" in l);
    const on = await readNdjson(await postChat(gateway, { prompt: "Hi", model: THINKER }));
    assertEquals(thinking(on).map((line) => line.thinking).join(""), DEFAULT_THINKING);
    const off = await readNdjson(
      await postChat(gateway, { prompt: "Hi", model: THINKER, think: false }),
    );
    assertEquals(thinking(off), []);
    assertEquals(
      (engine.requests[1].body as { reasoning_effort: string }).reasoning_effort,
      "none",
    );
    assertEquals(answerText(off), defaultReply("Hi"));
  }, { engine: { reasoningField: "reasoning" } });
});

Deno.test("engine mode: num_predict cuts the answer and done_reason says length", async () => {
  await withEngine(async (gateway) => {
    const lines = await readNdjson(
      await postChat(gateway, { prompt: "Hi", model: PLAIN, options: { num_predict: 3 } }),
    );
    assertEquals(lines.filter((line) => "response" in line).length, 3);
    assertEquals(lines.at(-1)?.done_reason, "length");
    assertEquals(lines.at(-1)?.eval_count, 3);
  });
});

Deno.test("engine mode: slow first tokens still arrive in full", async () => {
  await withEngine(async (gateway) => {
    const lines = await readNdjson(await postChat(gateway, { prompt: "Hi", model: PLAIN }));
    assertEquals(answerText(lines), defaultReply("Hi"));
    assertEquals(lines.at(-1)?.done, true);
  }, { engine: { firstTokenDelayMs: 300 } });
});

Deno.test("engine mode: a client that leaves cancels the request to the engine", async () => {
  await withEngine(async (gateway, engine) => {
    const response = await postChat(gateway, { prompt: "Hi", model: PLAIN });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    await settlesWithin(engine.nextDisconnect(), "the engine seeing the disconnect");
    assertEquals(engine.disconnects, 1);
  }, { engine: { tokenDelayMs: 50 } });
});

Deno.test("engine mode: an option with no OpenAI name is a 400 naming it, and the engine is not asked", async () => {
  await withEngine(async (gateway, engine) => {
    const response = await postChat(gateway, { prompt: "Hi", options: { num_ctx: 8192 } });
    assertEquals(response.status, 400);
    assertMatch((await response.json()).error, /^"options\.num_ctx" has no equivalent/);
    assertEquals(engine.requests, []);
  });
});

Deno.test("engine mode: the engine's errors before the stream, in both of vLLM's shapes", async () => {
  for (const errorStyle of ["flat", "nested"] as const) {
    await withEngine(async (gateway, engine) => {
      const unknown = await postChat(gateway, { prompt: "Hi", model: "no/such-model" });
      assertEquals(unknown.status, 404);
      assertMatch(
        (await unknown.json()).error,
        /The model `no\/such-model` does not exist\. \(the engine does not serve/,
      );

      const rejected = await postChat(gateway, {
        prompt: "Hi",
        model: PLAIN,
        options: { num_predict: 0 },
      });
      assertEquals(rejected.status, 400);
      assertEquals(
        (await rejected.json()).error,
        "The engine rejected the request: max_tokens must be at least 1, got 0.",
      );

      engine.options.scenario = "error-before-stream";
      const failed = await postChat(gateway, { prompt: "Hi", model: PLAIN });
      assertEquals(failed.status, 502);
      assertEquals(
        (await failed.json()).error,
        "The engine failed with HTTP 500: EngineCore encountered an issue.",
      );
    }, { engine: { errorStyle } });
  }
});

Deno.test("engine mode: a wrong engine key or an unreachable engine is a 502 naming the setting", async () => {
  await withEngine(async (gateway) => {
    const response = await postChat(gateway, { prompt: "Hi", model: PLAIN });
    assertEquals(response.status, 502);
    assertMatch(
      (await response.json()).error,
      /refused the gateway's key \(OPENAI_API_KEY\) with HTTP 401/,
    );
    const relayed = await fetch(`${gateway.url}/v1/models`, { headers: gateway.headers });
    assertEquals(relayed.status, 502, "not a 401 that blames the client's key");
    assertMatch(
      (await relayed.json()).error.message,
      /refused the gateway's key \(OPENAI_API_KEY\)/,
    );
  }, { engine: { apiKey: ENGINE_KEY }, gateway: { engineKey: "wrong-key-0123456789" } });

  await withEngine(async (gateway) => {
    const response = await postChat(gateway, { prompt: "Hi", model: PLAIN });
    assertEquals(response.status, 502);
    assertMatch(
      (await response.json()).error,
      /^The engine is not reachable at http:\/\/127\.0\.0\.1:\d+\/v1 \(OPENAI_BASE_URL\)\. Is it running\?$/,
    );
  }, { gateway: { engineUrl: `http://127.0.0.1:${freePort()}/v1` } });
});

const MID_STREAM: [string, RegExp][] = [
  ["error-mid-stream", /^The engine: Internal server error$/],
  ["end-without-done", /^The engine ended the answer before it was complete$/],
  ["done-without-finish", /without a finish_reason/],
  ["drop-mid-stream", /^Lost the connection to the engine; the answer is incomplete$/],
];

for (const [scenario, message] of MID_STREAM) {
  Deno.test(`engine mode: ${scenario} ends the answer with an error line`, async () => {
    await withEngine(async (gateway) => {
      const response = await postChat(gateway, { prompt: "Hi", model: PLAIN });
      assertEquals(response.status, 200);
      const lines = await readNdjson(response);
      assertMatch(String(lines.at(-1)?.error), message);
      assertEquals(lines.some((line) => line.done === true), false);
      if (scenario !== "end-without-done" && scenario !== "done-without-finish") {
        assertEquals(lines.filter((line) => "response" in line).length, 2, "the partial answer");
      }
    }, { engine: { scenario: scenario as "normal" } });
  });
}

Deno.test("engine mode: an engine silent mid-answer is cut off after IDLE_TIMEOUT_S", async () => {
  await withEngine(async (gateway, engine) => {
    const lines = await readNdjson(await postChat(gateway, { prompt: "Hi", model: PLAIN }));
    assertMatch(String(lines.at(-1)?.error), /^The engine sent nothing for 0\.2 s/);
    await settlesWithin(engine.nextDisconnect(), "the engine seeing the disconnect");
  }, { engine: { scenario: "hang-mid-stream" }, gateway: { idleTimeoutMs: 200 } });
});

Deno.test("engine mode: /api/* answers 501 in Ollama's shape, saying to use /v1", async () => {
  await withEngine(async (gateway, engine) => {
    for (
      const [method, path] of [["POST", "/api/chat"], ["POST", "/api/show"], [
        "GET",
        "/api/version",
      ], ["GET", "/api/ps"]]
    ) {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: gateway.headers,
        ...(method === "POST" && { body: "{}" }),
      });
      assertEquals(response.status, 501, path);
      const { error } = await response.json();
      assertMatch(
        error,
        /^This server fronts an OpenAI-compatible engine, not Ollama, .* use the OpenAI API under \/v1/,
      );
    }
    const noKey = await fetch(`${gateway.url}/api/chat`, { method: "POST", body: "{}" });
    assertEquals(noKey.status, 401);
    await noKey.body?.cancel();
    assertEquals(engine.requests, []);
  });
});

Deno.test("engine mode: GET /api/tags lists the engine's models, for the page", async () => {
  await withEngine(async (gateway, engine) => {
    const response = await fetch(`${gateway.url}/api/tags`, { headers: gateway.headers });
    assertEquals(response.status, 200);
    assertEquals(await response.json(), {
      models: engine.options.models.map((id) => ({ name: id, model: id })),
    });
    assertEquals(engine.requests.map((r) => `${r.method} ${r.path}`), ["GET /v1/models"]);
  }, { engine: { apiKey: ENGINE_KEY } });
});

Deno.test("engine mode: HEAD / is not answered like Ollama's probe", async () => {
  await withEngine(async (gateway) => {
    const response = await fetch(`${gateway.url}/`, { method: "HEAD", redirect: "manual" });
    assertEquals(response.status, 302);
  });
});

Deno.test("engine mode: /v1/* is relayed to the engine with its key, SSE as it comes", async () => {
  await withEngine(async (gateway, engine) => {
    const models = await fetch(`${gateway.url}/v1/models`, { headers: gateway.headers });
    assertEquals(
      (await models.json()).data.map((m: { id: string }) => m.id),
      engine.options.models,
    );

    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({
        model: PLAIN,
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
      }),
    });
    assertEquals(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const events = (await response.text()).split("\n\n").filter((event) => event !== "");
    assertEquals(events.at(-1), "data: [DONE]");
    assertEquals(engine.requests.map((r) => r.path), ["/v1/models", "/v1/chat/completions"]);

    const unknown = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "nope", messages: [] }),
    });
    assertEquals(unknown.status, 404);
    assertEquals((await unknown.json()).type, "NotFoundError", "the engine's own error body");

    const noKey = await fetch(`${gateway.url}/v1/models`);
    assertEquals(noKey.status, 401);
    assertEquals((await noKey.json()).error.code, "invalid_api_key");
  }, { engine: { apiKey: ENGINE_KEY } });
});

Deno.test("engine mode: /healthz probes the engine's /v1/models", async () => {
  await withEngine(async (gateway, engine) => {
    const up = await (await fetch(`${gateway.url}/healthz`)).json();
    assertEquals(up, { status: "ok", engine: "up", model: gateway.config.defaultModel });
    assertEquals(engine.requests.at(-1)?.path, "/v1/models");
    await engine.close();
    // Probes share one answer for PROBE_ANSWER_MS: let the "up" one grow old.
    await new Promise((resolve) => setTimeout(resolve, PROBE_ANSWER_MS + 100));
    const down = await (await fetch(`${gateway.url}/healthz`)).json();
    assertEquals(down.engine, "down");
  }, { engine: { apiKey: ENGINE_KEY } });
});

Deno.test("engine mode: the gateway's key never reaches the engine (checked by withEngine)", async () => {
  await withEngine(async (gateway, engine) => {
    await readNdjson(await postChat(gateway, { prompt: "Hi", model: PLAIN }));
    await (await fetch(`${gateway.url}/v1/models`, { headers: gateway.headers })).body?.cancel();
    for (const request of engine.requests) {
      assertEquals([...request.headers].some(([, value]) => value.includes(TEST_KEY)), false);
    }
  }, { engine: { apiKey: ENGINE_KEY } });
});

Deno.test("engine mode: the container's healthcheck command passes while the engine is up", async () => {
  await withEngine(async (gateway, engine) => {
    const config = {
      ...gateway.config,
      host: "127.0.0.1",
      port: Number(new URL(gateway.url).port),
    };
    const { log, error } = console;
    console.log = console.error = () => {};
    try {
      assertEquals(await healthcheck(config), true);
      await engine.close();
      await new Promise((resolve) => setTimeout(resolve, PROBE_ANSWER_MS + 100));
      assertEquals(await healthcheck(config), false);
    } finally {
      Object.assign(console, { log, error });
    }
  });
});
