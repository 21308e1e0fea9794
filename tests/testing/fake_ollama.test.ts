/**
 * The fake Ollama's manners that a real server has and a kind fake would not (messages and
 * statuses from Ollama's `server/routes.go`, `api/types.go` and `middleware/openai.go`): its 500s
 * with the real messages, options of the wrong type, `think` checked against the model's
 * capabilities, `/api/show` with capabilities and context length, answers cut off by
 * `num_predict`, a `/v1` stream that fails mid-way, and the real missing-model text.
 *
 * @module
 */

import { assertEquals } from "@std/assert";
import {
  type FakeOllama,
  type FakeOllamaOptions,
  startFakeOllama,
} from "../../testing/fake_ollama/mod.ts";

async function withFake(test: (fake: FakeOllama) => Promise<void>, options?: FakeOllamaOptions) {
  const fake = startFakeOllama(options);
  try {
    await test(fake);
  } finally {
    await fake.close();
  }
}

/** Posts `body` to `path` of `fake`; resolves to the status and the parsed JSON body. */
async function post(fake: FakeOllama, path: string, body: unknown) {
  const response = await fetch(fake.url + path, { method: "POST", body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const chat = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: "user", content: "Hi" }],
  stream: false,
  ...extra,
});

Deno.test("fake ollama: failures answer 500 with Ollama's own messages", async () => {
  await withFake(async (fake) => {
    fake.options.scenario = "status-500";
    assertEquals(await post(fake, "/api/chat", chat("qwen3:4b")), {
      status: 500,
      body: { error: "llama runner process has terminated: exit status 2" },
    });
    fake.options.scenario = "out-of-memory";
    assertEquals(await post(fake, "/api/generate", { model: "qwen3:4b", prompt: "Hi" }), {
      status: 500,
      body: { error: "model requires more system memory (5.2 GiB) than is available (3.1 GiB)" },
    });
    // The /v1 layer answers in OpenAI's shape, every error an api_error.
    assertEquals(await post(fake, "/v1/chat/completions", chat("qwen3:4b")), {
      status: 500,
      body: {
        error: {
          message: "model requires more system memory (5.2 GiB) than is available (3.1 GiB)",
          type: "api_error",
          param: null,
          code: null,
        },
      },
    });
  });
});

Deno.test("fake ollama: an option of the wrong type is a 500 naming it; unknown options pass", async () => {
  await withFake(async (fake) => {
    const cases: [Record<string, unknown>, string][] = [
      [{ temperature: "hot" }, 'option "temperature" must be of type float32'],
      [{ num_ctx: "8k" }, 'option "num_ctx" must be of type integer'],
      [{ use_mmap: 1 }, 'option "use_mmap" must be of type boolean'],
      [{ stop: "\n" }, 'option "stop" must be of type array'],
      [{ stop: [1] }, 'option "stop" must be of an array of strings'],
    ];
    for (const [options, error] of cases) {
      assertEquals(await post(fake, "/api/chat", chat("qwen3:4b", { options })), {
        status: 500,
        body: { error },
      });
    }
    const fine = await post(
      fake,
      "/api/chat",
      chat("qwen3:4b", {
        options: { temperature: 1, num_ctx: 2048.5, seed: null, mood: "cheerful" },
      }),
    );
    assertEquals(fine.status, 200);
  });
});

Deno.test("fake ollama: think is checked against the model's capabilities", async () => {
  await withFake(async (fake) => {
    assertEquals(await post(fake, "/api/chat", chat("llama3.2:1b", { think: true })), {
      status: 400,
      body: { error: '"llama3.2:1b" does not support thinking' },
    });
    assertEquals(
      (await post(fake, "/api/chat", chat("llama3.2:1b", { think: "high" }))).status,
      400,
    );
    // Leaving think out, or off, is fine for any model; thinking models think unless told not to.
    const plain = await post(fake, "/api/chat", chat("llama3.2:1b"));
    assertEquals(plain.body.message.thinking, undefined);
    assertEquals(
      (await post(fake, "/api/chat", chat("llama3.2:1b", { think: false }))).status,
      200,
    );
    const thinker = await post(fake, "/api/chat", chat("qwen3:4b"));
    assertEquals(typeof thinker.body.message.thinking, "string");

    // Levels: accepted by thinking models since Ollama 0.17.7, only by gpt-oss in 0.12.6.
    assertEquals((await post(fake, "/api/chat", chat("qwen3:4b", { think: "max" }))).status, 200);
    fake.options.thinkLevels = false;
    assertEquals(await post(fake, "/api/chat", chat("qwen3:4b", { think: "low" })), {
      status: 400,
      body: { error: 'think value "low" is not supported for this model' },
    });
    assertEquals(await post(fake, "/api/chat", chat("qwen3:4b", { think: "extreme" })), {
      status: 400,
      body: {
        error:
          'invalid think value: "extreme" (must be "high", "medium", "low", "max", true, or false)',
      },
    });
  });
});

