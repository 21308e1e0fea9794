/**
 * Status lines: what `/chat_api` tells a client whose answer has not begun, so a second visitor
 * sees where they stand instead of three dots, and no proxy cuts a quiet connection. The body of
 * such an answer starts with lines like
 *
 * ```
 * {"status":"queued","position":2,"elapsed_s":0}    2 requests ahead, running or waiting
 * {"status":"loading","model":"qwen3:4b","elapsed_s":12}   Ollama is loading the model
 * {"status":"waiting","elapsed_s":30}               with Ollama, before its first token
 * ```
 *
 * one whenever the standing changes and at least every `intervalMs`, each with the whole seconds
 * since the request arrived; then the answer's lines from `chatLines` follow unchanged, or one
 * `{"error": …}` line if the answer failed before it began.
 *
 * @example A request second in line, then its answer
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GenerationQueue } from "../middleware/generation_queue.ts";
 * import { statusThenAnswer } from "./chat_status.ts";
 * import { relayLines } from "./line_relay.ts";
 *
 * const queue = new GenerationQueue({ parallel: 1, capacity: 2, waitLimitMs: 60_000 });
 * const never = new AbortController().signal;
 * const first = queue.join(never);
 * const second = queue.join(never);
 * // A one-line answer: "Hi", then the done line.
 * const answer = second.turn.then(() =>
 *   relayLines(ReadableStream.from([new TextEncoder().encode("Hi\n")]), "Echo", (end) => (line) =>
 *     `{"response":${JSON.stringify(line)}}\n` + end.finish({ done: true }))
 * );
 * const body = statusThenAnswer({
 *   place: second,
 *   answer,
 *   isModelLoaded: () => Promise.resolve(true),
 *   model: "qwen3:4b",
 *   since: performance.now(),
 *   intervalMs: 10_000,
 * });
 * first.leave();
 * const lines = (await new Response(body).text()).trimEnd().split("\n").map((l) => JSON.parse(l));
 * assertEquals(lines[0], { status: "queued", position: 1, elapsed_s: 0 });
 * assertEquals(lines.slice(-2), [{ response: "Hi" }, { done: true }]);
 * second.leave();
 * ```
 *
 * @module
 */

import type { Place } from "../middleware/generation_queue.ts";
import { GatewayError } from "./errors.ts";
import { type LineSource, NO_READ_AHEAD } from "./line_relay.ts";

/** Where a request stands before its answer begins. */
export type Standing =
  | { status: "queued"; position: number }
  | { status: "loading"; model: string }
  | { status: "waiting" };

/** What {@link statusThenAnswer} reports on. */
export interface StatusOptions {
  /** The request's place in the generation queue. */
  place: Place;
  /** The answer's lines once Ollama began; rejects with what to report instead. */
  answer: Promise<LineSource>;
  /** The model asked for. */
  model: string;
  /** Whether Ollama has the model loaded (`/api/ps`); `undefined` when it cannot tell. */
  isModelLoaded: () => Promise<boolean | undefined>;
  /** When the request arrived, as `performance.now()`. */
  since: number;
  /** Longest gap between two lines, in milliseconds. */
  intervalMs: number;
  /** How often to ask Ollama about the model while the request is with it; 2 s by default. */
  pollMs?: number;
  /** Called when the answer failed before it began and the stream ends with an error line. */
  onError?: () => void;
  /** Called when the client cancels the stream before the answer began. */
  onCancel?: () => void;
}

const encoder = new TextEncoder();

/**
 * The `/chat_api` body for a request that has waited: status lines until `answer` settles, then
 * the answer's own lines, or an `{"error"}` line. The answer's source takes the stream over
 * (its `start` gets this stream's controller), so its lines cost no extra stage. Cancelling it
 * cancels the answer.
 */
export function statusThenAnswer(options: StatusOptions): ReadableStream<Uint8Array> {
  const { place, answer, model, since, intervalMs, pollMs = 2_000 } = options;
  let source: LineSource | undefined;
  let settled = false;
  let cancelled = false;
  let loading = false;
  let lastSaid = "";
  let keepAlive: ReturnType<typeof setTimeout> | undefined;
  let poll: ReturnType<typeof setTimeout> | undefined;
  let stopWatching = () => {};

  const standing = (): Standing =>
    place.position > 0
      ? { status: "queued", position: place.position }
      : loading
      ? { status: "loading", model }
      : { status: "waiting" };

  const stop = () => {
    settled = true;
    clearTimeout(keepAlive);
    clearTimeout(poll);
    stopWatching();
  };

  /** Asks Ollama about the model now and every `pollMs` until the answer begins. */
  const probe = async () => {
    const loaded = await options.isModelLoaded();
    if (settled) return;
    if (loaded === false && !loading) {
      loading = true; // Until the first token: the load is what the client waits for.
      changed();
    }
    poll = setTimeout(probe, pollMs);
  };

  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const say = () => {
    const now = standing();
    lastSaid = JSON.stringify(now);
    const elapsed = Math.floor((performance.now() - since) / 1000);
    controller.enqueue(encoder.encode(`${lastSaid.slice(0, -1)},"elapsed_s":${elapsed}}\n`));
    clearTimeout(keepAlive);
    keepAlive = setTimeout(say, intervalMs);
  };
  const changed = () => {
    if (!settled && JSON.stringify(standing()) !== lastSaid) say();
  };

  const begun = answer.then((lines) => {
    stop();
    if (cancelled) return void lines.cancel();
    source = lines;
    lines.start(controller);
  }, (error) => {
    stop();
    if (cancelled) return;
    options.onError?.();
    const message = error instanceof GatewayError
      ? error.message
      : "The gateway failed unexpectedly; see its log";
    controller.enqueue(encoder.encode(JSON.stringify({ error: message }) + "\n"));
    controller.close();
  });

  return new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController;
      say();
      stopWatching = place.onMove(changed);
      place.turn.then(() => void (settled || probe()), () => {});
    },
    async pull() {
      if (!source) await begun;
      return source?.pull(); // None: the answer failed, and its error line ended the stream.
    },
    cancel(reason) {
      cancelled = true;
      stop();
      options.onCancel?.();
      return source?.cancel(reason);
    },
  }, NO_READ_AHEAD);
}
