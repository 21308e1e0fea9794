/** Probes without a key share one recent answer from Ollama: 1,000 probes, a handful of requests. */

import { assert, assertEquals } from "@std/assert";
import { startFakeOllama } from "../../testing/fake_ollama/mod.ts";
import { startGateway } from "../../testing/gateway.ts";
import { PROBE_ANSWER_MS } from "../../ollama/shared_answer.ts";

Deno.test("1,000 probes without a key (/healthz, GET /api/version) cause a handful of Ollama requests", async () => {
  const fake = startFakeOllama();
  // A thousand requests at once are slow on a busy machine: room for the probe to answer.
  const gateway = startGateway(fake.url, { healthTimeoutMs: 30_000 });
  try {
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 1000 }, async (_, index) => {
        const path = index % 2 === 0 ? "/healthz" : "/api/version";
        const response = await fetch(gateway.url + path);
        return [path, response.status, await response.json()] as const;
      }),
    );
    const elapsedMs = performance.now() - started;
    for (const [path, status, body] of answers) {
      assertEquals(status, 200, path);
      if (path === "/healthz") assertEquals(body.ollama, "up");
      else assertEquals(typeof body.version, "string");
    }
    // One look per PROBE_ANSWER_MS at most, however long the machine took to send all 1,000.
    const most = Math.ceil(elapsedMs / PROBE_ANSWER_MS) + 1;
    for (const path of ["/", "/api/version"]) {
      const asked = fake.requests.filter((request) => request.path === path).length;
      assert(asked >= 1 && asked <= most, `${asked} requests to ${path} in ${elapsedMs} ms`);
    }
    assertEquals(fake.requests.length <= 2 * most, true);
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("a probe after the shared answer grew old asks Ollama again, and sees it go down", async () => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url);
  try {
    const first = await fetch(`${gateway.url}/healthz`);
    assertEquals((await first.json()).ollama, "up");
    await fake.close();
    await new Promise((resolve) => setTimeout(resolve, PROBE_ANSWER_MS + 100));
    const later = await fetch(`${gateway.url}/healthz`);
    assertEquals((await later.json()).ollama, "down");
    const version = await fetch(`${gateway.url}/api/version`);
    assertEquals(version.status, 502);
    await version.body?.cancel();
  } finally {
    await gateway.close();
  }
});
