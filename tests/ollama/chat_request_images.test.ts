import { assertEquals, assertMatch, assertThrows } from "@std/assert";
import { parseChatRequest, toOllamaChat } from "../../ollama/chat_request.ts";
import { postChat, readNdjson } from "../../testing/gateway.ts";
import { withGateway } from "../../testing/with_gateway.ts";
import { GatewayError } from "../../server/errors.ts";

const encodeBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** The first bytes of a PNG of `width` × `height`: enough for the type and the size to be read. */
function pngHeader(width: number, height: number): string {
  const bytes = new Uint8Array(24);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(bytes.buffer).setUint32(16, width);
  new DataView(bytes.buffer).setUint32(20, height);
  return encodeBase64(bytes);
}

const PNG = pngHeader(640, 480);
const JPEG = encodeBase64(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]));
const WEBP = encodeBase64(new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8 "));
const GIF = encodeBase64(new TextEncoder().encode("GIF89a\x01\0\x01\0"));

function problem(body: unknown): string {
  const error = assertThrows(() => parseChatRequest(body, "m"), GatewayError);
  assertEquals(error.status, 400);
  return error.message;
}

Deno.test("images: JPEG, PNG, WebP and GIF pass, on the prompt and on user turns, to Ollama's messages", () => {
  const request = parseChatRequest({
    prompt: "What is this?",
    images: [JPEG, PNG, WEBP, GIF],
    history: [
      { role: "user", content: "And this?", images: [PNG] },
      { role: "assistant", content: "A square." },
    ],
  }, "gemma3:4b");
  assertEquals(toOllamaChat(request).messages, [
    { role: "user", content: "And this?", images: [PNG] },
    { role: "assistant", content: "A square." },
    { role: "user", content: "What is this?", images: [JPEG, PNG, WEBP, GIF] },
  ]);
});

Deno.test("images: a browser's data: URL prefix is taken off", () => {
  const request = parseChatRequest(
    { prompt: "x", images: [`data:image/png;base64,${PNG}`] },
    "m",
  );
  assertEquals(request.images, [PNG]);
});

Deno.test("images: a message without images sends none", () => {
  const body = toOllamaChat(parseChatRequest({ prompt: "x", history: [] }, "m"));
  assertEquals(body.messages, [{ role: "user", content: "x" }]);
});

Deno.test("images: each wrong image gets a 400 naming the field and saying what is wrong", () => {
  assertMatch(problem({ prompt: "x", images: PNG }), /"images" must be an array/);
  assertMatch(problem({ prompt: "x", images: [42] }), /"images"\[0\] must be a base64 string/);
  assertMatch(problem({ prompt: "x", images: [""] }), /"images"\[0\] is empty/);
  assertMatch(
    problem({ prompt: "x", images: [PNG, "not base64!"] }),
    /"images"\[1\] is not valid base64/,
  );
  assertMatch(
    problem({ prompt: "x", images: [btoa("just some text")] }),
    /"images"\[0\] is not a JPEG, PNG, WebP or GIF image/,
  );
  assertMatch(
    problem({ prompt: "x", images: [PNG, PNG, PNG, PNG, PNG] }),
    /has 5 images; a message can carry at most 4/,
  );
  assertMatch(
    problem({ prompt: "x", history: [{ role: "assistant", content: "a", images: [PNG] }] }),
    /"history\[0\].images": only user turns carry images/,
  );
  assertMatch(
    problem({ prompt: "x", history: [{ role: "user", content: "a", images: ["%%%%"] }] }),
    /"history\[0\].images"\[0\] is not valid base64/,
  );
});

Deno.test("/chat_api: a vision model gets the images; the others a 400 naming the model, before Ollama", async () => {
  await withGateway(async (gateway, fake) => {
    const seen = await postChat(gateway, {
      model: "gemma3:4b",
      prompt: "What is it?",
      images: [PNG],
      history: [{ role: "user", content: "Earlier", images: [pngHeader(20, 10)] }, {
        role: "assistant",
        content: "ok",
      }],
    });
    assertEquals(seen.status, 200);
    const text = (await readNdjson(seen)).map((line) => line.response ?? "").join("");
    assertMatch(text, /\[1 image: 640x480\]/);
    const chats = fake.requests.filter((request) => request.path === "/api/chat");
    const sent = chats[0].body as { messages: { images?: string[] }[] };
    assertEquals(sent.messages.map((message) => message.images), [
      [pngHeader(20, 10)],
      undefined,
      [PNG],
    ]);

    const refused = await postChat(gateway, { model: "llama3.2:1b", prompt: "x", images: [PNG] });
    assertEquals(refused.status, 400);
    assertMatch((await refused.json()).error, /"llama3\.2:1b" cannot read images/);
    const refusedInHistory = await postChat(gateway, {
      model: "qwen3:4b",
      prompt: "x",
      history: [{ role: "user", content: "a", images: [PNG] }],
    });
    assertEquals(refusedInHistory.status, 400);
    assertMatch((await refusedInHistory.json()).error, /"qwen3:4b" cannot read images/);
    assertEquals(fake.requests.filter((request) => request.path === "/api/chat").length, 1);
    // One /api/show per model, shared by the context sizing and the vision check.
    const shows = fake.requests.filter((request) => request.path === "/api/show");
    assertEquals(shows.map((request) => (request.body as { model: string }).model).sort(), [
      "gemma3:4b",
      "llama3.2:1b",
      "qwen3:4b",
    ]);
  }, { fake: { models: ["gemma3:4b", "llama3.2:1b", "qwen3:4b"] } });
});

Deno.test("fake Ollama: a model without vision refuses images as Ollama's runner does", async () => {
  await withGateway(async (_, fake) => {
    const response = await fetch(`${fake.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({
        model: "llama3.2:1b",
        messages: [{ role: "user", content: "x", images: [PNG] }],
      }),
    });
    assertEquals(response.status, 500);
    assertEquals(await response.json(), {
      error: "this model is missing data required for image input",
    });
  });
});