Deno.test("fake ollama: /api/show takes model or name and gives capabilities and context length", async () => {
  await withFake(async (fake) => {
    const byModel = await post(fake, "/api/show", { model: "qwen3:4b" });
    const byName = await post(fake, "/api/show", { name: "qwen3:4b" });
    assertEquals(byModel.status, 200);
    assertEquals(byName.body, byModel.body);
    assertEquals(byModel.body.capabilities, ["completion", "tools", "thinking"]);
    assertEquals(byModel.body.model_info["general.architecture"], "qwen3");
    assertEquals(byModel.body.model_info["qwen3.context_length"], 40_960);
    const llama = await post(fake, "/api/show", { model: "llama3.2:1b" });
    assertEquals(llama.body.capabilities, ["completion", "tools"]);
    assertEquals(llama.body.model_info["llama.context_length"], 131_072);

    assertEquals(await post(fake, "/api/show", {}), {
      status: 400,
      body: { error: "model is required" },
    });
  });
});

Deno.test("fake ollama: a missing model gets Ollama's text on every route", async () => {
  await withFake(async (fake) => {
    for (const path of ["/api/chat", "/api/generate", "/api/show"]) {
      assertEquals(await post(fake, path, { model: "nope:1b", prompt: "x" }), {
        status: 404,
        body: { error: "model 'nope:1b' not found" },
      }, path);
    }
    const v1 = await post(fake, "/v1/chat/completions", chat("nope:1b"));
    assertEquals([v1.status, v1.body.error.message], [404, "model 'nope:1b' not found"]);
    const retrieve = await fetch(`${fake.url}/v1/models/nope:1b`);
    assertEquals(retrieve.status, 404);
    assertEquals((await retrieve.json()).error.message, "model 'nope:1b' not found");
  });
});

Deno.test('fake ollama: num_predict cuts the answer off with done_reason "length"', async () => {
  await withFake(async (fake) => {
    const options = { num_predict: 2 };
    const whole = await post(fake, "/api/chat", chat("llama3.2:1b", { options }));
    assertEquals(whole.body.message.content, "Hello! You");
    assertEquals(whole.body.done_reason, "length");
    // Thinking counts towards num_predict, as in Ollama.
    const thinker = await post(fake, "/api/chat", chat("qwen3:4b", { options }));
    assertEquals([thinker.body.message.content, thinker.body.done_reason], ["", "length"]);

    const streamed = await fetch(`${fake.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify(chat("llama3.2:1b", { options, stream: true })),
    });
    const last = (await streamed.text()).trim().split("\n").map((line) => JSON.parse(line)).at(-1);
    assertEquals([last.done, last.done_reason], [true, "length"]);

    const v1 = await post(fake, "/v1/chat/completions", chat("llama3.2:1b", { max_tokens: 2 }));
    assertEquals(v1.body.choices[0].finish_reason, "length");
    const uncut = await post(fake, "/api/chat", chat("llama3.2:1b"));
    assertEquals(uncut.body.done_reason, "stop");
  });
});

Deno.test("fake ollama: a /v1 stream that fails mid-way ends with an empty chunk and no [DONE]", async () => {
  await withFake(async (fake) => {
    const response = await fetch(`${fake.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify(chat("qwen3:4b", { stream: true })),
    });
    const events = (await response.text()).split("\n\n").filter((event) => event !== "");
    const chunks = events.map((event) => JSON.parse(event.replace(/^data: /, "")));
    assertEquals(chunks.map((chunk) => chunk.choices[0].delta.content), ["Hello!", " You", ""]);
    assertEquals(chunks.at(-1).model, "");
    assertEquals(chunks.at(-1).choices[0].finish_reason, null);
  }, { scenario: "error-mid-stream" });
});

Deno.test("fake ollama: GET /v1/models/:model answers one installed model", async () => {
  await withFake(async (fake) => {
    const response = await fetch(`${fake.url}/v1/models/llama3.2:1b`);
    assertEquals(await response.json(), {
      id: "llama3.2:1b",
      object: "model",
      created: 1759320000,
      owned_by: "library",
    });
  });
});
