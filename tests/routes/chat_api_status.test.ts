/**
 * `/chat_api` while a request waits: status lines (queued, loading, waiting, keep-alive), errors
 * after them as `{"error"}` lines, and a slot held only while Ollama works (a slow body, an
 * unread stream). The fake answers one request at a time, as Ollama does by default.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { defaultReply } from "../../testing/fake_ollama/mod.ts";
import {
  answerText,
  ndjsonReader,
  postChat,
  readNdjson,
  readRest,
  startGateway,
  waitFor,
} from "../../testing/gateway.ts";
import { closeQuietly, readResponse, slowBody } from "../../testing/raw_http.ts";
import { withGateway } from "../../testing/with_gateway.ts";

type Line = Record<string, unknown>;
const isStatus = (line: Line) => "status" in line;

Deno.test("/chat_api status: three at once, one at a time: the 2nd and 3rd are told their place, all get their whole answer", async () => {
  await withGateway(async (gateway, fake) => {
    const prompts = ["one", "two", "three"];
    const responses = await Promise.all(prompts.map((prompt) => postChat(gateway, { prompt })));
    assertEquals(responses.map((response) => response.status), [200, 200, 200]);
    const readers = responses.map(ndjsonReader);
    const firstLines = await Promise.all(readers.map((reader) => reader.next()));
    const queued = firstLines.filter((line) => line?.status === "queued");
    assertEquals(queued.map((line) => line!.position).sort(), [1, 2]);
    for (const line of queued) assertEquals(typeof line!.elapsed_s, "number");
    const running = firstLines.findIndex((line) => !isStatus(line!));
    assert(running !== -1, "the first in line is answered without status lines");

    const answers: Line[][] = prompts.map((_, index) => [firstLines[index]!]);
    const reading = readers.map((reader, index) =>
      readRest(reader).then((rest) => answers[index].push(...rest))
    );
    const asked = () => fake.requests.filter((request) => request.path === "/api/chat").length;
    for (let answered = 0; answered < 3; answered++) {
      await waitFor(
        () => asked() === answered + 1 && fake.held === 1,
        `answer ${answered + 1} at its last token`,
      );
      assertEquals(fake.active, 1, "Ollama answers one at a time");
      fake.releaseLastToken();
    }
    await Promise.all(reading);

    for (const [index, lines] of answers.entries()) {
      assertEquals(lines.at(-1)?.done, true, `${prompts[index]}: ${JSON.stringify(lines.at(-1))}`);
      assertEquals(answerText(lines), defaultReply(prompts[index]));
      assert(!lines.some((line) => "error" in line), "no 504, no error");
      const firstAnswerLine = lines.findIndex((line) => !isStatus(line));
      assert(lines.slice(firstAnswerLine).every((line) => !isStatus(line)), "status lines first");
    }
    const last = firstLines.findIndex((line) => line?.position === 2);
    const lastStatuses = answers[last].filter(isStatus);
    assertEquals(
      lastStatuses.map((line) =>
        line.status === "queued" ? `queued ${line.position}` : line.status
      ),
      ["queued 2", "queued 1", "waiting"],
      "the last in line is told each move",
    );
    assertEquals(fake.maxActive, 1);
  }, {
    fake: { scenario: "hold-last-token", numParallel: 1 },
    // No keep-alive line during the test: each line is a move.
    gateway: { numParallel: 1, statusIntervalMs: 600_000 },
  });
});

Deno.test("/chat_api status: loading while Ollama loads the model, with keep-alive lines, then the answer", async () => {
  await withGateway(async (gateway, fake) => {
    const response = await postChat(gateway, { prompt: "wake up", think: false });
    assertEquals(response.status, 200);
    const reader = ndjsonReader(response);
    const seen: Line[] = [];
    // Keep-alive lines repeat the standing every statusIntervalMs; wait for a few of them.
    while (seen.filter((line) => line.status === "loading").length < 3) {
      const line = await reader.next();
      assert(line && isStatus(line), JSON.stringify(line));
      seen.push(line);
    }
    const models = await (await fetch(`${fake.url}/api/ps`)).json();
    assertEquals(models.models, [], "nothing is loaded yet");
    fake.finishLoads();
    const rest = await readRest(reader);

    assertEquals(seen[0], { status: "waiting", elapsed_s: seen[0].elapsed_s });
    const loading = seen.filter((line) => line.status === "loading");
    for (const line of loading) {
      assertEquals(Object.keys(line), ["status", "model", "elapsed_s"]);
      assertEquals(line.model, "qwen3:4b");
      assertEquals(typeof line.elapsed_s, "number");
    }
    assertEquals(rest.at(-1)?.done, true);
    assertEquals(answerText(rest), defaultReply("wake up"));
  }, {
    fake: { preloaded: [], loadDelayMs: Infinity },
    gateway: { statusDelayMs: 50, statusIntervalMs: 50 },
  });
});

Deno.test("/chat_api status: an answer that is quick to begin has no status lines", async () => {
  await withGateway(async (gateway) => {
    const lines = await readNdjson(await postChat(gateway, { prompt: "quick" }));
    assert(!lines.some(isStatus));
    assertEquals(lines.at(-1)?.done, true);
  }, { gateway: { numParallel: 1 } });
});

Deno.test('/chat_api status: a wait in line past QUEUE_TIMEOUT_S ends with an {"error"} line saying the server was busy', async () => {
  await withGateway(async (gateway, fake) => {
    const first = await postChat(gateway, { prompt: "holds the slot", think: false });
    const late = await readNdjson(await postChat(gateway, { prompt: "late" }));
    assertEquals(late[0].status, "queued");
    assertMatch(String(late.at(-1)?.error), /The server was busy.*QUEUE_TIMEOUT_S/);
    assert(!late.some((line) => line.done));
    fake.releaseLastToken();
    assertEquals((await readNdjson(first)).at(-1)?.done, true);
  }, {
    fake: { scenario: "hold-last-token" },
    gateway: { numParallel: 1, queueTimeoutMs: 300 },
  });
});

Deno.test('/chat_api status: Ollama refusing a request after its status lines began is an {"error"} line', async () => {
  await withGateway(async (gateway, fake) => {
    const first = await postChat(gateway, { prompt: "holds the slot", think: false });
    const unknown = postChat(gateway, { prompt: "x", model: "nope:1b" }).then(readNdjson);
    await waitFor(() => gateway.queue.waiting === 1, "the unknown model in line");
    fake.releaseLastToken();
    const lines = await unknown;
    assertEquals(lines[0].status, "queued");
    assertMatch(String(lines.at(-1)?.error), /model 'nope:1b' not found.*ollama pull nope:1b/);
    assertEquals((await readNdjson(first)).at(-1)?.done, true);
  }, { fake: { scenario: "hold-last-token" }, gateway: { numParallel: 1 } });
});

Deno.test("/chat_api status: a client that stops reading while in line gives its place back", async () => {
  await withGateway(async (gateway, fake) => {
    const first = await postChat(gateway, { prompt: "holds the slot", think: false });
    const leaving = new AbortController();
    const leaver = await postChat(gateway, { prompt: "leaves" }, { signal: leaving.signal });
    const reader = ndjsonReader(leaver);
    assertEquals((await reader.next())?.status, "queued");
    assertEquals(gateway.queue.waiting, 1);
    leaving.abort();
    await waitFor(() => gateway.queue.waiting === 0, "the place given back");
    fake.releaseLastToken();
    assertEquals((await readNdjson(first)).at(-1)?.done, true);
    assert(!fake.requests.some((request) => JSON.stringify(request.body).includes("leaves")));
  }, { fake: { scenario: "hold-last-token" }, gateway: { numParallel: 1 } });
});

Deno.test("/chat_api status: a slow body and an unread stream hold no slot: a normal request still gets one", async () => {
  // An answer of 25 MB, far more than the sockets between gateway and client can hold.
  const reply = Array.from({ length: 200 }, () => "x".repeat(128 * 1024)).join(" ");
  await withGateway(async (gateway, fake) => {
    const slow = await slowBody(gateway, "/chat_api");
    const unread = await postChat(gateway, { prompt: "never read", think: false });
    try {
      assertEquals(unread.status, 200);
      // The gateway ends the unread answer after IDLE_TIMEOUT_S and gives its slot back.
      await waitFor(
        () => gateway.queue.running === 0,
        "the unread answer's slot given back",
        20_000,
      );

      fake.options.reply = "A normal answer.";
      const normal = await readNdjson(await postChat(gateway, { prompt: "normal", think: false }));
      assertEquals(answerText(normal), "A normal answer.");
      assertEquals(normal.at(-1)?.done, true);
      assertEquals(gateway.queue.running + gateway.queue.waiting, 0, "the slow body holds nothing");
    } finally {
      // Even when the test fails, so that the gateway can close.
      await unread.body!.cancel();
      closeQuietly(slow);
    }
  }, {
    fake: { reply },
    // The slow body is still arriving when the test ends.
    gateway: {
      numParallel: 1,
      maxConcurrentRequests: 2,
      idleTimeoutMs: 500,
      bodyTimeoutMs: 60_000,
    },
  });
});

Deno.test("/chat_api: a body that arrives too slowly gets 408, and one cut short gets 400", async () => {
  const gateway = startGateway("http://127.0.0.1:9", { bodyTimeoutMs: 300 });
  try {
    const slow = await slowBody(gateway, "/chat_api");
    const answer = await readResponse(slow);
    assertMatch(answer, /^HTTP\/1\.1 408 /);
    assertMatch(answer, /did not arrive in full within 0.3 s/);

    const cut = await slowBody(gateway, "/chat_api");
    await cut.closeWrite();
    assertMatch(await readResponse(cut), /^HTTP\/1\.1 400 [^]*ended before it was complete/);
  } finally {
    await gateway.close();
  }
});
