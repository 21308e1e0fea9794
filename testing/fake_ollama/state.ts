/**
 * What every part of one fake Ollama shares: its settings, the record of what it received and
 * who left early, the blobs it holds, its scheduler (which models are loaded, who may answer
 * now), and the signals that hold back or end its answers. Each
 * fake has its own {@link FakeState}, passed to the route handlers and the generation path.
 *
 * @module
 */

import { FakeScheduler } from "./scheduler.ts";

/** How generation requests behave. */
export type Scenario =
  /** Streams the thinking (when on) and the reply, then the stats line. */
  | "normal"
  /** Never sends response headers. */
  | "hang-before-headers"
  /** Sends two tokens, then nothing more. */
  | "hang-mid-stream"
  /** Sends two tokens, then an `{"error": …}` line, as Ollama does when its runner dies. */
  | "error-mid-stream"
  /** Sends two tokens, then drops the connection. */
  | "drop-mid-stream"
  /** Sends two tokens, then a line that is not JSON. */
  | "malformed-line"
  /** Sends the tokens, then ends without the final `done` line. */
  | "end-without-done"
  /** Writes the whole answer a few bytes at a time, splitting multi-byte characters. */
  | "split-bytes"
  /** Holds back the last token until {@link FakeState.releaseLastToken} is called. */
  | "hold-last-token"
  /** Answers `500` with a runner failure (`llama runner process has terminated: …`). */
  | "status-500"
  /** Answers `500` because the model does not fit in memory, as Ollama does when loading it. */
  | "out-of-memory"
  /** Answers `503`, as Ollama does when its queue is full. */
  | "busy";

/** The fake's current settings; tests change them between requests. */
export interface FakeSettings {
  /** How the next generation requests behave. */
  scenario: Scenario;
  /** Answer text; empty for a greeting that quotes the last user message, with multi-byte text. */
  reply: string;
  /** Reasoning text streamed first by thinking models unless `think` is `false`. */
  thinking: string;
  /** Delay before each token, in milliseconds. */
  tokenDelayMs: number;
  /**
   * Installed models; names starting with `qwen3` (or `gpt-oss`) can think, and do by default;
   * names starting with `gemma3` read images (any other model refuses them, as Ollama does).
   */
  models: string[];
  /**
   * Whether thinking models take a level (`"low"`, `"medium"`, `"high"`, `"max"`) for `think`, as
   * Ollama does since v0.17.7 (the default). When `false`, the fake answers a level as v0.12.6
   * does: `400 think value "low" is not supported for this model`, except for `gpt-oss`.
   */
  thinkLevels: boolean;
  /**
   * Answers one model gives at once, as Ollama's `OLLAMA_NUM_PARALLEL` (whose default is 1); the
   * rest wait, in arrival order, with no response headers. Unlimited by default, so tests that
   * do not care stay fast.
   */
  numParallel: number;
  /** Milliseconds a model stays loaded after its last answer (`OLLAMA_KEEP_ALIVE`); forever by default. */
  keepAliveMs: number;
  /**
   * Milliseconds loading a model takes, before any response header; none by default. Infinity
   * loads until `FakeOllama.finishLoads()`.
   */
  loadDelayMs: number;
}

/** A request the fake received. */
export interface RecordedRequest {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** URL path, e.g. `/api/chat`. */
  path: string;
  /** Request headers as received. */
  headers: Headers;
  /** Parsed JSON body, the bytes of a blob upload, the raw text of a body that is not JSON, or
   * `undefined` when there was none. */
  body: unknown;
}

/** The state one fake Ollama shares between its server, its routes and its generations. */
export class FakeState {
  /** Current settings, read afresh by each request. */
  readonly settings: FakeSettings;
  /** Every request, in order of arrival. */
  readonly requests: RecordedRequest[] = [];
  /** Paths of the generation requests whose client went away before the end. */
  readonly disconnects: string[] = [];
  /** Digests of the model files uploaded to `/api/blobs`. */
  readonly blobs = new Set<string>();
  /** Streamed generations being answered right now. */
  active = 0;
  /** The most streamed generations there ever were at once. */
  maxActive = 0;
  /** `hold-last-token` answers waiting for {@link releaseLastToken} right now. */
  held = 0;
  /** Which models are loaded, and which generations may answer now. */
  readonly scheduler: FakeScheduler;

  /** Aborted by {@link close}, so nothing the fake holds back keeps its shutdown waiting. */
  readonly #closing = new AbortController();
  #release = Promise.withResolvers<void>();
  #disconnected = Promise.withResolvers<string>();
  #unseenDisconnects = 0;

  /** Starts with `settings`, which the state keeps (not a copy), and `preloaded` models loaded. */
  constructor(settings: FakeSettings, preloaded: string[] = []) {
    this.settings = settings;
    this.scheduler = new FakeScheduler(settings, preloaded, this.#closing.signal);
    this.#closing.signal.addEventListener("abort", () => this.#release.resolve());
  }

  /** Aborted once the fake is closing. */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  /** Adds a request to {@link requests}. */
  record(request: Request, path: string, body: unknown): void {
    this.requests.push({ method: request.method, path, headers: request.headers, body });
  }

  /** Notes that the client of the generation at `path` went away before its end. */
  recordDisconnect(path: string): void {
    this.disconnects.push(path);
    this.#unseenDisconnects++;
    this.#disconnected.resolve(path);
    this.#disconnected = Promise.withResolvers();
  }

  /** Resolves when the next client goes away (or at once if one already did since the last call). */
  nextDisconnect(): Promise<string> {
    if (this.#unseenDisconnects > 0) {
      this.#unseenDisconnects--;
      return Promise.resolve(this.disconnects.at(-1)!);
    }
    return this.#disconnected.promise.then((path) => {
      this.#unseenDisconnects = Math.max(0, this.#unseenDisconnects - 1);
      return path;
    });
  }

  /** Resolves when {@link releaseLastToken} is next called, or the fake closes. */
  lastTokenReleased(): Promise<void> {
    return this.#release.promise;
  }

  /** Lets the held-back last token of every `hold-last-token` answer go. */
  releaseLastToken(): void {
    this.#release.resolve();
    if (!this.closing.aborted) this.#release = Promise.withResolvers();
  }

  /** Signals {@link closing}: held tokens go and endless waits end. */
  close(): void {
    this.#closing.abort();
  }
}
