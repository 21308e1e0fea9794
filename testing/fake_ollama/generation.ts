/**
 * One generation of the fake, whatever its wire shape: what it says (thinking, then the answer,
 * cut into tokens), how fast, and how its {@link Scenario} makes it fail the ways a real server
 * can. The route modules describe the shape of each line in a {@link WireShape}; {@link answer}
 * is the single path every generation takes from an accepted request to its response.
 *
 * @module
 */

import type { FakeState, Scenario } from "./state.ts";

/** The reasoning thinking models stream unless `thinking` is set. */
export const DEFAULT_THINKING = "The user greets me. I should answer briefly and kindly.";
/** Ollama's messages for a runner that crashed and a model too big for the memory left. */
const RUNNER_FAILURE = "llama runner process has terminated: exit status 2";
const OUT_OF_MEMORY = "model requires more system memory (5.2 GiB) than is available (3.1 GiB)";
const BUSY = "server busy, please try again.  maximum pending requests exceeded";
const encoder = new TextEncoder();

/** The default reply: quotes `prompt`, and carries accents, CJK and an emoji (4 UTF-8 bytes). */
export function defaultReply(prompt: string): string {
  return `Hello! You said: "${prompt}". Ünïcödé ✓, 日本語 and 👋 travel safely.`;
}

/** Splits text into word-like tokens as a tokenizer would: each keeps its leading space. */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

/** The answer's tokens for `prompt`: the configured reply, or {@link defaultReply}. */
export function answerTokens(state: FakeState, prompt: string): string[] {
  return tokenize(state.settings.reply || defaultReply(prompt));
}

/** The last user message's text in an Ollama or OpenAI `messages` array, or `""`. */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  return String(messages.findLast((m: { role?: string }) => m.role === "user")?.content ?? "");
}

/**
 * The tokens a generation sends when `numPredict` (Ollama's `num_predict`) caps them: thinking
 * counts, as it does in Ollama; an answer cut short ends with `done_reason: "length"`.
 */
export function limitTokens(thinking: string[], answer: string[], numPredict: unknown) {
  const limit = typeof numPredict === "number" && numPredict > 0 ? Math.floor(numPredict) : 0;
  if (limit === 0 || thinking.length + answer.length <= limit) {
    return { thinking, answer, doneReason: "stop" };
  }
  return {
    thinking: thinking.slice(0, limit),
    answer: answer.slice(0, Math.max(0, limit - thinking.length)),
    doneReason: "length",
  };
}

