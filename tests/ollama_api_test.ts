/**
 * Ollama's native API through the gateway, checked with raw HTTP against the fake Ollama.
 *
 * @module
 */

import assert from "node:assert/strict";
import { startFakeOllama } from "./support/fake_ollama.ts";
import { startGateway, TEST_KEY } from "./support/gateway.ts";

/** Runs `body` with a fake Ollama and a gateway in front of it, and closes both. */
async function withGateway(
  body: (
    gateway: ReturnType<typeof startGateway>,
    fake: ReturnType<typeof startFakeOllama>,
  ) => Promise<void>,
  overrides: Parameters<typeof startGateway>[1] = {},
) {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url, overrides);
  try {
    await body(gateway, fake);
  } finally {
    await gateway.close();
    await fake.close();
  }
}

Deno.test("GET /api/tags relays Ollama's model list with the key, and never forwards the key", async () => {
  await withGateway(async (gateway, fake) => {
    const response = await fetch(`${gateway.url}/api/tags`, { headers: gateway.headers });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json");
    const body = await response.json();
    assert.deepEqual(body.models.map((m: { name: string }) => m.name), fake.options.models);
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0].path, "/api/tags");
    assert.equal(fake.requests[0].headers.get("authorization"), null);
    assert.ok(![...fake.requests[0].headers.values()].some((v) => v.includes(TEST_KEY)));
  });
});
