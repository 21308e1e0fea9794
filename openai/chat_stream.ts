/**
 * The `/chat_api` stream in front of an OpenAI-compatible engine: the server-sent events of its
 * streamed `POST /chat/completions` in, the gateway's NDJSON out, the same lines as for Ollama
 * (`ollama/chat_stream.ts`). This is the per-token hot path: `server/line_relay.ts` reads, decodes
 * and splits the body in one stage; this module reads the events from the lines and converts each.
 *
 * ```
 * {"thinking":"…"}   delta.reasoning_content (vLLM until 0.10, SGLang) or delta.reasoning (vLLM
 *                    since, Ollama's /v1); never mixed into the answer
 * {"response":"…"}   delta.content, concatenating to the engine's text byte for byte
 * {"done":true,"model":…,"done_reason":…,"total_duration":…,"prompt_eval_count":…,
 *  "eval_count":…,"eval_duration":…}
 *                    at `data: [DONE]`: done_reason is the finish_reason (stop, length…), the
 *                    counts are the usage of the last event (stream_options.include_usage), and
 *                    the durations, in nanoseconds, are measured here, as engines give none:
 *                    total from sending the request, eval from the first token to the end
 * {"error":"…"}      an error event, an end without finish_reason or without [DONE], an event
 *                    that is not JSON, or a lost connection; always the last
 * ```
 *
 * Events follow the SSE format: `data:` lines (several join with a newline), dispatched at a blank
 * line; comments and other fields are skipped; lines may end in CRLF. Ollama's `/v1` writes an
 * error that happens mid-answer as a bare JSON line, without `data:` (ollama/ollama
 * `middleware/openai.go`, `writeError`): that is read as an error too. The engines' shapes are
 * those the fake engine imitates; `testing/fake_engine/mod.ts` says where each was read.
 *
 * @example vLLM's events, cut anywhere, become the gateway's lines
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { engineLines } from "./chat_stream.ts";
 *
 * const chunk = (delta: object, finish: string | null = null) =>
 *   `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [
 *     { index: 0, delta, finish_reason: finish },
 *   ] })}\n\n`;
 * const sse = chunk({ role: "assistant", content: "" }) + chunk({ reasoning_content: "Hm." }) +
 *   chunk({ content: "Hi 👋" }) + chunk({}, "stop") +
 *   `data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3}}\n\ndata: [DONE]\n\n`;
 * const bytes = new TextEncoder().encode(sse);
 * const upstream = ReadableStream.from([bytes.subarray(0, 100), bytes.subarray(100)]);
 *
 * const text = await new Response(new ReadableStream(engineLines(upstream, { model: "m" }))).text();
 * const lines = text.trimEnd().split("\n").map((line) => JSON.parse(line));
 * assertEquals(lines.slice(0, 2), [{ thinking: "Hm." }, { response: "Hi 👋" }]);
 * assertEquals(lines[2].done_reason, "stop");
 * assertEquals([lines[2].prompt_eval_count, lines[2].eval_count], [9, 3]);
 * ```
 *
 * @module
 */

import {
  type AnswerEnd,
  type LineConverter,
  type LineSource,
  relayLines,
  type RelayOptions,
} from "../server/line_relay.ts";
import { errorMessageOf } from "./client.ts";

/** Options of {@link engineLines}. */
export interface EngineLinesOptions extends RelayOptions {
  /** The model asked for, named on the `done` line. */
  model: string;
  /** `performance.now()` when the request was sent, for `total_duration`; now by default. */
  startedAt?: number;
}

/**
 * Relays the engine's streamed chat completion as the gateway's NDJSON. If the stream breaks,
 * the output ends with one `{"error": …}` line, so a partial answer is never passed off as
 * whole. Returns the source of the stream to send (see `relayLines`); cancelling that stream
 * cancels `upstream`, so the engine stops generating.
 */
export function engineLines(
  upstream: ReadableStream<Uint8Array>,
  { model, startedAt = performance.now(), ...options }: EngineLinesOptions,
): LineSource {
  return relayLines(upstream, "The engine", (end) => sseLines(end, model, startedAt), options);
}

/** Finish reasons that say the answer was not completed. */
const FAILED = new Set(["abort", "error"]);

/** Milliseconds as whole nanoseconds, Ollama's unit for durations. */
const nanoseconds = (ms: number) => Math.round(ms * 1e6);

/** Reads server-sent events from the lines and converts each. */
function sseLines(end: AnswerEnd, model: string, startedAt: number): LineConverter {
  let data: string | undefined; // The data of the event being read.
  let finishReason: string | undefined;
  let usage: { prompt_tokens?: unknown; completion_tokens?: unknown } | undefined;
  let firstTokenAt: number | undefined;

  const convert = (payload: string): string => {
    if (payload === "[DONE]") {
      if (finishReason === undefined) {
        return end.fail("The engine ended the answer without a finish_reason; it is incomplete");
      }
      const now = performance.now();
      return end.finish({
        done: true,
        model,
        done_reason: finishReason,
        total_duration: nanoseconds(now - startedAt),
        prompt_eval_count: usage?.prompt_tokens,
        eval_count: usage?.completion_tokens,
        eval_duration: nanoseconds(now - (firstTokenAt ?? now)),
      });
    }
    let event;
    try {
      event = JSON.parse(payload);
    } catch {
      return end.fail(`The engine sent an event that is not JSON: ${payload.slice(0, 100)}`);
    }
    if (event.error !== undefined || event.object === "error") {
      return end.fail(`The engine: ${errorMessageOf(event) ?? payload.slice(0, 100)}`);
    }
    if (event.usage) usage = event.usage;
    const choice = event.choices?.[0];
    if (!choice) return "";
    let lines = "";
    const delta = choice.delta;
    if (delta) {
      const thinking = delta.reasoning_content || delta.reasoning;
      if (thinking) lines += `{"thinking":${JSON.stringify(thinking)}}\n`;
      if (delta.content) lines += `{"response":${JSON.stringify(delta.content)}}\n`;
      if (lines !== "" && firstTokenAt === undefined) firstTokenAt = performance.now();
    }
    if (choice.finish_reason) {
      finishReason = String(choice.finish_reason);
      if (FAILED.has(finishReason)) {
        return lines + end.fail(`The engine stopped the answer (finish_reason "${finishReason}")`);
      }
    }
    return lines;
  };

  return (line) => {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line === "") {
      if (data === undefined) return "";
      const payload = data;
      data = undefined;
      return convert(payload);
    }
    if (line.startsWith("data:")) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : data + "\n" + value;
      return "";
    }
    if (line.startsWith("{")) return bareErrorLine(end, line);
    return ""; // A comment (":…"), or a field the answer does not need (event, id, retry).
  };
}

/** Ollama's `/v1` error mid-answer: a JSON line without `data:`. */
function bareErrorLine(end: AnswerEnd, line: string): string {
  let body;
  try {
    body = JSON.parse(line);
  } catch {
    // Not JSON either.
  }
  return end.fail(`The engine: ${errorMessageOf(body) ?? line.slice(0, 100)}`);
}
