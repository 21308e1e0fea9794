/**
 * Ollama's native API (`/api/*`) and its probes through the gateway, with raw HTTP against the
 * fake Ollama: what is relayed, what is refused, and what reaches Ollama.
 *
 * @module
 */

import { assert, assertEquals, assertMatch, assertRejects } from "@std/assert";
import { tokenize } from "../../testing/fake_ollama/mod.ts";
import { settlesWithin, startGateway } from "../../testing/gateway.ts";
import { unreachableUrl, withGateway } from "../../testing/with_gateway.ts";

Deno.test("ollama api: GET /api/tags relays Ollama's model list, without the gateway's key", async () => {
  await withGateway(async (gateway, fake) => {
    const response = await fetch(`${gateway.url}/api/tags?verbose=1`, {
      headers: { ...gateway.headers, cookie: "session=1", "x-forwarded-for": "10.0.0.1" },
    });
    assertEquals(response.status, 200);
    assertEquals(response.headers.get("content-type"), "application/json");
    const body = await response.json();
    assertEquals(body.models.map((m: { name: string }) => m.name), fake.options.models);

    assertEquals(fake.requests.map((r) => `${r.method} ${r.path}`), ["GET /api/tags"]);
    const forwarded = fake.requests[0].headers;
    for (const name of ["authorization", "cookie", "x-forwarded-for"]) {
      assertEquals(forwarded.get(name), null, `${name} must not reach Ollama`);
    }
    assertEquals(forwarded.get("content-type"), "application/json");
  });
});

Deno.test("ollama api: GET /api/ps and POST /api/show, /api/embed, /api/embeddings are relayed", async () => {
  await withGateway(async (gateway, fake) => {
    const post = (path: string, body: unknown) =>
      fetch(`${gateway.url}${path}`, {
        method: "POST",
        headers: gateway.headers,
        body: JSON.stringify(body),
      });
    const ps = await fetch(`${gateway.url}/api/ps`, { headers: gateway.headers });
    assertEquals((await ps.json()).models[0].name, "qwen3:4b");
    const show = await post("/api/show", { model: "qwen3:4b" });
    const details = await show.json();
    assertEquals(details.capabilities, ["completion", "tools", "thinking"]);
    assertEquals(details.model_info["qwen3.context_length"], 40_960);
    const embed = await post("/api/embed", { model: "qwen3:4b", input: "hi" });
    assertEquals((await embed.json()).embeddings, [[0.1, 0.2, 0.3]]);
    const embeddings = await post("/api/embeddings", { model: "qwen3:4b", prompt: "hi" });
    assertEquals((await embeddings.json()).embedding, [0.1, 0.2, 0.3]);

    assertEquals(fake.requests.map((r) => `${r.method} ${r.path}`), [
      "GET /api/ps",
      "POST /api/show",
      "POST /api/embed",
      "POST /api/embeddings",
    ]);
    assertEquals(fake.requests[2].body, { model: "qwen3:4b", input: "hi" });
  });
});

Deno.test("ollama api: Ollama's own errors pass through with their status and body", async () => {
  await withGateway(async (gateway) => {
    const response = await fetch(`${gateway.url}/api/show`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "nope:1b" }),
    });
    assertEquals(response.status, 404);
    assertEquals(await response.json(), { error: "model 'nope:1b' not found" });
  });
});

Deno.test("ollama api: POST /api/chat relays each line as Ollama sends it, not when the answer is done", async () => {
  await withGateway(async (gateway, fake) => {
    const response = await fetch(`${gateway.url}/api/chat`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "llama3.2:1b", messages: [{ role: "user", content: "Hi" }] }),
      // Only a guard: a gateway that waited for the whole answer would otherwise hang the test.
      signal: AbortSignal.timeout(10_000),
    });
    assertEquals(response.status, 200);
    assertEquals(response.headers.get("content-type"), "application/x-ndjson");
    // The fake holds back the last token: every line before it must already be here.
    const tokens = tokenize(fake.options.reply);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (text.split("\n").length - 1 < tokens.length - 1) {
      const { value, done } = await reader.read();
      assert(!done, "the stream ended early");
      text += value;
    }
    assertEquals(text.split("\n").length - 1, tokens.length - 1);
    fake.releaseLastToken();
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      text += part.value;
    }
    const lines = text.trimEnd().split("\n").map((line) => JSON.parse(line));
    assertEquals(lines.map((line) => line.message.content).join(""), fake.options.reply);
    assertEquals(lines.at(-1).done, true);
    assertEquals(lines.at(-1).eval_count, tokens.length);
  }, { fake: { scenario: "hold-last-token", reply: "One two three four." } });
});

