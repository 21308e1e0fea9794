/**
 * Load: 500 answers streaming at once through the gateway, every one checked byte for byte. The
 * fake holds each answer's last token until all 500 are open, so they truly overlap.
 */

import { assert, assertEquals } from "@std/assert";
import { DEFAULT_THINKING, defaultReply, startFakeOllama } from "../testing/fake_ollama/mod.ts";
import { postChat, readNdjson, startGateway, waitFor } from "../testing/gateway.ts";

const STREAMS = 500;
/** Sockets the test holds open: client, gateway in and out, and fake, per stream; plus spare. */
const FILES_NEEDED = STREAMS * 4 + 200;

/** This process's limit on open files, as a shell it starts inherits it ("unlimited": none). */
async function openFileLimit(): Promise<number | undefined> {
  try {
    const { stdout } = await new Deno.Command("sh", { args: ["-c", "ulimit -Sn"] }).output();
    return Number(new TextDecoder().decode(stdout).trim()) || undefined;
  } catch {
    return undefined;
  }
}

Deno.test(`${STREAMS} concurrent streams arrive whole, byte for byte`, async () => {
  const limit = await openFileLimit();
  assert(
    limit === undefined || limit >= FILES_NEEDED,
    `The load test needs ${FILES_NEEDED} open files, and this shell allows ${limit}: ` +
      "raise the limit first, e.g. ulimit -n 4096 (.ci/run does)",
  );
  const fake = startFakeOllama({ scenario: "hold-last-token", tokenDelayMs: 1 });
  const gateway = startGateway(fake.url, {
    maxConcurrentRequests: STREAMS,
    numParallel: STREAMS,
    logLevel: "warn",
  });
  try {
    const prompts = Array.from({ length: STREAMS }, (_, i) => `stream ${i}: ünï ✓ 日本 👋`);
    const responses = await Promise.all(prompts.map((prompt) => postChat(gateway, { prompt })));
    assertEquals(responses.map((response) => response.status), prompts.map(() => 200));
    await waitFor(() => fake.held === STREAMS, `${STREAMS} answers open at once`, 30_000);

    fake.releaseLastToken();
    const answers = await Promise.all(responses.map(readNdjson));
    for (const [i, lines] of answers.entries()) {
      const text = (field: string) => lines.map((line) => line[field] ?? "").join("");
      assertEquals(text("response"), defaultReply(prompts[i]), `stream ${i}`);
      assertEquals(text("thinking"), DEFAULT_THINKING, `stream ${i}`);
      assertEquals(lines.at(-1)?.done, true, `stream ${i}`);
    }
    assertEquals(fake.maxActive, STREAMS);
  } finally {
    await fake.close();
    await gateway.close();
  }
});
