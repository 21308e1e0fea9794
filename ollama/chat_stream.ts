/**
 * The `/chat_api` stream: Ollama's `/api/chat` NDJSON in, the gateway's NDJSON out.
 *
 * This is the per-token hot path: `server/line_relay.ts` reads, decodes and splits the body in one
 * stage; this module converts each line. Ollama's lines become:
 *
 * ```
 * {"context":{…}}    the prelude, if any (see ollama/context.ts)
 * {"thinking":"…"}   message.thinking, never mixed into the answer
 * {"response":"…"}   message.content, concatenating to Ollama's text byte for byte
 * {"done":true,"model":…,"done_reason":…,"total_duration":…,"eval_count":…,…}
 * {"error":"…"}      Ollama's error line, a broken line or a lost connection; always the last
 * ```
 *
 * @example Ollama's lines, cut anywhere, become the gateway's
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { chatLines } from "./chat_stream.ts";
 *
 * const ollama = [
 *   '{"message":{"role":"assistant","content":"","thinking":"Hm."},"done":false}\n',
 *   '{"message":{"role":"assistant","content":"Hi"},"done":false}\n{"message":{"role":"as',
 *   'sistant","content":" 👋"},"done":false}\n{"model":"qwen3:4b","done":true,',
 *   '"done_reason":"stop","eval_count":2,"message":{"role":"assistant","content":""}}\n',
 * ];
 * const upstream = ReadableStream.from(ollama.map((text) => new TextEncoder().encode(text)));
 *
 * const lines = (await new Response(new ReadableStream(chatLines(upstream))).text()).trimEnd().split("\n");
 * assertEquals(lines.slice(0, 3), [
 *   '{"thinking":"Hm."}',
 *   '{"response":"Hi"}',
 *   '{"response":" 👋"}',
 * ]);
 * assertEquals(JSON.parse(lines[3]).done_reason, "stop");
 *
 * const cut = ReadableStream.from([new TextEncoder().encode(ollama[0])]);
 * const broken = (await new Response(new ReadableStream(chatLines(cut))).text()).trimEnd().split("\n");
 * assertEquals(JSON.parse(broken.at(-1)!), {
 *   error: "Ollama ended the answer before it was complete",
 * });
 * ```
 *
 * @module
 */

import { ollamaMessage } from "./client.ts";
import {
  type AnswerEnd,
  type DoneStats,
  type LineConverter,
  type LineSource,
  relayLines,
  type RelayOptions,
} from "../server/line_relay.ts";

export type { DoneStats };

/** Ollama's stats on the final line, passed on as they are. */
const STATS = [
  "model",
  "done_reason",
  "total_duration",
  "load_duration",
  "prompt_eval_count",
  "prompt_eval_duration",
  "eval_count",
  "eval_duration",
] as const;

/** Options of {@link chatLines}: the relay's (callbacks, idle timeout, signal, prelude, onEnd). */
export type ChatLinesOptions = RelayOptions;

/**
 * Relays Ollama's `/api/chat` body as the gateway's NDJSON. If the stream breaks (an error line,
 * a line that is not JSON, the connection lost, an end without the final line, Ollama silent for
 * too long, or `signal` aborted), the output ends with one `{"error": …}` line, so a partial
 * answer is never passed off as whole. Returns the source of the stream to send (see
 * `relayLines`); cancelling that stream cancels `upstream`.
 */
export function chatLines(
  upstream: ReadableStream<Uint8Array>,
  options: ChatLinesOptions = {},
): LineSource {
  return relayLines(upstream, "Ollama", ollamaLines, options);
}

/** Converts Ollama's lines, one at a time. */
function ollamaLines(end: AnswerEnd): LineConverter {
  return (line) => {
    if (line.trim() === "") return "";
    let chunk;
    try {
      chunk = JSON.parse(line);
    } catch {
      return end.fail(`Ollama sent a line that is not JSON: ${line.slice(0, 100)}`);
    }
    if (typeof chunk?.error === "string") return end.fail(ollamaMessage(chunk.error));
    let lines = "";
    const message = chunk.message;
    if (message?.thinking) lines += `{"thinking":${JSON.stringify(message.thinking)}}\n`;
    if (message?.content) lines += `{"response":${JSON.stringify(message.content)}}\n`;
    if (chunk.done === true) {
      const stats: DoneStats = { done: true };
      for (const key of STATS) stats[key] = chunk[key];
      lines += end.finish(stats);
    }
    return lines;
  };
}
