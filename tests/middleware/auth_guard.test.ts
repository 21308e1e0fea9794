/** The brute-force guard (`AUTH_FAILURE_LIMIT`): alone with a fake clock, then in the gateway. */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { Hono } from "hono";
import { requireApiKey } from "../../middleware/auth.ts";
import { authFailureGuard } from "../../middleware/auth_guard.ts";
import { errorHandler } from "../../server/errors.ts";
import { createLogger } from "../../server/logger.ts";
import { startFakeOllama } from "../../testing/fake_ollama/mod.ts";
import { postChat, readNdjson, startGateway, TEST_KEY } from "../../testing/gateway.ts";

const KEY = "right-key";

/** An app behind the guard; the client is whoever the `x-client` header names. */
function guardedApp(options: { limit: number; maxClients?: number }) {
  let time = 0;
  const guard = authFailureGuard({
    windowMs: 60_000,
    clientAddress: (c) => c.req.header("x-client") ?? "nobody",
    now: () => time,
    ...options,
  });
  const app = new Hono()
    .use(requireApiKey([KEY], guard))
    .get("/", (c) => c.text("in"))
    .onError(errorHandler(createLogger("error")));
  const call = (client: string, key?: string) =>
    app.request("/", {
      headers: { "x-client": client, ...(key !== undefined && { authorization: `Bearer ${key}` }) },
    });
  return { guard, call, advance: (ms: number) => time += ms };
}

Deno.test("after the limit of failures a client gets 429 for the rest of the window, right key or not", async () => {
  const { call, advance } = guardedApp({ limit: 3 });
  for (let i = 0; i < 3; i++) assertEquals((await call("mallory", "guess")).status, 401);

  advance(15_000);
  const blocked = await call("mallory", KEY);
  assertEquals(blocked.status, 429);
  assertEquals(blocked.headers.get("retry-after"), "45");
  assertMatch((await blocked.json()).error, /Too many failed authentications.*45 s/);
  // Checked before the key: a blocked client learns nothing about its guesses.
  assertEquals((await call("mallory", "guess")).status, 429);
  assertEquals((await call("alice", KEY)).status, 200, "other clients are not blocked");

  advance(44_999);
  assertEquals((await call("mallory", KEY)).status, 429);
  assertEquals((await call("mallory", KEY)).headers.get("retry-after"), "1");
  advance(1);
  assertEquals((await call("mallory", KEY)).status, 200, "the block ends with the window");
  assertEquals((await call("mallory", "guess")).status, 401, "and a new window starts afresh");
});

Deno.test("failures count within one window; a request without a key is no failure", async () => {
  const { call, advance } = guardedApp({ limit: 2 });
  for (let i = 0; i < 5; i++) assertEquals((await call("bob")).status, 401);
  assertEquals((await call("bob", KEY)).status, 200);

  assertEquals((await call("bob", "guess")).status, 401);
  advance(60_000);
  assertEquals((await call("bob", "guess")).status, 401, "the first failure's window is over");
  assertEquals((await call("bob", KEY)).status, 200);
  assertEquals((await call("bob", "not a token!")).status, 401, "a malformed header counts");
  assertEquals((await call("bob", KEY)).status, 429);
});

Deno.test("the guard remembers at most maxClients clients, and forgets expired windows", async () => {
  const { guard, call, advance } = guardedApp({ limit: 1, maxClients: 100 });
  for (let i = 0; i < 1000; i++) await call(`client-${i}`, "guess");
  assertEquals(guard.trackedClients(), 100);
  assertEquals((await call("client-999", KEY)).status, 429, "the newest are kept");
  assertEquals((await call("client-0", KEY)).status, 200, "the oldest were forgotten");

  advance(60_000);
  await call("late", "guess");
  assertEquals(guard.trackedClients(), 1);
});