Deno.test("ollama api: a client that leaves mid-stream stops Ollama's generation", async () => {
  await withGateway(async (gateway, fake) => {
    const client = new AbortController();
    const response = await fetch(`${gateway.url}/api/generate`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "llama3.2:1b", prompt: "Hi" }),
      signal: client.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    client.abort();
    await reader.read().catch(() => {});
    assertEquals(await settlesWithin(fake.nextDisconnect(), "the disconnect"), "/api/generate");
    assertEquals(fake.disconnects, ["/api/generate"]);
  }, { fake: { scenario: "hang-mid-stream" } });
});

Deno.test("ollama api: a client that leaves while the model loads stops the request to Ollama", async () => {
  await withGateway(async (gateway, fake) => {
    const client = new AbortController();
    const request = fetch(`${gateway.url}/api/chat`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "qwen3:4b", messages: [{ role: "user", content: "Hi" }] }),
      signal: client.signal,
    });
    // Wait until the request is at Ollama, which has not answered yet.
    while (fake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    client.abort();
    await assertRejects(() => request);
    assertEquals(await settlesWithin(fake.nextDisconnect(), "the disconnect"), "/api/chat");
  }, {
    fake: { scenario: "hang-before-headers" },
    // If the abort never reached Ollama, the gateway's own deadline still ends the test.
    gateway: { firstByteTimeoutMs: 20_000 },
  });
});

Deno.test("ollama api: /api/* needs the key, except the /api/version probe", async () => {
  await withGateway(async (gateway, fake) => {
    const version = await fetch(`${gateway.url}/api/version`);
    assertEquals(version.status, 200);
    assertEquals(await version.json(), { version: "0.32.15" });

    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-key" },
      { authorization: "Basic dXNlcjpwYXNz" },
    ];
    for (const headers of attempts) {
      const response = await fetch(`${gateway.url}/api/tags`, { headers });
      assertEquals(response.status, 401);
      assertMatch(response.headers.get("www-authenticate") ?? "", /^Bearer/);
      assertEquals(typeof (await response.json()).error, "string");
    }
    const chat = await fetch(`${gateway.url}/api/chat`, { method: "POST", body: "{}" });
    assertEquals(chat.status, 401);
    await chat.body?.cancel();
    assertEquals(fake.requests.map((r) => r.path), ["/api/version"]);
  });
});

Deno.test("ollama api: HEAD / answers like Ollama while GET / still leads browsers to the chat", async () => {
  await withGateway(async (gateway) => {
    const head = await fetch(`${gateway.url}/`, { method: "HEAD" });
    assertEquals(head.status, 200);
    assertEquals(head.headers.get("content-type"), "text/plain; charset=utf-8");
    assertEquals(await head.text(), "");

    const page = await fetch(`${gateway.url}/chat`, { method: "HEAD" });
    assertEquals(page.headers.get("content-type"), "text/html; charset=utf-8");
    await page.body?.cancel();

    const get = await fetch(`${gateway.url}/`, { redirect: "manual" });
    assertEquals(get.status, 302);
    assertEquals(get.headers.get("location"), "/chat");
    await get.body?.cancel();
  });
});

Deno.test("ollama api: model management is refused with 403 unless ALLOW_MODEL_MANAGEMENT is on", async () => {
  await withGateway(async (gateway, fake) => {
    const digest = `sha256:${"c".repeat(64)}`;
    for (
      const [method, path] of [
        ["POST", "/api/pull"],
        ["POST", "/api/push"],
        ["POST", "/api/create"],
        ["POST", "/api/copy"],
        ["DELETE", "/api/delete"],
        ["POST", `/api/blobs/${digest}`],
        ["HEAD", `/api/blobs/${digest}`],
      ]
    ) {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: gateway.headers,
        ...(method !== "HEAD" && { body: JSON.stringify({ model: "qwen3:4b" }) }),
      });
      assertEquals(response.status, 403, `${method} ${path}`);
      if (method !== "HEAD") {
        assertMatch((await response.json()).error, /ALLOW_MODEL_MANAGEMENT=true/);
      }
    }
    assertEquals(fake.requests, []);
  });
});

