/**
 * The shell of every `/chat_api` stream: an upstream's text body in, the gateway's NDJSON out,
 * whatever the upstream speaks (Ollama's NDJSON in `ollama/chat_stream.ts`, an OpenAI-compatible
 * engine's server-sent events in `openai/chat_stream.ts`). {@link relayLines} does what both
 * share; a {@link LineConverter} turns each of the upstream's lines into the gateway's.
 *
 * This is the per-token hot path, and on a Space the gateway's CPU is also the model's. So it is
 * one stream stage: the underlying source of the `ReadableStream` the client reads, which, when
 * that stream asks for more, reads the upstream, decodes, splits lines, and enqueues every line it
 * can complete from a network chunk as one output chunk: no stage per line, no regex over a buffer,
 * no copy of the text so far; and the upstream's body is read into one reused buffer (see
 * `chunkReader`). A pull source costs less per chunk than a `TransformStream` fed by a read loop
 * (bench/README.md), and it lets `/chat_api`'s status lines share the stream (`chat_status.ts`).
 * The output's last line is always the final `done` line or one `{"error": …}` line, so a partial
 * answer is never passed off as whole.
 *
 * @example An upstream whose every line is a token, ended by a line "END"
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { relayLines } from "./line_relay.ts";
 *
 * const relay = (text: string) =>
 *   new ReadableStream(
 *     relayLines(ReadableStream.from([new TextEncoder().encode(text)]), "Echo", (answer) => (line) =>
 *       line === "END"
 *         ? answer.finish({ done: true })
 *         : `{"response":${JSON.stringify(line)}}\n`),
 *   );
 *
 * assertEquals(await new Response(relay("Hi\nthere\nEND\n")).text(),
 *   '{"response":"Hi"}\n{"response":"there"}\n{"done":true}\n');
 * assertEquals(await new Response(relay("Hi\nth")).text(),
 *   '{"response":"Hi"}\n{"response":"th"}\n' +
 *     '{"error":"Echo ended the answer before it was complete"}\n');
 * ```
 *
 * @module
 */

/** The final `done` line's fields, for whoever wants to log them. */
export type DoneStats = { done: true } & Record<string, unknown>;

/** How a converter ends the answer; each returns the last line, for the converter to return. */
export interface AnswerEnd {
  /** The answer is complete: returns the `done` line for `stats`, and calls `onDone`. */
  finish(stats: DoneStats): string;
  /** The answer failed: returns the `{"error": message}` line, and calls `onError`. */
  fail(message: string): string;
}

/**
 * Converts one complete upstream line (without its `\n`; blank lines included) into the
 * gateway's lines (`""` for none). It ends the answer by returning `end.finish(…)` or
 * `end.fail(…)`; nothing is converted after that.
 */
export type LineConverter = (line: string) => string;

/** Options of {@link relayLines}. */
export interface RelayOptions {
  /** Called once when the final `done` line has been passed on. */
  onDone?: (stats: DoneStats) => void;
  /** Called once when the answer ends with an error line instead. */
  onError?: () => void;
  /**
   * Longest time without progress, in milliseconds, before the answer is ended with an error line
   * and the upstream is cancelled; noticed within a quarter more. No limit when unset. The line
   * names who was silent: the upstream (nothing came), or the client (it read nothing, so the
   * answer backed up; a client that never reads must not keep the upstream's request open).
   */
  idleTimeoutMs?: number;
  /** Ends the answer with an error line carrying the abort reason's message; cancels upstream. */
  signal?: AbortSignal;
  /** Lines (each ending in a newline) sent before the upstream's, such as the context notice. */
  prelude?: string;
  /**
   * Called once when the upstream's part is over, whatever the client does: its final line or a
   * failure, the answer ended by a timeout or `signal`, or the stream cancelled. Lines may still
   * be on their way to the client then. The generation queue gives the slot back here.
   */
  onEnd?: () => void;
}

const encoder = new TextEncoder();

/** Idle checks per idle timeout: a silence is noticed at most a quarter of the timeout late. */
const IDLE_CHECKS = 4;

/**
 * A relayed answer, as the underlying source of the `ReadableStream` that sends it: `start` takes
 * the stream's controller, `pull` reads the upstream until it has lines to enqueue, `cancel`
 * stops the upstream. Another source may hand its stream over to it (`chat_status.ts`).
 */
export interface LineSource {
  /** Takes the controller to enqueue into, writes the prelude, arms the idle timer and signal. */
  start(controller: ReadableStreamDefaultController<Uint8Array>): void;
  /** Reads until at least one line was enqueued or the answer ended. */
  pull(): Promise<void>;
  /** Stops reading and cancels the upstream. */
  cancel(reason?: unknown): Promise<void>;
}

/**
 * The queuing strategy of a stream of relayed lines: nothing read ahead, so the upstream is read
 * when the client's side asks for more. That measured cheaper per chunk than reading one chunk
 * ahead (bench/README.md), and it tells the idle timer who is silent: no read asked for means the
 * client stopped reading.
 */
export const NO_READ_AHEAD: QueuingStrategy<Uint8Array> = { highWaterMark: 0 };

/**
 * Relays `upstream` as the gateway's NDJSON, each line through the converter `makeConverter`
 * builds. `name` names the upstream in the error lines the relay writes itself ("Ollama", "The
 * engine"): when it ends before the converter ended the answer, when the connection is lost, when
 * it is silent for too long, or when `signal` aborts. Returns the underlying source of the stream to
 * send (`new ReadableStream(source, NO_READ_AHEAD)`); cancelling that stream cancels `upstream`, so the upstream
 * stops generating. The idle timer and `signal` are armed when the stream starts.
 */