Deno.test("the gateway blocks a client after AUTH_FAILURE_LIMIT wrong keys, even with the right key", async () => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url, { authFailureLimit: 3 });
  try {
    const wrong = { authorization: "Bearer wrong-key" };
    for (let i = 0; i < 3; i++) {
      const response = await postChat(gateway, { prompt: "hi" }, { headers: wrong });
      assertEquals(response.status, 401);
      await response.body?.cancel();
    }
    // Without TRUST_PROXY the client is the socket peer: a made-up X-Forwarded-For changes nothing.
    const blocked = await postChat(gateway, { prompt: "hi" }, {
      headers: { "x-forwarded-for": "203.0.113.9" },
    });
    assertEquals(blocked.status, 429);
    const retryAfter = Number(blocked.headers.get("retry-after"));
    assert(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assertMatch((await blocked.json()).error, /Too many failed authentications/);
    assertEquals(fake.requests.length, 0, "nothing reached Ollama");
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("the guard is shared: wrong keys on /v1 and /api block the client on every route", async () => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url, { authFailureLimit: 2 });
  const wrong = { authorization: "Bearer wrong-key" };
  try {
    const openAi = await fetch(`${gateway.url}/v1/models`, { headers: wrong });
    assertEquals(openAi.status, 401);
    await openAi.body?.cancel();
    const native = await fetch(`${gateway.url}/api/tags`, { headers: wrong });
    assertEquals(native.status, 401);
    await native.body?.cancel();

    for (const path of ["/api/tags", "/v1/models"]) {
      const blocked = await fetch(gateway.url + path, { headers: gateway.headers });
      assertEquals(blocked.status, 429, path);
      assert(Number(blocked.headers.get("retry-after")) >= 1, path);
      await blocked.body?.cancel();
    }
    const chat = await postChat(gateway, { prompt: "hi" });
    assertEquals(chat.status, 429);
    await chat.body?.cancel();
    assertEquals(fake.requests.length, 0, "nothing reached Ollama");
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("behind one appending proxy (TRUST_PROXY=1) a forged X-Forwarded-For entry never counts", async () => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url, { authFailureLimit: 3, trustProxy: 1 });
  // What nginx's `$proxy_add_x_forwarded_for` sends on: the client's header, then the address
  // nginx saw.
  const through = (seen: string, forged: string | undefined, key = TEST_KEY) =>
    postChat(gateway, { prompt: "hi" }, {
      headers: {
        "x-forwarded-for": forged === undefined ? seen : `${forged}, ${seen}`,
        authorization: `Bearer ${key}`,
      },
    });
  try {
    // An attacker at .7 guesses keys, each with another forged entry: counted as .7 all the same.
    for (let i = 0; i < 5; i++) {
      const guess = await through("198.51.100.7", `10.9.8.${i}`, `wrong-key-${i}-0123456789`);
      assertEquals(guess.status, i < 3 ? 401 : 429, `guess ${i}`);
      await guess.body?.cancel();
    }
    // Forging the victim's address (.8) blocked the attacker, not the victim.
    const victim = await through("198.51.100.8", undefined);
    assertEquals(victim.status, 200, "the client the attacker named is let in");
    assertEquals((await readNdjson(victim)).at(-1)?.done, true);
    const attacker = await through("198.51.100.7", "198.51.100.8");
    assertEquals(attacker.status, 429);
    await attacker.body?.cancel();
  } finally {
    await fake.close();
    await gateway.close();
  }
});

Deno.test("with fewer X-Forwarded-For entries than proxies, or none, the socket peer counts", async () => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url, { authFailureLimit: 2, trustProxy: 2 });
  try {
    // Each with one made-up entry: two proxies would have written two, so the peer is the client.
    for (let i = 0; i < 2; i++) {
      const guess = await postChat(gateway, { prompt: "hi" }, {
        headers: {
          "x-forwarded-for": `192.0.2.${i}`,
          authorization: "Bearer wrong-key-0123456789",
        },
      });
      assertEquals(guess.status, 401);
      await guess.body?.cancel();
    }
    const withoutHeader = await postChat(gateway, { prompt: "hi" });
    assertEquals(withoutHeader.status, 429, "the peer, 127.0.0.1, is blocked");
    await withoutHeader.body?.cancel();
  } finally {
    await fake.close();
    await gateway.close();
  }
});
