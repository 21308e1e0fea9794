/**
 * The gateway under a connection flood: `main.ts` in its own process with few file descriptors,
 * idle and slow-header connections by the hundred, and the timeouts that close such connections.
 */

import { assert, assertEquals } from "@std/assert";
import { startFakeOllama } from "../../testing/fake_ollama/mod.ts";
import { settlesWithin, TEST_KEY } from "../../testing/gateway.ts";
import { isRunning, runMain } from "../../testing/process.ts";

/** Opens `count` TCP connections to the port of `url`, sending `first` on each (if any). */
async function openConnections(url: string, count: number, first = ""): Promise<Deno.Conn[]> {
  const port = Number(new URL(url).port);
  const connections: Deno.Conn[] = [];
  for (let i = 0; i < count; i++) {
    const connection = await Deno.connect({ hostname: "127.0.0.1", port });
    if (first) await connection.write(new TextEncoder().encode(first));
    connections.push(connection);
  }
  return connections;
}

/** Resolves once the server closed `connection` (its read ends), after reading what it sent. */
async function closedByServer(connection: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(4096);
  let received = "";
  try {
    for (let n = await connection.read(buffer); n !== null; n = await connection.read(buffer)) {
      received += new TextDecoder().decode(buffer.subarray(0, n));
    }
  } catch {
    // Reset rather than closed: closed all the same.
  }
  return received;
}

Deno.test("a flood of idle and slow-header connections under a low open-file limit: /healthz still answers", async () => {
  const fake = startFakeOllama();
  // 200 descriptors, as in the report that made Deno.serve's accept loop fail and the process exit.
  const gateway = runMain(
    { OLLAMA_URL: fake.url, OLLAMA_API_KEY: TEST_KEY },
    { launcher: ["prlimit", "--nofile=200:200"] },
  );
  const flood: Deno.Conn[] = [];
  try {
    await gateway.waitForOutput(/listening on/);
    flood.push(...await openConnections(gateway.url, 400));
    flood.push(...await openConnections(gateway.url, 50, "GET /healthz HTTP/1.1\r\nHost: x\r\n"));

    const health = await fetch(`${gateway.url}/healthz`);
    assertEquals(health.status, 200);
    assertEquals((await health.json()).ollama, "up");
    assert(await isRunning(gateway.pid), "the gateway still runs");
    // It said why it now serves fewer connections than MAX_CONNECTIONS.
    await gateway.waitForOutput(
      /Out of file descriptors with \d+ connections open: serving at most/,
    );
  } finally {
    for (const connection of flood) connection.close();
    gateway.kill("SIGTERM");
    assertEquals((await gateway.exited()).code, 0, gateway.output());
    await fake.close();
  }
});

Deno.test("connections that send no headers, slow headers, or sit idle after a response are closed", async () => {
  const fake = startFakeOllama();
  const gateway = runMain({
    OLLAMA_URL: fake.url,
    OLLAMA_API_KEY: TEST_KEY,
    HEADER_TIMEOUT_S: "1",
    KEEP_ALIVE_TIMEOUT_S: "1",
  });
  try {
    await gateway.waitForOutput(/listening on/);
    const [silent] = await openConnections(gateway.url, 1);
    const [slow] = await openConnections(gateway.url, 1, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const [idle] = await openConnections(
      gateway.url,
      1,
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    const [nothing, slowAnswer, idleAnswer] = await settlesWithin(
      Promise.all([silent, slow, idle].map(closedByServer)),
      "the server closing all three connections",
    );
    assertEquals(nothing, "");
    assertEquals(slowAnswer, "", "no answer to headers that never ended");
    assert(idleAnswer.startsWith("HTTP/1.1 200"), "the complete request was answered first");
    for (const connection of [silent, slow, idle]) connection.close();
  } finally {
    gateway.kill("SIGTERM");
    await gateway.exited();
    await fake.close();
  }
});
