/**
 * A request body the client cuts short: `Content-Length: 500`, 9 bytes, then the client shuts its
 * side. It is the client's failure (400 and a warning), never an outage of Ollama (502).
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { startFakeOllama } from "../../testing/fake_ollama/mod.ts";
import { captureConsole, startGateway, TEST_KEY, waitFor } from "../../testing/gateway.ts";

/** Sends `head` and `body` raw to the gateway at `url`, shuts the sending side, reads the answer. */
async function sendCutShort(url: string, head: string, body: string): Promise<string> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(url).port) });
  try {
    await connection.write(new TextEncoder().encode(head + "\r\n\r\n" + body));
    await connection.closeWrite();
    let answer = "";
    const buffer = new Uint8Array(4096);
    for (let n = await connection.read(buffer); n !== null; n = await connection.read(buffer)) {
      answer += new TextDecoder().decode(buffer.subarray(0, n));
      if (answer.includes("\r\n\r\n") && answer.endsWith("}")) break;
    }
    return answer;
  } finally {
    connection.close();
  }
}

for (const path of ["/api/chat", "/v1/chat/completions", "/chat_api"]) {
  for (const framing of ["Content-Length: 500", "Transfer-Encoding: chunked"]) {
    Deno.test(`${path}, ${framing}: a body cut short is a 400 and a warning, not a 502`, async () => {
      const fake = startFakeOllama();
      const gateway = startGateway(fake.url, { logLevel: "info" });
      const start = framing.startsWith("Content") ? '{"model":' : '9\r\n{"model":\r\n';
      try {
        let answer = "";
        const lines = await captureConsole(async (lines) => {
          answer = await sendCutShort(
            gateway.url,
            `POST ${path} HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${TEST_KEY}\r\n` +
              `Content-Type: application/json\r\n${framing}`,
            start,
          );
          await waitFor(() => lines.length >= 1, "the request's log line");
        });
        assertMatch(answer, /^HTTP\/1\.1 400 /);
        assertMatch(answer, /ended before it was complete/);
        assertEquals(lines.length, 1, lines.join("\n"));
        assertMatch(lines[0], new RegExp(`^\\S+ warn POST ${path} 400 `));
        assert(!/not reachable|error/.test(lines[0]), lines[0]);
        assertEquals(fake.requests.length, 0, "nothing went to Ollama");
      } finally {
        await fake.close();
        await gateway.close();
      }
    });
  }
}
