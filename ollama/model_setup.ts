/**
 * Getting the model ready when the container starts, for `start.sh` through the binary's helper
 * commands: {@link pullModel} downloads it with progress a log can hold (`ollama pull` redraws
 * its progress bar with terminal escapes even without a terminal, hundreds of times a minute),
 * and {@link preloadModel} loads it into memory so the first visitor does not wait for a load.
 *
 * @module
 */

import { ollamaMessage } from "./client.ts";

/** Options of {@link pullModel}. */
export interface PullOptions {
  /** Least time between two progress lines of one download, in milliseconds (default 5 s). */
  intervalMs?: number;
  /** The clock, in milliseconds (tests pass their own). */
  now?: () => number;
  /** Where the lines go (default `console.log`). */
  print?: (line: string) => void;
}

/**
 * Pulls `model` through Ollama's `POST /api/pull` at `ollamaUrl`, printing one line whenever the
 * stage changes (`pulling manifest`, `pulling 3e4cb1417446`, `verifying sha256 digest`, …) and,
 * while a layer downloads, at most one line per `intervalMs` with how far it got. Resolves to
 * whether Ollama said `success`; prints Ollama's error otherwise. Never throws.
 *
 * @example Progress at most every 5 s, each stage once
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { pullModel } from "./model_setup.ts";
 *
 * const lines = [
 *   { status: "pulling manifest" },
 *   { status: "pulling 3e4cb1417446", total: 2_000_000_000, completed: 0 },
 *   { status: "pulling 3e4cb1417446", total: 2_000_000_000, completed: 500_000_000 },
 *   { status: "pulling 3e4cb1417446", total: 2_000_000_000, completed: 1_000_000_000 },
 *   { status: "success" },
 * ];
 * const server = Deno.serve({ port: 0, onListen() {} }, () =>
 *   new Response(lines.map((line) => JSON.stringify(line) + "\n").join("")));
 * let clock = 0;
 * const printed: string[] = [];
 * const pulled = await pullModel(`http://127.0.0.1:${server.addr.port}`, "qwen3:4b", {
 *   now: () => (clock += 3_000), // Three seconds pass between lines.
 *   print: (line) => printed.push(line),
 * });
 * await server.shutdown();
 *
 * assertEquals(pulled, true);
 * assertEquals(printed, [
 *   "pulling manifest",
 *   "pulling 3e4cb1417446: 0 B of 2.0 GB (0%)",
 *   "pulling 3e4cb1417446: 1.0 GB of 2.0 GB (50%)",
 *   "success",
 * ]);
 * ```
 */
export async function pullModel(
  ollamaUrl: string,
  model: string,
  { intervalMs = 5_000, now = Date.now, print = console.log }: PullOptions = {},
): Promise<boolean> {
  let stage = "";
  let printedAt = -Infinity;
  try {
    const response = await fetch(`${ollamaUrl}/api/pull`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, stream: true }),
    });
    if (!response.ok || !response.body) {
      const text = await response.text();
      console.error(`Could not pull ${model}: ${ollamaMessage(errorOf(text) ?? text)}`);
      return false;
    }
    for await (const line of ndjsonLines(response.body)) {
      if (typeof line.error === "string") {
        console.error(`Could not pull ${model}: ${ollamaMessage(line.error)}`);
        return false;
      }
      const status = String(line.status ?? "");
      const time = now();
      if (status === stage && time - printedAt < intervalMs) continue;
      stage = status;
      printedAt = time;
      print(describe(status, line.total, line.completed));
      if (status === "success") return true;
    }
    console.error(`Could not pull ${model}: Ollama ended the download without saying "success"`);
  } catch (error) {
    console.error(`Could not pull ${model}: ${(error as Error).message}`);
  }
  return false;
}

/**
 * Loads `model` into Ollama's memory at `ollamaUrl` with a context window of `numCtx` tokens (the
 * one the gateway asks for first, so its first answer needs no reload): `POST /api/generate`
 * with no prompt, which Ollama answers once the model is loaded. How long it then stays loaded
 * is Ollama's `OLLAMA_KEEP_ALIVE`. Resolves to whether it worked; says how it went. Never throws.
 */
export async function preloadModel(
  ollamaUrl: string,
  model: string,
  numCtx: number,
): Promise<boolean> {
  const started = performance.now();
  console.log(`Loading ${model} into memory (context window ${numCtx} tokens)`);
  try {
    const response = await fetch(`${ollamaUrl}/api/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, stream: false, options: { num_ctx: numCtx } }),
    });
    const text = await response.text();
    if (!response.ok) {
      console.error(`Could not load ${model}: ${ollamaMessage(errorOf(text) ?? text)}`);
      return false;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${model} is loaded (after ${seconds} s)`);
    return true;
  } catch (error) {
    console.error(`Could not load ${model}: ${(error as Error).message}`);
    return false;
  }
}

/** A pull stage as one line: its name and, while downloading, how far it got. */
function describe(status: string, total: unknown, completed: unknown): string {
  if (typeof total !== "number" || total <= 0) return status;
  const done = typeof completed === "number" ? completed : 0;
  const percent = Math.floor((100 * done) / total);
  return `${status}: ${formatBytes(done)} of ${formatBytes(total)} (${percent}%)`;
}

/** Bytes in B, kB, MB or GB with one decimal, as Ollama shows sizes. */
function formatBytes(bytes: number): string {
  const units: [number, string][] = [[1e9, "GB"], [1e6, "MB"], [1e3, "kB"]];
  const [size, unit] = units.find(([size]) => bytes >= size) ?? [1, "B"];
  return size === 1 ? `${bytes} B` : `${(bytes / size).toFixed(1)} ${unit}`;
}

/** The `error` of an Ollama error body, if it is one. */
function errorOf(text: string): string | undefined {
  try {
    const error = JSON.parse(text)?.error;
    return typeof error === "string" ? error : undefined;
  } catch {
    return undefined;
  }
}

/** The JSON objects of an NDJSON body, one per line. */
async function* ndjsonLines(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<Record<string, unknown>> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const bytes of body) {
    const lines = (pending + decoder.decode(bytes, { stream: true })).split("\n");
    pending = lines.pop()!;
    for (const line of lines) if (line.trim() !== "") yield JSON.parse(line);
  }
  if (pending.trim() !== "") yield JSON.parse(pending);
}
