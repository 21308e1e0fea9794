/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * Test helpers for the chat page in a real browser: a headless Chromium (the one
 * {@link findBrowser} finds: `CHROMIUM_PATH`, else the system's, else the npm package's) driven by
 * `playwright-core`, against a real gateway and the fake Ollama, all started in this process.
 * {@link openChatPage} sets the three up with a fresh browser profile; its `close` shuts them down
 * and fails the test if the page threw an uncaught error.
 *
 * @module
 */

import { assertEquals } from "@std/assert";
import { Buffer } from "node:buffer";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import type { Config } from "../config.ts";
import { type FakeOllama, type FakeOllamaOptions, startFakeOllama } from "./fake_ollama/mod.ts";
import { findBrowser } from "./find_browser.ts";
import { startGateway, TEST_KEY, type TestGateway } from "./gateway.ts";

/** Options of {@link openChatPage}. */
export interface ChatPageOptions {
  /** Settings of the fake Ollama. */
  fake?: FakeOllamaOptions;
  /** Gateway configuration on top of the test defaults. */
  gateway?: Partial<Config>;
  /** Key saved through the page's key field before the test; `null` saves none. */
  apiKey?: string | null;
  viewport?: { width: number; height: number };
  colorScheme?: "light" | "dark";
  /**
   * Launches Chromium with `--enable-smooth-scrolling`, so that keyboard and wheel scrolls glide
   * over several frames as in a desktop browser, whatever this machine's default.
   */
  smoothScrolling?: boolean;
}

/** A chat page open in a headless browser, with the servers behind it. */
export interface ChatPage {
  fake: FakeOllama;
  gateway: TestGateway;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Messages of uncaught errors thrown in the page so far. */
  pageErrors: string[];
  /** Closes browser and servers; then fails if the page threw an uncaught error. */
  close(): Promise<void>;
}

/**
 * Launches Chromium, with `extraArgs` after the usual flags; playwright gives each launch a fresh
 * temporary profile and removes it.
 */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const { path, args, env } = await findBrowser();
  return chromium.launch({
    executablePath: path,
    args: [...args, ...extraArgs],
    env: { ...Deno.env.toObject(), ...env },
  });
}

/** Starts the fake Ollama and a gateway in front of it, and opens `/chat` in a new browser. */
export async function openChatPage(options: ChatPageOptions = {}): Promise<ChatPage> {
  const fake = startFakeOllama(options.fake);
  const gateway = startGateway(fake.url, options.gateway);
  const browser = await launchChromium(
    options.smoothScrolling ? ["--enable-smooth-scrolling"] : [],
  );
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? "light",
  });
  // Fail in seconds, not half a minute, when something a test waits for never happens.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${gateway.url}/chat`);
  const apiKey = options.apiKey === undefined ? TEST_KEY : options.apiKey;
  if (apiKey !== null) await saveKey(page, apiKey);
  await waitForModels(page);

  return {
    fake,
    gateway,
    browser,
    context,
    page,
    pageErrors,
    async close() {
      await browser.close();
      await gateway.close();
      fake.releaseLastToken();
      await fake.close();
      assertEquals(pageErrors, [], "the page threw uncaught errors");
    },
  };
}

/** Types `key` into the key field and saves it, as a person would. */
export async function saveKey(page: Page, key: string): Promise<void> {
  await page.fill("#api-key", key);
  await page.click("#save-key");
}

/** Waits until the model picker has been filled (from the server's list, or its fallback). */
export async function waitForModels(page: Page): Promise<void> {
  await page.waitForSelector("#model-select:not([aria-busy])", { state: "attached" });
}

/** Types `text` into the message field and presses Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.fill("#message-input", text);
  await page.press("#message-input", "Enter");
}

/** Waits until the newest answer has ended, however it ended. */
export async function waitForAnswer(page: Page): Promise<void> {
  await page.locator(".message.bot").last().waitFor();
  await page.waitForSelector(".message.bot:last-child:not([aria-busy])");
}

/** Waits until the newest answer shows exactly `text` (as rendered, ends trimmed). */
export async function waitForAnswerText(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (expected) => {
      const answers = document.querySelectorAll(".message.bot .markdown");
      return answers[answers.length - 1]?.textContent?.trim() === expected;
    },
    text,
  );
}

