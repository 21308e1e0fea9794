/** Security headers on every response, and CORS: off by default, on for listed origins. */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { startFakeOllama } from "../../testing/fake_ollama/mod.ts";
import { postChat, readNdjson, startGateway, type TestGateway } from "../../testing/gateway.ts";

/** One of each kind of response: page, asset, redirect, health, 404, 401, 400, stream. */
async function sampleResponses(gateway: TestGateway): Promise<[string, Response][]> {
  const get = (path: string) => fetch(gateway.url + path);
  return [
    ["the chat page", await get("/chat")],
    ["an asset", await get("/static/script.js")],
    ["the redirect", await fetch(gateway.url + "/", { redirect: "manual" })],
    ["health", await get("/healthz")],
    ["not found", await get("/nope")],
    ["no key", await postChat(gateway, { prompt: "hi" }, { headers: { authorization: "" } })],
    ["a bad request", await postChat(gateway, { prompt: 3 })],
    ["a stream", await postChat(gateway, { prompt: "hi" })],
  ];
}

Deno.test("every response carries the CSP, nosniff and Referrer-Policy, and no X-Frame-Options", async () => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url);
  try {
    for (const [what, response] of await sampleResponses(gateway)) {
      await response.body?.cancel();
      const csp = response.headers.get("content-security-policy") ?? "";
      const directives = new Map(
        csp.split(";").map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [
          name,
          values,
        ]),
      );
      assertEquals(directives.get("script-src"), ["'self'"], what);
      assertEquals(
        directives.get("frame-ancestors"),
        ["'self'", "https://huggingface.co", "https://*.hf.space"],
        what,
      );
      assert(!/unsafe-inline|unsafe-eval/.test(csp), `${what}: ${csp}`);
      assertEquals(response.headers.get("x-content-type-options"), "nosniff", what);
      assertEquals(response.headers.get("referrer-policy"), "no-referrer", what);
      assertEquals(response.headers.get("x-frame-options"), null, what);
    }
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("CORS is off by default: no preflight, no Access-Control headers", async () => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url);
  try {
    const preflight = await fetch(`${gateway.url}/chat_api`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    await preflight.body?.cancel();
    assertEquals(preflight.headers.get("access-control-allow-origin"), null);
    assertEquals(preflight.headers.get("access-control-allow-methods"), null);

    const response = await postChat(gateway, { prompt: "hi" }, {
      headers: { origin: "https://app.example" },
    });
    await readNdjson(response);
    assertEquals(response.headers.get("access-control-allow-origin"), null);
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("CORS_ORIGINS allows exactly those origins, on the API routes only", async () => {
  const fake = startFakeOllama();
  const allowed = "https://app.example";
  const gateway = startGateway(fake.url, { corsOrigins: [allowed, "http://localhost:8888"] });
  try {
    const preflight = await fetch(`${gateway.url}/chat_api`, {
      method: "OPTIONS",
      headers: {
        origin: allowed,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    await preflight.body?.cancel();
    assertEquals(preflight.status, 204);
    assertEquals(preflight.headers.get("access-control-allow-origin"), allowed);
    assertMatch(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
    assertMatch(preflight.headers.get("access-control-allow-headers") ?? "", /Authorization/i);

    const response = await postChat(gateway, { prompt: "hi" }, { headers: { origin: allowed } });
    assertEquals((await readNdjson(response)).at(-1)?.done, true);
    assertEquals(response.headers.get("access-control-allow-origin"), allowed);
    assertMatch(response.headers.get("access-control-expose-headers") ?? "", /Retry-After/);
    assertMatch(response.headers.get("vary") ?? "", /Origin/);

    const refused = await postChat(gateway, { prompt: "hi" }, {
      headers: { origin: "https://evil.example" },
    });
    await refused.body?.cancel();
    assertEquals(refused.headers.get("access-control-allow-origin"), null);

    const page = await fetch(`${gateway.url}/chat`, { headers: { origin: allowed } });
    await page.body?.cancel();
    assertEquals(page.headers.get("access-control-allow-origin"), null, "the page is not API");
  } finally {
    await fake.close();
    await gateway.close();
  }
});
