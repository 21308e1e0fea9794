import { assert, assertEquals, assertMatch } from "@std/assert";
import { startFakeOllama } from "../../testing/fake_ollama/mod.ts";
import { startGateway } from "../../testing/gateway.ts";
import { unreachableUrl } from "../../testing/with_gateway.ts";

Deno.test("routes: page, static assets, redirects and not-found", async (t) => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url);
  const get = (path: string, init?: RequestInit) =>
    fetch(gateway.url + path, { redirect: "manual", ...init });
  try {
    await t.step("GET / redirects to /chat", async () => {
      const response = await get("/");
      assertEquals(response.status, 302);
      assertEquals(response.headers.get("location"), "/chat");
      await response.body?.cancel();
    });

    await t.step("GET /chat serves the chat page, which links its script and styles", async () => {
      const response = await get("/chat");
      assertEquals(response.status, 200);
      assertEquals(response.headers.get("content-type"), "text/html; charset=utf-8");
      const html = await response.text();
      assertEquals(
        html,
        await Deno.readTextFile(new URL("../../static/chat.html", import.meta.url)),
      );
      assertMatch(html, /src="\/?static\/script\.js"/);
      assertMatch(html, /href="\/?static\/style\.css"/);
    });

    await t.step("static files have the right content types", async () => {
      for (
        const [path, type] of [
          ["/static/script.js", "text/javascript; charset=utf-8"],
          ["/static/style.css", "text/css; charset=utf-8"],
        ]
      ) {
        const response = await get(path);
        assertEquals(response.status, 200, path);
        assertEquals(response.headers.get("content-type"), type, path);
        const file = path.slice(1);
        assertEquals(
          await response.text(),
          await Deno.readTextFile(new URL(`../../${file}`, import.meta.url)),
        );
      }
    });

    await t.step("an unchanged asset revalidates to 304", async () => {
      const first = await get("/static/style.css");
      await first.body?.cancel();
      const etag = first.headers.get("etag")!;
      const again = await get("/static/style.css", { headers: { "if-none-match": etag } });
      assertEquals(again.status, 304);
      await again.body?.cancel();
    });

    await t.step("nothing outside static/ can be reached, encoded .. included", async () => {
      for (
        const path of [
          "/static/../main.ts",
          "/static/%2e%2e/main.ts",
          "/static/%2E%2E%2Fmain.ts",
          "/static/..%2fconfig.ts",
          "/static/..%5cconfig.ts",
          "/static/%252e%252e/main.ts",
          "/static//etc/passwd",
          "/static/",
          "/static/nope.js",
        ]
      ) {
        const response = await get(path);
        const body = await response.text();
        assert(
          response.status === 404 || response.status === 302,
          `${path}: ${response.status}`,
        );
        assert(!body.includes("import"), `${path} leaked a source file`);
      }
    });

    await t.step("unknown paths are 404 JSON", async () => {
      const response = await get("/nope");
      assertEquals(response.status, 404);
      assertEquals(await response.json(), { error: "Not found" });
    });
  } finally {
    await Promise.all([fake.close(), gateway.close()]);
  }
});

Deno.test("/healthz: reports Ollama up and whether the default model is loaded, without a key or secrets", async () => {
  const fake = startFakeOllama(); // Its /api/ps lists qwen3:4b as loaded, not llama3.2:1b.
  try {
    for (const [model, loaded] of [["qwen3:4b", true], ["llama3.2:1b", false]] as const) {
      const gateway = startGateway(fake.url, { defaultModel: model });
      try {
        const response = await fetch(`${gateway.url}/healthz`);
        assertEquals(response.status, 200);
        const text = await response.text();
        assertEquals(JSON.parse(text), { status: "ok", ollama: "up", model, model_loaded: loaded });
        assert(!text.includes(gateway.config.apiKeys[0]));
      } finally {
        await gateway.close();
      }
    }
  } finally {
    await fake.close();
  }
});

Deno.test("/healthz: reports Ollama down when it is unreachable or hangs", async () => {
  const hanging = Deno.listen({ hostname: "127.0.0.1", port: 0 }); // Accepts, never answers.
  for (const url of [unreachableUrl(), `http://127.0.0.1:${hanging.addr.port}`]) {
    const gateway = startGateway(url, { healthTimeoutMs: 300 });
    try {
      const response = await fetch(`${gateway.url}/healthz`);
      assertEquals(response.status, 200);
      assertEquals(await response.json(), {
        status: "ok",
        ollama: "down",
        model: "qwen3:4b",
        model_loaded: false,
      });
    } finally {
      await gateway.close();
    }
  }
  hanging.close();
});