/** The text of the newest answer as shown (without its reasoning, notice or stats). */
export function lastAnswerText(page: Page): Promise<string> {
  return page.locator(".message.bot").last().locator(".markdown").innerText();
}

/** The newest notice shown under an answer (stopped, interrupted, failed). */
export function lastNotice(page: Page): Promise<string> {
  return page.locator(".message.bot").last().locator(".notice").innerText();
}

/** The bodies of the `/api/chat` requests the fake received, in order. */
export function chatRequests(fake: FakeOllama): Record<string, unknown>[] {
  return fake.requests
    .filter((request) => request.path === "/api/chat")
    .map((request) => request.body as Record<string, unknown>);
}

/** Asserts that the page is ready for the next message: input and Send enabled, Stop hidden. */
export async function assertReady(page: Page): Promise<void> {
  assertEquals(await page.isEnabled("#message-input"), true, "the message field is enabled");
  assertEquals(await page.isEnabled("#send-button"), true, "Send is enabled");
  assertEquals(await page.isHidden("#stop-button"), true, "Stop is hidden");
}

/** The key status once the key has been checked by the server ("Key saved", "Key not accepted"). */
export async function settledKeyStatus(page: Page): Promise<string> {
  await page.waitForFunction(() =>
    document.getElementById("key-status")?.textContent !== "Checking the key…"
  );
  return (await page.textContent("#key-status")) ?? "";
}

/** The titles in the conversation list, top (newest) first. */
export function conversationTitles(page: Page): Promise<string[]> {
  return page.locator("#conversation-list .conversation-title").allInnerTexts();
}

/** The conversations stored in the page's IndexedDB, newest first, with their turns. */
export function storedConversations(
  page: Page,
): Promise<{ id: string; title: string; turns: Record<string, unknown>[] }[]> {
  return page.evaluate(async () => {
    const store = await import(new URL("static/store.js", location.href).href);
    const opened = await store.openStore({ onChange: () => {}, onProblem: () => {} });
    const metas = await opened.list();
    return await Promise.all(
      metas.map(async (meta: { id: string }) => {
        const whole = await opened.get(meta.id);
        return { id: whole.id, title: whole.title, turns: whole.turns };
      }),
    );
  });
}

/** Where the conversation view is scrolled: its top, and how far it is from the end. */
export function chatScroll(page: Page): Promise<{ top: number; fromEnd: number }> {
  return page.evaluate(() => {
    const view = document.getElementById("chat-window")!;
    return { top: view.scrollTop, fromEnd: view.scrollHeight - view.scrollTop - view.clientHeight };
  });
}

/**
 * An image of `width` × `height` pixels drawn by the page (a gradient), encoded as `type`; a
 * `Buffer`, as `setInputFiles` takes it.
 */
export async function drawImage(
  page: Page,
  width: number,
  height: number,
  type: "image/png" | "image/jpeg" = "image/png",
): Promise<Buffer> {
  const bytes = await page.evaluate(async ({ width, height, type }) => {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("2d")!;
    const gradient = context.createLinearGradient(0, 0, width, height);
    gradient.addColorStop(0, "#2a6");
    gradient.addColorStop(1, "#a26");
    context.fillStyle = gradient;
    context.fillRect(0, 0, width, height);
    const blob = await canvas.convertToBlob({ type });
    // As base64 text: a JSON array of numbers would be many times slower to pass.
    const url = await new Promise<string>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.readAsDataURL(blob);
    });
    return url.slice(url.indexOf(",") + 1);
  }, { width, height, type });
  return Buffer.from(bytes, "base64");
}

/**
 * Hands `bytes` to the composer as a person would without the file picker: `"paste"` dispatches a
 * paste of the file on the message box, `"drop"` drops it on the composer.
 */
export async function giveImage(
  page: Page,
  how: "paste" | "drop",
  bytes: Uint8Array,
  type = "image/png",
): Promise<void> {
  await page.evaluate(({ how, base64, type }) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], `given.${type.split("/")[1]}`, { type }));
    if (how === "paste") {
      document.getElementById("message-input")!.dispatchEvent(
        new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }),
      );
    } else {
      const composer = document.getElementById("composer")!;
      const init = { dataTransfer: data, bubbles: true, cancelable: true };
      composer.dispatchEvent(new DragEvent("dragover", init));
      composer.dispatchEvent(new DragEvent("drop", init));
    }
  }, { how, base64: Buffer.from(bytes).toString("base64"), type });
}
