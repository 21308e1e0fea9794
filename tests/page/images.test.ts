/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Images for vision models: attached with `#attach-image`, pasted and dropped on the composer,
 * scaled in the browser to 1024 pixels on the long side and sent as JPEG, shown with the question
 * and after a reload, re-sent in the history; the control hidden and the API's 400 for a model
 * without vision.
 */

import { assertEquals, assertMatch } from "@std/assert";
import {
  chatRequests,
  drawImage,
  giveImage,
  openChatPage,
  sendMessage,
  waitForAnswer,
  waitForModels,
} from "../../testing/browser.ts";
import { imageSize } from "../../testing/image_size.ts";
import { postChat } from "../../testing/gateway.ts";

const MODELS = ["gemma3:4b", "llama3.2:1b"];

/** The sizes of base64 images as received, with their type's first bytes checked as JPEG. */
function jpegSizes(images: unknown): string[] {
  return (images as string[]).map((image) => {
    const bytes = Uint8Array.from(atob(image), (c) => c.charCodeAt(0));
    assertEquals([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], "sent as JPEG");
    const size = imageSize(bytes)!;
    return `${size.width}x${size.height}`;
  });
}

Deno.test("images attached, pasted and dropped are scaled, sent, shown, kept and re-sent", async () => {
  const chat = await openChatPage({ fake: { models: MODELS } });
  const { page, fake } = chat;
  try {
    await page.selectOption("#model-select", "gemma3:4b");
    await page.locator("#attach-control").waitFor();

    await page.setInputFiles("#attach-image", {
      name: "wide.png",
      mimeType: "image/png",
      buffer: await drawImage(page, 2000, 1500),
    });
    await giveImage(page, "paste", await drawImage(page, 300, 200));
    await giveImage(page, "drop", await drawImage(page, 1500, 3000, "image/jpeg"), "image/jpeg");
    await page.waitForFunction(() => document.querySelectorAll(".attachment img").length === 3);

    await sendMessage(page, "What are these?");
    await waitForAnswer(page);
    const sent = chatRequests(fake).at(-1)!.messages as { images?: string[] }[];
    assertEquals(jpegSizes(sent.at(-1)!.images), ["1024x768", "300x200", "512x1024"]);
    assertMatch(
      await page.locator(".message.bot .markdown").last().innerText(),
      /3 images: 1024x768, 300x200, 512x1024/,
    );
    assertEquals(await page.locator(".attachment").count(), 0, "attachments go with the question");
    assertEquals(await page.locator(".message.user .message-images img").count(), 3);

    await page.reload();
    await waitForModels(page);
    await page.locator(".message.user .message-images img").nth(2).waitFor();
    const first = await page.locator(".message-images img").first().getAttribute("src");
    assertMatch(first!, /^data:image\/jpeg;base64,\/9j\//);

    // The next question re-sends the first one's images in the history.
    await page.selectOption("#model-select", "gemma3:4b");
    await page.locator("#attach-control").waitFor();
    await sendMessage(page, "And the second?");
    await waitForAnswer(page);
    const next = chatRequests(fake).at(-1)!.messages as { role: string; images?: string[] }[];
    assertEquals(next.map((message) => message.images?.length ?? 0), [3, 0, 0]);
    assertEquals(jpegSizes(next[0].images), ["1024x768", "300x200", "512x1024"]);
  } finally {
    await chat.close();
  }
});

Deno.test("a question that failed gets its images back with its text, and sends them again", async () => {
  const chat = await openChatPage({ fake: { models: MODELS, scenario: "status-500" } });
  const { page, fake } = chat;
  try {
    await page.selectOption("#model-select", "gemma3:4b");
    await page.locator("#attach-control").waitFor();
    await page.setInputFiles("#attach-image", {
      name: "a.png",
      mimeType: "image/png",
      buffer: await drawImage(page, 40, 30),
    });
    await page.locator(".attachment img").waitFor();
    await sendMessage(page, "Look");
    await waitForAnswer(page);
    assertEquals(await page.inputValue("#message-input"), "Look");
    assertEquals(await page.locator(".attachment img").count(), 1, "the image is back");
    fake.options.scenario = "normal";
    await page.press("#message-input", "Enter");
    await waitForAnswer(page);
    const sent = chatRequests(fake).at(-1)!.messages as { images?: string[] }[];
    assertEquals(jpegSizes(sent.at(-1)!.images), ["40x30"]);
    assertEquals(await page.locator(".message.user").count(), 1, "shown once");
  } finally {
    await chat.close();
  }
});

Deno.test("at most four images a question; each can be removed", async () => {
  const chat = await openChatPage({ fake: { models: MODELS } });
  const { page } = chat;
  try {
    await page.selectOption("#model-select", "gemma3:4b");
    await page.locator("#attach-control").waitFor();
    const small = await drawImage(page, 40, 30);
    await page.setInputFiles(
      "#attach-image",
      [1, 2, 3, 4, 5].map((n) => ({ name: `${n}.png`, mimeType: "image/png", buffer: small })),
    );
    await page.waitForFunction(() => document.querySelectorAll(".attachment img").length === 4);
    assertMatch(await page.innerText("#composer-note"), /at most 4 images/);
    await page.click(".attachment:nth-child(2) .remove-attachment");
    assertEquals(await page.locator(".attachment").count(), 3);
  } finally {
    await chat.close();
  }
});

Deno.test("a model without vision: no image control on the page, and a 400 naming it from the API", async () => {
  const chat = await openChatPage({ fake: { models: MODELS } });
  const { page, gateway, fake } = chat;
  try {
    await page.selectOption("#model-select", "gemma3:4b");
    await page.locator("#attach-control").waitFor();
    await page.setInputFiles("#attach-image", {
      name: "a.png",
      mimeType: "image/png",
      buffer: await drawImage(page, 40, 30),
    });
    await page.locator(".attachment img").waitFor();
    await page.selectOption("#model-select", "llama3.2:1b");
    await page.locator("#attach-control").waitFor({ state: "hidden" });
    assertEquals(await page.locator(".attachment").count(), 0, "attached images are dropped");
    assertMatch(await page.innerText("#composer-note"), /cannot read images/);
    // A paste of an image is left to the browser, not attached.
    await giveImage(page, "paste", await drawImage(page, 40, 30));
    assertEquals(await page.locator(".attachment").count(), 0);

    const png = await drawImage(page, 40, 30);
    const response = await postChat(gateway, {
      model: "llama3.2:1b",
      prompt: "What is it?",
      images: [btoa(String.fromCharCode(...png))],
    });
    assertEquals(response.status, 400);
    assertMatch((await response.json()).error, /"llama3\.2:1b" cannot read images/);
    assertEquals(chatRequests(fake).length, 0);
  } finally {
    await chat.close();
  }
});

Deno.test("earlier images are left out, oldest first, beyond the page's budget", async () => {
  const chat = await openChatPage({ fake: { models: MODELS } });
  const { page } = chat;
  try {
    const result = await page.evaluate(async () => {
      const { fitImages, IMAGE_BUDGET } = await import(
        new URL("static/attachments.js", location.href).href
      );
      const third = "A".repeat(Math.floor(IMAGE_BUDGET / 3));
      const history = [
        { role: "user", content: "1", images: [third, third] },
        { role: "assistant", content: "a" },
        { role: "user", content: "2", images: [third] },
        { role: "assistant", content: "b" },
      ];
      const fitted = fitImages(history, [third], true);
      const blind = fitImages(history, [], false);
      const count = (turns: { images?: string[] }[]) => turns.map((t) => t.images?.length ?? 0);
      return {
        dropped: fitted.dropped,
        kept: count(fitted.history),
        blindDropped: blind.dropped,
        blindKept: count(blind.history),
      };
    });
    // Four thirds of the budget: the oldest image goes, and the other three fit.
    assertEquals(result, {
      dropped: 1,
      kept: [1, 0, 1, 0],
      blindDropped: 3,
      blindKept: [0, 0, 0, 0],
    });
  } finally {
    await chat.close();
  }
});
