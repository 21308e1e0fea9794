/**
 * The `/chat_api` stream: Ollama's `/api/chat` NDJSON in, the gateway's NDJSON out.
 *
 * This is the per-token hot path, and on a Space the gateway's CPU is also the model's. So it is
 * one stage that reads Ollama's body itself, decodes, splits lines, and writes every line it can
 * complete from a network chunk as one output chunk: no stage per line, no regex over a buffer, no
 * copy of the text so far. It is a pull source rather than a `TransformStream` fed by `pipeTo`,
 * and reads into one reused buffer, which together halved its CPU per token (bench/README.md).
 * Ollama's lines become:
 *
 * ```
 * {"thinking":"…"}   message.thinking, never mixed into the answer
 * {"response":"…"}   message.content, concatenating to Ollama's text byte for byte
 * {"done":true,"model":…,"done_reason":…,"total_duration":…,"eval_count":…,…}
 * {"error":"…"}      Ollama's error line, a broken line or a lost connection; always the last
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

/** Callbacks of {@link chatStream}. */
export interface ChatStreamHooks {
  /** Called once when Ollama's final line has been passed on. */
  onDone?: (stats: DoneStats) => void;
}

const encoder = new TextEncoder();

/** Bytes read from Ollama at a time: dozens of its lines. The buffer lives as long as the stream. */
const READ_BUFFER_BYTES = 8 * 1024;

/**
 * Relays Ollama's `/api/chat` body as the gateway's NDJSON. If the stream breaks (an error line,
 * a line that is not JSON, the connection lost, or an end without the final line), the output
 * ends with one `{"error": …}` line, so a partial answer is never passed off as whole. Cancelling
 * the returned stream cancels `upstream`.
 */
export function chatStream(
  upstream: ReadableStream<Uint8Array>,
  hooks: ChatStreamHooks = {},
): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder();
  let partialLine = "";
  let finished = false;
  let output!: ReadableStreamDefaultController<Uint8Array>;

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
      hooks.onDone?.(stats);
      lines += JSON.stringify(stats) + "\n";
    }
    return lines;
  };

  /** Finishes the stream with an error line (returned, for the caller to write). */
  const end = (message: string): string => {
    finished = true;
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

  const reader = chunkReader(upstream);

  /** Writes `lines`; once the answer is finished, also ends the output and stops reading Ollama. */
  const write = (lines: string) => {
    if (lines !== "") output.enqueue(encoder.encode(lines));
    if (finished) {
      output.close();
      reader.cancel().catch(() => {}); // So Ollama stops, should it have more to say.
    }
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      output = controller;
    },
    // Called each time the client can take more: reads Ollama until a line is complete, then
    // writes every line that read completed. So the client's pace sets the pace of the reads.
    async pull() {
      for (;;) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch {
          if (!finished) write(end("Lost the connection to Ollama; the answer is incomplete"));
          return;
        }
        if (finished) return; // The client went away while Ollama was silent.
        if (chunk.done) {
          const lines = convertLines(decoder.decode() + "\n");
          write(finished ? lines : lines + end("Ollama ended the answer before it was complete"));
          return;
        }
        const lines = convertLines(decoder.decode(chunk.value, { stream: true }));
        if (lines !== "") return write(lines);
      }
    },
    cancel(reason) {
      finished = true;
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 }); // Read Ollama only when the client asks, not ahead of it.
}

/**
 * Reads `stream` chunk by chunk. A `fetch` body is a byte stream: it is read into one reused
 * buffer, because its default reader allocates and zeroes a new 64 KiB buffer for every chunk,
 * which cost more CPU than the whole conversion (bench/README.md). Each chunk is valid until the
 * next read. Other streams (tests build their own) are read as they are.
 */
function chunkReader(stream: ReadableStream<Uint8Array>) {
  let bytes: ReadableStreamBYOBReader;
  try {
    bytes = stream.getReader({ mode: "byob" });
  } catch {
    return stream.getReader(); // Not a byte stream.
  }
  let buffer = new ArrayBuffer(READ_BUFFER_BYTES);
  return {
    async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
      const chunk = await bytes.read(new Uint8Array(buffer));
      if (chunk.value) buffer = chunk.value.buffer; // Reading moved it there.
      return chunk;
    },
    cancel: (reason?: unknown) => bytes.cancel(reason),
  };
}
