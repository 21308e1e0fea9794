/**
 * The `/chat_api` stream: Ollama's `/api/chat` NDJSON in, the gateway's NDJSON out.
 *
 * This is the per-token hot path, and on a Space the gateway's CPU is also the model's. So it is
 * one `TransformStream` stage that decodes, splits lines, and writes every line it can complete
 * from a network chunk as one output chunk: no stage per line, no regex over a buffer, no copy of
 * the text so far; and Ollama's body is read into one reused buffer (see `chunkReader`). Ollama's
 * lines become:
 *
 * ```
 * {"thinking":"…"}   message.thinking, never mixed into the answer
 * {"response":"…"}   message.content, concatenating to Ollama's text byte for byte
 * {"done":true,"model":…,"done_reason":…,"total_duration":…,"eval_count":…,…}
 * {"error":"…"}      Ollama's error line, a broken line or a lost connection; always the last
 * ```
 *
 * @example Ollama's lines, cut anywhere, become the gateway's
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { chatStream } from "./chat_stream.ts";
 *
 * const ollama = [
 *   '{"message":{"role":"assistant","content":"","thinking":"Hm."},"done":false}\n',
 *   '{"message":{"role":"assistant","content":"Hi"},"done":false}\n{"message":{"role":"as',
 *   'sistant","content":" 👋"},"done":false}\n{"model":"qwen3:4b","done":true,',
 *   '"done_reason":"stop","eval_count":2,"message":{"role":"assistant","content":""}}\n',
 * ];
 * const upstream = ReadableStream.from(ollama.map((text) => new TextEncoder().encode(text)));
 *
 * const lines = (await new Response(chatStream(upstream)).text()).trimEnd().split("\n");
 * assertEquals(lines.slice(0, 3), [
 *   '{"thinking":"Hm."}',
 *   '{"response":"Hi"}',
 *   '{"response":" 👋"}',
 * ]);
 * assertEquals(JSON.parse(lines[3]).done_reason, "stop");
 *
 * const cut = ReadableStream.from([new TextEncoder().encode(ollama[1])]);
 * const broken = (await new Response(chatStream(cut)).text()).trimEnd().split("\n");
 * assertEquals(JSON.parse(broken.at(-1)!), {
 *   error: "Ollama ended the answer before it was complete",
 * });
 * ```
 *
 * @module
 */

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

/** The final `done` line's fields, for whoever wants to log them. */
export type DoneStats = { done: true } & Partial<Record<(typeof STATS)[number], unknown>>;

/** Options of {@link chatStream}. */
export interface ChatStreamOptions {
  /** Called once when Ollama's final line has been passed on. */
  onDone?: (stats: DoneStats) => void;
  /** Called once when the answer ends with an error line instead. */
  onError?: () => void;
  /**
   * Longest silence from Ollama, in milliseconds, before the answer is ended with an error line
   * and Ollama is cancelled; noticed within a quarter more. No limit when unset.
   */
  idleTimeoutMs?: number;
  /** Ends the answer with an error line carrying the abort reason's message, and cancels Ollama. */
  signal?: AbortSignal;
  /**
   * Called once when Ollama's part is over, whatever the client does: its final line or a
   * failure, the answer ended by a timeout or `signal`, or the stream cancelled. Lines may still
   * be on their way to the client then.
   */
  onEnd?: () => void;
}

const encoder = new TextEncoder();

/** Idle checks per idle timeout: a silence is noticed at most a quarter of the timeout late. */
const IDLE_CHECKS = 4;

/**
 * Relays Ollama's `/api/chat` body as the gateway's NDJSON. If the stream breaks (an error line,
 * a line that is not JSON, the connection lost, an end without the final line, Ollama silent for
 * too long, or `signal` aborted), the output ends with one `{"error": …}` line, so a partial
 * answer is never passed off as whole. Cancelling the returned stream cancels `upstream`.
 */