/** An accepted generation request, reduced to what the generation needs. */
export interface Generation {
  /** The route, e.g. `/api/chat`; recorded when the client leaves early. */
  path: string;
  /** The model asked for: its slots and loading are the scheduler's. */
  model: string;
  /** Whether the answer is streamed (else it is one JSON body). */
  stream: boolean;
  /** Thinking tokens, sent first; empty when the model does not think. */
  thinking: string[];
  /** Answer tokens. */
  answer: string[];
  /** Why the answer ends: `"stop"`, or `"length"` when `num_predict` cut it short. */
  doneReason: string;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** How one API writes a generation. */
export interface WireShape {
  /** Content type of the streamed body. */
  contentType: string;
  /** One streamed piece carrying a thinking or answer token. */
  piece(field: "thinking" | "content", text: string): string;
  /** What ends a complete stream (stats line, or last chunk and `[DONE]`). */
  final(tokenCount: number): string;
  /** The answer when not streamed. */
  whole(): Response;
  /** An error answered instead of the generation, in the API's error shape. */
  error(status: number, message: string): Response;
  /** What ends a stream that fails mid-way (Ollama's error line, or OpenAI's empty last chunk). */
  failure(message: string): string;
}

/**
 * Answers an accepted generation: first it waits for a slot of its model and for the model to
 * load (see `scheduler.ts`), then the scenario's up-front failure if it has one, then the whole
 * answer or its stream; the slot is given back when the answer ends. Everything that happens to
 * a generation before its first byte belongs here, before the branch on `stream`.
 */
export async function answer(
  state: FakeState,
  generation: Generation,
  shape: WireShape,
): Promise<Response> {
  const release = await state.scheduler.acquire(generation.model, generation.signal);
  if (!release) {
    if (generation.signal.aborted) state.recordDisconnect(generation.path);
    return new Response(null, { status: 499 });
  }
  const failure = await scenarioFailure(state, generation, shape);
  if (failure || !generation.stream) {
    release();
    return failure ?? shape.whole();
  }
  const lines = pieces(state, generation, shape);
  return stream(state, generation.path, shape.contentType, lines, release);
}

/** The error response a scenario answers with before streaming, if any. */
async function scenarioFailure(
  state: FakeState,
  { path, signal }: Generation,
  shape: WireShape,
): Promise<Response | undefined> {
  switch (state.settings.scenario) {
    case "hang-before-headers":
      await wait(state, Infinity, signal);
      if (signal.aborted) state.recordDisconnect(path);
      return new Response(null, { status: 499 });
    case "status-500":
      return shape.error(500, RUNNER_FAILURE);
    case "out-of-memory":
      return shape.error(500, OUT_OF_MEMORY);
    case "busy":
      return shape.error(503, BUSY);
  }
}

const FAULTS_AFTER_TWO_TOKENS: Scenario[] = [
  "hang-mid-stream",
  "error-mid-stream",
  "drop-mid-stream",
  "malformed-line",
];

/** The pieces of one streamed generation: thinking then answer tokens, following the scenario. */
async function* pieces(
  state: FakeState,
  { thinking, answer, signal }: Generation,
  shape: WireShape,
): AsyncGenerator<string | Uint8Array> {
  const { scenario, tokenDelayMs } = state.settings;
  const tokens = [
    ...thinking.map((text) => shape.piece("thinking", text)),
    ...answer.map((text) => shape.piece("content", text)),
  ];
  if (scenario === "split-bytes") {
    yield* splitIntoPieces(tokens.join("") + shape.final(answer.length));
    return;
  }
  const faulty = FAULTS_AFTER_TWO_TOKENS.includes(scenario);
  for (const [index, token] of tokens.entries()) {
    if (faulty && index === 2) break;
    if (scenario === "hold-last-token" && index === tokens.length - 1 && !state.closing.aborted) {
      state.held++;
      await Promise.race([state.lastTokenReleased(), wait(state, Infinity, signal)]);
      state.held--;
    }
    await wait(state, tokenDelayMs, signal);
    yield token;
  }
  switch (scenario) {
    case "hang-mid-stream":
      await wait(state, Infinity, signal);
      return;
    case "error-mid-stream":
      yield shape.failure(RUNNER_FAILURE);
      return;
    case "drop-mid-stream":
      throw new Error("connection dropped by the fake");
    case "malformed-line":
      yield '{"model":"qwen3:4b","message":{"role":\n';
      return;
    case "end-without-done":
      return;
  }
  yield shape.final(answer.length);
}

/**
 * Runs `lines` as a streamed body, counting it as active and noticing a client that leaves;
 * `release` gives its slot back once it ends.
 */
function stream(
  state: FakeState,
  path: string,
  contentType: string,
  lines: AsyncGenerator<string | Uint8Array>,
  release: () => void,
): Response {
  state.active++;
  state.maxActive = Math.max(state.maxActive, state.active);
  let open = true;
  const close = () => {
    if (open) {
      state.active--;
      release();
    }
    open = false;
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await lines.next();
        if (done) {
          close();
          controller.close();
        } else controller.enqueue(typeof value === "string" ? encoder.encode(value) : value);
      } catch (error) {
        close();
        controller.error(error); // Deno drops the connection mid-body.
      }
    },
    cancel() {
      if (open) state.recordDisconnect(path);
      close();
      lines.return(undefined);
    },
  });
  return new Response(body, { headers: { "content-type": contentType } });
}

/** Waits `ms`, or forever when `ms` is Infinity; ends early if the client leaves or the fake closes. */
function wait(state: FakeState, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (ms === 0) return void nextTurn().then(resolve);
    // Listeners are removed again: a long answer waits once per token, and listeners left on
    // the fake's own signal would pile up across every request and slow each new one.
    const ended = [signal, state.closing];
    const done = () => {
      clearTimeout(timer);
      for (const target of ended) target.removeEventListener("abort", done);
      resolve();
    };
    const timer = ms === Infinity ? undefined : setTimeout(done, ms);
    for (const target of ended) target.addEventListener("abort", done, { once: true });
  });
}

/**
 * Resolves on the event loop's next turn. Ollama writes and flushes each token as it produces it;
 * awaiting this between pieces makes each leave as its own write, as fast as the fake can go.
 * Without it, Deno's server sent a whole undelayed answer in one write, which a relay like nginx
 * then forwards at a fraction of the cost; `setTimeout(0)` would wait a millisecond or more.
 * To see it: `strace -f -e trace=sendto` on `deno task fake-ollama` shows one `sendto` per line.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Cuts `text`'s bytes into pieces of 1 to 3 bytes, so multi-byte characters arrive split. */
async function* splitIntoPieces(text: string): AsyncGenerator<Uint8Array> {
  const bytes = encoder.encode(text);
  for (let start = 0, size = 1; start < bytes.length; start += size, size = (size % 3) + 1) {
    await nextTurn();
    yield bytes.subarray(start, start + size);
  }
}
