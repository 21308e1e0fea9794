/**
 * Fuzzing `/chat_api` with 1,200 random and malformed bodies from a seeded generator (set
 * `FUZZ_SEED` to replay another run): every answer must be a clear client error or a complete
 * stream, never a 5xx, and the gateway must keep serving.
 */

import { assert, assertEquals } from "@std/assert";
import { startFakeOllama } from "../testing/fake_ollama/mod.ts";
import { answersInFull, readNdjson, startGateway, type TestGateway } from "../testing/gateway.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20251126);
const CASES = 1_200;
const PARALLEL = 8;

/** Mulberry32: a small, fast PRNG with a 32-bit seed, good enough to pick test inputs. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Generators of request bodies, each returning the bytes (or text) to send. */
function bodyGenerators(random: () => number) {
  const int = (max: number) => Math.floor(random() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const text = (length: number) =>
    Array.from(
      { length },
      () => pick(["a", " ", "é", "日", "👋", "\n", '"', "\\", "\u0000", "\u2028", "{", "]"]),
    ).join("");
  const value = (depth = 0): unknown => {
    switch (int(depth > 3 ? 5 : 8)) {
      case 0:
        return null;
      case 1:
        return random() < 0.5;
      case 2:
        return pick([0, -1, 1e308, -0, 3.14, Number.MAX_SAFE_INTEGER + 2]);
      case 3:
      case 4:
        return text(int(20));
      case 5:
        return Array.from({ length: int(4) }, () => value(depth + 1));
      default:
        return Object.fromEntries(
          Array.from({ length: int(4) }, () => [text(int(6)), value(depth + 1)]),
        );
    }
  };
  const field = () =>
    pick([
      "prompt",
      "model",
      "history",
      "system",
      "think",
      "options",
      "__proto__",
      "constructor",
    ]);
  const nested = (depth: number, open: string, close: string, inner = "1") =>
    open.repeat(depth) + inner + close.repeat(depth);

  return {
    "random bytes": () => crypto.getRandomValues(new Uint8Array(new ArrayBuffer(int(3000)))),
    "random JSON value": () => JSON.stringify(value()),
    "object of random fields": () =>
      JSON.stringify(Object.fromEntries(Array.from({ length: int(6) }, () => [field(), value()]))),
    "valid request with odd text": () =>
      JSON.stringify({
        prompt: text(1 + int(40)) + "x",
        ...(random() < 0.5 && { system: text(int(20)) }),
        ...(random() < 0.5 && {
          history: [{ role: pick(["user", "assistant"]), content: text(int(20)) }],
        }),
        ...(random() < 0.5 && { think: pick([true, false, "low", "medium", "high"]) }),
        ...(random() < 0.5 && { options: { temperature: random(), num_predict: int(100) } }),
      }),
    "wrong types in a valid shape": () =>
      JSON.stringify({
        prompt: pick(["hi", "", "   ", 1, null, ["hi"], { text: "hi" }]),
        model: pick([undefined, "", "qwen3:4b", "nope:1b", 7, ["qwen3:4b"]]),
        history: pick([undefined, [], "hi", [{ role: "system", content: "x" }], [null], [1]]),
        think: pick([undefined, true, "max", 1, null]),
        options: pick([undefined, {}, [], "hot", { temperature: "hot" }, { stop: ["\n"] }]),
      }),
    "deep nesting": () => {
      const depth = 1 + int(200_000);
      return pick([
        () => nested(depth, "[", "]"),
        () => nested(depth, '{"a":', "}"),
        () => `{"prompt":"hi","options":${nested(depth, '{"a":', "}")}}`,
        () => `{"prompt":"hi","history":${nested(depth, "[", "]")}}`,
        () => `{"prompt":${nested(depth, "[", "]", '"hi"')}}`,
      ])();
    },
    "lone surrogates": () =>
      pick([
        '{"prompt":"\\ud800"}',
        '{"prompt":"hi \\udc00 there"}',
        '{"prompt":"x","system":"\\udbff"}',
        '{"prompt":"x","history":[{"role":"user","content":"\\ud83d"}]}',
        '{"prompt":"x","model":"\\ud800"}',
      ]),
    "invalid UTF-8 in a string": () => {
      const bytes = new TextEncoder().encode('{"prompt":"___"}');
      bytes.set(pick([[0xc3, 0x28, 0x41], [0xed, 0xa0, 0x80], [0xff, 0xfe, 0xfd]]), 11);
      return bytes;
    },
    "huge string": () => {
      const size = pick([500_000, 1_048_000, 1_100_000, 3_000_000]);
      return JSON.stringify({ prompt: "x".repeat(size), [field()]: "y" });
    },
    "truncated JSON": () => {
      const whole = JSON.stringify({ prompt: "hello", history: [], options: { seed: 1 } });
      return whole.slice(0, int(whole.length));
    },
  };
}

/** Statuses a client error or a success may have; anything else fails the test. */
const EXPECTED = new Set([200, 400, 404, 413]);

async function sendCase(gateway: TestGateway, body: BodyInit, contentType: string) {
  const response = await fetch(`${gateway.url}/chat_api`, {
    method: "POST",
    headers: { ...gateway.headers, "content-type": contentType },
    body,
  });
  if (response.status !== 200) {
    const { error } = await response.json();
    assert(typeof error === "string" && error.length > 0, "a clear error message");
    return response.status;
  }
  const lines = await readNdjson(response);
  const last = lines.at(-1);
  assert(last?.done === true || typeof last?.error === "string", "a stream that ends cleanly");
  return response.status;
}

Deno.test(`${CASES} random and malformed bodies: no 5xx, no crash (seed ${SEED})`, async () => {
  const fake = startFakeOllama({ reply: "Fine." });
  // As many answers at once as requests in flight: a request waiting in line gets its 200 and status
  // lines at once, and an unknown model would then be an error line, not the 404 this counts.
  // A 1 MiB body limit (the default is 8 MiB, for images), so the largest bodies meet it.
  const gateway = startGateway(fake.url, { numParallel: PARALLEL, maxBodyBytes: 1024 * 1024 });
  const random = prng(SEED);
  const generators = Object.entries(bodyGenerators(random));
  const cases = Array.from({ length: CASES }, (_, index) => {
    const [kind, generate] = generators[index % generators.length];
    const contentType = ["application/json", "text/plain", "application/json; charset=latin1"][
      Math.floor(random() * 3)
    ];
    return { index, kind, body: generate(), contentType };
  });
  const seen = new Map<number, number>();
  try {
    let next = 0;
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (next < cases.length) {
        const { index, kind, body, contentType } = cases[next++];
        let status: number;
        try {
          status = await sendCase(gateway, body, contentType);
        } catch (error) {
          throw new Error(`case ${index} (${kind}, seed ${SEED}) failed`, { cause: error });
        }
        assert(EXPECTED.has(status), `case ${index} (${kind}, seed ${SEED}): HTTP ${status}`);
        seen.set(status, (seen.get(status) ?? 0) + 1);
      }
    }));
    // Every kind of answer occurred, so the bodies reached every check.
    assertEquals([...seen.keys()].sort(), [200, 400, 404, 413], JSON.stringify([...seen]));
    assert(await answersInFull(gateway), "the gateway still answers normally");
  } finally {
    await fake.close();
    await gateway.close();
  }
});