export function chatStream(
  upstream: ReadableStream<Uint8Array>,
  { onDone, onError, idleTimeoutMs, signal, onEnd }: ChatStreamOptions = {},
): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder();
  let partialLine = "";
  let finished = false;
  let chunksSeen = 0;
  let output!: TransformStreamDefaultController<Uint8Array>;

  /** Converts one complete Ollama line; returns the gateway's lines for it ("" for none). */
  const convert = (line: string): string => {
    let chunk;
    try {
      chunk = JSON.parse(line);
    } catch {
      return end(`Ollama sent a line that is not JSON: ${line.slice(0, 100)}`);
    }
    if (typeof chunk?.error === "string") return end(`Ollama: ${chunk.error}`);
    let lines = "";
    const message = chunk.message;
    if (message?.thinking) lines += `{"thinking":${JSON.stringify(message.thinking)}}\n`;
    if (message?.content) lines += `{"response":${JSON.stringify(message.content)}}\n`;
    if (chunk.done === true) {
      finished = true;
      const stats: DoneStats = { done: true };
      for (const key of STATS) stats[key] = chunk[key];
      onDone?.(stats);
      lines += JSON.stringify(stats) + "\n";
    }
    return lines;
  };

  /** Finishes the stream with an error line (returned, for the caller to write). */
  const end = (message: string): string => {
    finished = true;
    onError?.();
    return JSON.stringify({ error: message }) + "\n";
  };

  /** Converts every line completed by `text`; keeps the unfinished tail for the next chunk. */
  const convertLines = (text: string): string => {
    let newline = text.indexOf("\n");
    if (newline === -1) {
      partialLine += text;
      return "";
    }
    let lines = "";
    let line = partialLine + text.slice(0, newline);
    for (;;) {
      if (line.trim() !== "") lines += convert(line);
      if (finished) return lines;
      const start = newline + 1;
      newline = text.indexOf("\n", start);
      if (newline === -1) {
        partialLine = text.slice(start);
        return lines;
      }
      line = text.slice(start, newline);
    }
  };

  const upstreamChunks = chunkReader(upstream);

  const write = (lines: string) => {
    if (lines !== "") output.enqueue(encoder.encode(lines));
    if (finished) {
      output.terminate();
      release();
    }
  };

  /** Ends the stream with `message` on behalf of a timer or a signal, unless it has ended. */
  const interrupt = (message: string) => {
    if (!finished) write(end(message));
  };

  // One timer per stream, not one per chunk: it compares a counter the transform bumps.
  let idleChecks: ReturnType<typeof setInterval> | undefined;
  if (idleTimeoutMs !== undefined) {
    let chunksAtLastCheck = 0;
    let quietChecks = 0;
    idleChecks = setInterval(() => {
      quietChecks = chunksSeen === chunksAtLastCheck ? quietChecks + 1 : 0;
      chunksAtLastCheck = chunksSeen;
      if (quietChecks === IDLE_CHECKS) {
        interrupt(`Ollama sent nothing for ${idleTimeoutMs / 1000} s; the answer is incomplete`);
      }
    }, idleTimeoutMs / IDLE_CHECKS);
  }
  const onAbort = () =>
    interrupt(signal?.reason instanceof Error ? signal.reason.message : "The answer was stopped");
  signal?.addEventListener("abort", onAbort, { once: true });

  let released = false;
  /** Stops the timer and the signal, and cancels `upstream`, so Ollama stops generating. */
  function release() {
    if (released) return;
    released = true;
    onEnd?.();
    clearInterval(idleChecks);
    signal?.removeEventListener("abort", onAbort);
    upstreamChunks.cancel().catch(() => {}); // Already ended or failed: nothing left to stop.
  }

  const normalizer = new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      output = controller;
    },
    transform(chunk) {
      chunksSeen++;
      write(convertLines(decoder.decode(chunk, { stream: true })));
    },
    flush() {
      const lines = convertLines(decoder.decode() + "\n");
      write(finished ? lines : lines + end("Ollama ended the answer before it was complete"));
    },
    cancel() {
      finished = true;
      release();
    },
  });

  relayChunks(upstreamChunks, normalizer.writable).catch(() => {
    if (!finished) write(end("Lost the connection to Ollama; the answer is incomplete"));
  });
  return normalizer.readable;
}

/** Bytes read from Ollama at a time: dozens of its lines. The buffer lives as long as the stream. */
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

/**
 * Writes every chunk of `reader` to `writable`, waiting for each write (the normalizer has then
 * decoded the chunk, so its buffer may be reused) before the next read, and closes it at the end.
 * Rejects when reading fails (the connection to Ollama is lost) or writing does (the answer has
 * ended, or the client left).
 */
async function relayChunks(reader: ChunkReader, writable: WritableStream<Uint8Array>) {
  const writer = writable.getWriter();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    await writer.write(chunk.value);
  }
  await writer.close();
}