Deno.test("ollama api: with ALLOW_MODEL_MANAGEMENT, pull streams Ollama's progress", async () => {
  await withGateway(async (gateway, fake) => {
    const response = await fetch(`${gateway.url}/api/pull`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "gemma3:1b" }),
    });
    assertEquals(response.status, 200);
    const lines = (await response.text()).trimEnd().split("\n").map((line) => JSON.parse(line));
    assertEquals(lines[0].status, "pulling manifest");
    assertEquals(lines.at(-1).status, "success");
    assert(fake.options.models.includes("gemma3:1b"));
  }, { gateway: { allowModelManagement: true } });
});

Deno.test("ollama api: with ALLOW_MODEL_MANAGEMENT, a model file larger than the body limit uploads", async () => {
  await withGateway(async (gateway, fake) => {
    const file = new Uint8Array(4096).fill(7);
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", file));
    const digest = `sha256:${Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    const url = `${gateway.url}/api/blobs/${digest}`;
    const auth = { authorization: gateway.headers.authorization };

    assertEquals((await fetch(url, { method: "HEAD", headers: auth })).status, 404);
    const upload = await fetch(url, { method: "POST", headers: auth, body: file });
    assertEquals(upload.status, 201);
    await upload.body?.cancel();
    assertEquals((await fetch(url, { method: "HEAD", headers: auth })).status, 200);
    assertEquals(fake.requests.map((r) => r.method), ["HEAD", "POST", "HEAD"]);
    assertEquals(fake.requests[1].body, file);
  }, { gateway: { allowModelManagement: true, maxBodyBytes: 1024 } });
});

Deno.test("ollama api: anything else under /api/ is a 404 in Ollama's error shape", async () => {
  await withGateway(async (gateway, fake) => {
    // Also with model management on, a blob path must name a digest.
    const unknown = [
      ["GET", "/api/nope"],
      ["GET", "/api/chat"],
      ["POST", "/api/tags"],
      ["POST", "/api/blobs/..%2Fpull"],
    ];
    for (const [method, path] of unknown) {
      const response = await fetch(`${gateway.url}${path}`, { method, headers: gateway.headers });
      assertEquals(response.status, 404, `${method} ${path}`);
      assertMatch((await response.json()).error, /not part of Ollama's API/);
    }
    assertEquals(fake.requests, []);
  }, { gateway: { allowModelManagement: true } });
});

Deno.test("ollama api: a body over the limit is a 413, by Content-Length or chunked", async () => {
  await withGateway(async (gateway, fake) => {
    const body = JSON.stringify({ model: "qwen3:4b", prompt: "x".repeat(2000) });
    const sized = await fetch(`${gateway.url}/api/generate`, {
      method: "POST",
      headers: gateway.headers,
      body,
    });
    assertEquals(sized.status, 413);
    assertMatch(
      (await sized.json()).error,
      /larger than 1024 bytes, the most this gateway accepts/,
    );

    const chunked = await fetch(`${gateway.url}/api/generate`, {
      method: "POST",
      headers: gateway.headers,
      body: ReadableStream.from([new TextEncoder().encode(body)]),
    });
    assertEquals(chunked.status, 413);
    assertMatch((await chunked.json()).error, /larger than/);
    assertEquals(fake.requests, []);
  }, { gateway: { maxBodyBytes: 1024 } });
});

Deno.test("ollama api: Ollama unreachable is a 502 in Ollama's error shape, naming OLLAMA_URL", async () => {
  const gateway = startGateway(unreachableUrl());
  try {
    const response = await fetch(`${gateway.url}/api/tags`, { headers: gateway.headers });
    assertEquals(response.status, 502);
    assertMatch(
      (await response.json()).error,
      /not reachable at http:\/\/127\.0\.0\.1:\d+ \(OLLAMA_URL\)/,
    );
  } finally {
    await gateway.close();
  }
});