export function relayLines(
  upstream: ReadableStream<Uint8Array>,
  name: string,
  makeConverter: (end: AnswerEnd) => LineConverter,
  { onDone, onError, idleTimeoutMs, signal, prelude, onEnd }: RelayOptions = {},
): LineSource {
  const decoder = new TextDecoder();
  const lowerName = name.startsWith("The ") ? "the " + name.slice(4) : name;
  let partialLine = "";
  let finished = false;
  let reading = false;
  let chunksSeen = 0;
  let output!: ReadableStreamDefaultController<Uint8Array>;

  const end: AnswerEnd = {
    finish(stats) {
      finished = true;
      onDone?.(stats);
      return JSON.stringify(stats) + "\n";
    },
    fail(message) {
      finished = true;
      onError?.();
      return JSON.stringify({ error: message }) + "\n";
    },
  };
  const convert = makeConverter(end);

  /** Converts every line completed by `text`; keeps the unfinished tail for the next chunk. */
  const convertLines = (text: string): string => {
    let newline = text.indexOf("\n");
    if (newline === -1) {
      partialLine += text;
      return "";
    }
    let lines = convert(partialLine + text.slice(0, newline));
    for (;;) {
      if (finished) return lines;
      const start = newline + 1;
      newline = text.indexOf("\n", start);
      if (newline === -1) {
        partialLine = text.slice(start);
        return lines;
      }
      lines += convert(text.slice(start, newline));
    }
  };

  const upstreamChunks = chunkReader(upstream);

  const write = (lines: string) => {
    if (lines !== "") output.enqueue(encoder.encode(lines));
    if (finished) {
      output.close();
      release();
    }
  };

  /** Ends the stream with `message` on behalf of a timer or a signal, unless it has ended. */
  const interrupt = (message: string) => {
    if (!finished) write(end.fail(message));
  };

  let idleChecks: ReturnType<typeof setInterval> | undefined;
  const onAbort = () =>
    interrupt(signal?.reason instanceof Error ? signal.reason.message : "The answer was stopped");

  /** Stops the timer and the signal, and cancels `upstream`, so it stops generating. */
  let released = false;
  function release() {
    if (released) return;
    released = true;
    onEnd?.();
    clearInterval(idleChecks);
    signal?.removeEventListener("abort", onAbort);
    upstreamChunks.cancel().catch(() => {}); // Already ended or failed: nothing left to stop.
  }

  return {
    start(controller) {
      output = controller;
      if (prelude) controller.enqueue(encoder.encode(prelude));
      // One timer per stream, not one per chunk: it compares a counter each read bumps.
      if (idleTimeoutMs !== undefined) {
        let chunksAtLastCheck = 0;
        let quietChecks = 0;
        idleChecks = setInterval(() => {
          quietChecks = chunksSeen === chunksAtLastCheck ? quietChecks + 1 : 0;
          chunksAtLastCheck = chunksSeen;
          if (quietChecks === IDLE_CHECKS) {
            // Not reading means the client has not asked for more: it stopped reading.
            // Reading: the upstream is quiet.
            interrupt(
              reading
                ? `${name} sent nothing for ${idleTimeoutMs / 1000} s; the answer is incomplete`
                : `The client read nothing for ${idleTimeoutMs / 1000} s, so the answer was ended`,
            );
          }
        }, idleTimeoutMs / IDLE_CHECKS);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      if (signal?.aborted) onAbort();
    },
    /** Reads until it has a line to pass on (a chunk may complete none), or the answer ended. */
    async pull() {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        reading = true;
        try {
          chunk = await upstreamChunks.read();
        } catch {
          if (!finished) {
            write(end.fail(`Lost the connection to ${lowerName}; the answer is incomplete`));
          }
          return;
        } finally {
          reading = false;
        }
        if (finished) return; // Ended while reading, by a timer or the signal.
        chunksSeen++;
        if (chunk.done) {
          // A last line without its newline is still a line; no line at all is not an empty one.
          const tail = decoder.decode();
          const lines = partialLine + tail === "" ? "" : convertLines(tail + "\n");
          return write(
            finished ? lines : lines + end.fail(`${name} ended the answer before it was complete`),
          );
        }
        const lines = convertLines(decoder.decode(chunk.value, { stream: true }));
        if (lines !== "" || finished) return write(lines);
      }
    },
    cancel() {
      finished = true;
      release();
      return Promise.resolve();
    },
  };
}

/** Bytes read from the upstream at a time: dozens of its lines. Lives as long as the stream. */
const READ_BUFFER_BYTES = 8 * 1024;

/** Reads a stream chunk by chunk; a chunk is valid until the next read. */
interface ChunkReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(): Promise<void>;
}

/**
 * Reads `stream` chunk by chunk. A `fetch` body is a byte stream: it is read into one reused
 * buffer, because its default reader (the one `pipeTo` uses) allocates and zeroes a new 64 KiB
 * buffer for every chunk, every token, which cost more CPU than the whole conversion
 * (bench/README.md). Other streams (tests build their own) are read as they are.
 */
function chunkReader(stream: ReadableStream<Uint8Array>): ChunkReader {
  let bytes: ReadableStreamBYOBReader;
  try {
    bytes = stream.getReader({ mode: "byob" });
  } catch {
    return stream.getReader(); // Not a byte stream.
  }
  let buffer = new ArrayBuffer(READ_BUFFER_BYTES);
  return {
    async read() {
      const chunk = await bytes.read(new Uint8Array(buffer));
      if (chunk.value) buffer = chunk.value.buffer; // Reading moved it there.
      return chunk;
    },
    cancel: () => bytes.cancel(),
  };
}
