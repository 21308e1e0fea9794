/**
 * The fault suite: Ollama failing in every way the fake can, each giving the client a clear error,
 * and the gateway serving the next request normally (with a cap of one generation, so a request
 * that kept its place would show as a 429 there).
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { type Scenario, startFakeOllama } from "../testing/fake_ollama/mod.ts";
import { answersInFull, postChat, readNdjson, startGateway, waitFor } from "../testing/gateway.ts";
import { unreachableUrl } from "../testing/with_gateway.ts";

/** What the client sees: an error status and message, or a stream whose last line is an error. */
type Expected = { status: number; error: RegExp } | { lastLine: RegExp };

const FAULTS: { scenario: Scenario; expected: Expected; upstreamAborted?: boolean }[] = [
  { scenario: "drop-mid-stream", expected: { lastLine: /Lost the connection to Ollama/ } },
  {
    scenario: "hang-before-headers",
    expected: { status: 504, error: /did not start answering within 0\.3 s/ },
    upstreamAborted: true,
  },
  {
    scenario: "hang-mid-stream",
    expected: { lastLine: /Ollama sent nothing for 0\.3 s; the answer is incomplete/ },
    upstreamAborted: true,
  },
  {
    scenario: "status-500",
    expected: { status: 500, error: /^Ollama: llama runner process .*\(the model crashed/ },
  },
  {
    scenario: "out-of-memory",
    expected: { status: 500, error: /^Ollama: model requires more system memory .*smaller model/ },
  },
  { scenario: "malformed-line", expected: { lastLine: /Ollama sent a line that is not JSON/ } },
  { scenario: "error-mid-stream", expected: { lastLine: /Ollama: llama runner process/ } },
  { scenario: "end-without-done", expected: { lastLine: /ended the answer before it was/ } },
  { scenario: "busy", expected: { status: 429, error: /Ollama is busy/ } },
];

Deno.test("each Ollama fault gives a clear error, and the gateway keeps serving", async (t) => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url, {
    maxConcurrentRequests: 1,
    firstByteTimeoutMs: 300,
    idleTimeoutMs: 300,
  });
  try {
    for (const { scenario, expected, upstreamAborted } of FAULTS) {
      await t.step(scenario, async () => {
        fake.options.scenario = scenario;
        const disconnects = fake.disconnects.length;
        // Bounded, so a fault the gateway fails to notice fails the test instead of hanging it.
        const response = await postChat(gateway, { prompt: "hello" }, {
          signal: AbortSignal.timeout(10_000),
        });
        if ("status" in expected) {
          assertEquals(response.status, expected.status);
          assertMatch((await response.json()).error, expected.error);
        } else {
          assertEquals(response.status, 200);
          const lines = await readNdjson(response);
          assertMatch(String(lines.at(-1)?.error), expected.lastLine);
          assert(lines.slice(0, -1).every((line) => !("error" in line) && !line.done));
        }
        if (upstreamAborted) {
          await fake.nextDisconnect();
          assertEquals(fake.disconnects.length, disconnects + 1);
        }

        fake.options.scenario = "normal";
        await waitFor(() => answersInFull(gateway), "a normal answer after the fault", 5_000);
      });
    }
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("Ollama unreachable: 502 naming OLLAMA_URL, and the gateway keeps serving", async () => {
  const deadUrl = unreachableUrl();
  const gateway = startGateway(deadUrl);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await postChat(gateway, { prompt: "hello" });
      assertEquals(response.status, 502);
      const { error } = await response.json();
      assertMatch(error, /not reachable/);
      assert(error.includes(`${deadUrl} (OLLAMA_URL)`));
    }
    const health = await fetch(`${gateway.url}/healthz`);
    assertEquals((await health.json()).ollama, "down");
  } finally {
    await gateway.close();
  }
});

Deno.test("a slow but steady answer is not cut off by the idle timeout", async () => {
  const fake = startFakeOllama({ tokenDelayMs: 100 });
  const gateway = startGateway(fake.url, { idleTimeoutMs: 1_000 });
  try {
    // Eleven tokens 0.1 s apart: 1.1 s in all, longer than the idle timeout, never idle for it.
    const lines = await readNdjson(await postChat(gateway, { prompt: "hi", think: false }));
    assertEquals(lines.at(-1)?.done, true);
    assertEquals(lines.filter((line) => "error" in line).length, 0);
  } finally {
    await fake.close();
    await gateway.close();
  }
});
