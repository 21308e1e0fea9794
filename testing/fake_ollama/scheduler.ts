/**
 * Ollama's scheduler as the fake imitates it. Per model, `numParallel` answers run at once and
 * the rest wait in arrival order with no response headers sent (Ollama sends its headers with
 * the first chunk); a model not loaded is loaded first, which takes `loadDelayMs`, still before
 * any header; a model unused for `keepAliveMs` after its last answer is unloaded. `/api/ps` lists
 * only the loaded models. The settings are read afresh on each use, so tests can change them.
 *
 * @module
 */

import type { FakeSettings } from "./state.ts";

/** What the scheduler knows of one model. */
interface ModelRecord {
  /** Answers running (loading included). */
  running: number;
  /** Requests waiting for a slot, in arrival order. */
  waiting: (() => void)[];
  /** Whether the weights are in memory (until keep-alive has passed since {@link lastUsedAt}). */
  loaded: boolean;
  /** When the last answer ended, as `Date.now()`; the load time for a model never used. */
  lastUsedAt: number;
  /** The load under way, shared by the requests that wait for it. */
  loading?: Promise<void>;
}

/** The fake's scheduler: which models are loaded, and who may answer now. */
export class FakeScheduler {
  readonly #settings: FakeSettings;
  readonly #closing: AbortSignal;
  readonly #models = new Map<string, ModelRecord>();
  #loadsFinished = new AbortController();

  /** A scheduler with `preloaded` models in memory from the start. */
  constructor(settings: FakeSettings, preloaded: string[], closing: AbortSignal) {
    this.#settings = settings;
    this.#closing = closing;
    for (const model of preloaded) this.#record(model).loaded = true;
  }

  /** Ends every load under way now, however long it had left (a test's way to end a load). */
  finishLoads(): void {
    this.#loadsFinished.abort();
    this.#loadsFinished = new AbortController();
  }

  /** Names of the models loaded right now, for `/api/ps`. */
  loaded(): string[] {
    return [...this.#models.keys()].filter((model) => this.#isLoaded(this.#record(model)));
  }

  /**
   * Waits for a slot of `model` and for the model to be loaded. Resolves with the function that
   * gives the slot back when the answer ends, or with `undefined` if `signal` aborted (the client
   * left) or the fake closed first, leaving nothing held.
   */
  async acquire(model: string, signal: AbortSignal): Promise<(() => void) | undefined> {
    const record = this.#record(model);
    this.#expire(record);
    if (record.running < this.#settings.numParallel && record.waiting.length === 0) {
      record.running++;
    } else {
      // A slot is handed over by #release, already counted.
      const turn = Promise.withResolvers<void>();
      record.waiting.push(turn.resolve);
      if (!(await this.#until(turn.promise, signal))) {
        const index = record.waiting.indexOf(turn.resolve);
        if (index !== -1) record.waiting.splice(index, 1);
        else this.#release(record); // The slot came as the client left: pass it on.
        return undefined;
      }
    }
    let released = false;
    const release = () => {
      if (!released) this.#release(record);
      released = true;
    };
    if (!record.loaded) {
      const ended = AbortSignal.any([this.#closing, this.#loadsFinished.signal]);
      record.loading ??= sleep(this.#settings.loadDelayMs, ended).then(() => {
        record.loaded = true;
        record.lastUsedAt = Date.now();
        record.loading = undefined;
      });
      if (!(await this.#until(record.loading, signal))) {
        release();
        return undefined;
      }
    }
    return release;
  }

  #record(model: string): ModelRecord {
    let record = this.#models.get(model);
    if (!record) {
      record = { running: 0, waiting: [], loaded: false, lastUsedAt: Date.now() };
      this.#models.set(model, record);
    }
    return record;
  }

  #isLoaded(record: ModelRecord): boolean {
    this.#expire(record);
    return record.loaded;
  }

  /** Unloads `record`'s model if it has been idle for the keep-alive time. */
  #expire(record: ModelRecord) {
    const idleMs = Date.now() - record.lastUsedAt;
    if (record.running === 0 && idleMs >= this.#settings.keepAliveMs) record.loaded = false;
  }

  /** Hands the slot to the first in line, or frees it. */
  #release(record: ModelRecord) {
    record.lastUsedAt = Date.now();
    const next = record.waiting.shift();
    if (next) next();
    else record.running--;
  }

  /** Whether `promise` resolved before `signal` aborted or the fake closed. */
  async #until(promise: Promise<void>, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted || this.#closing.aborted) return false;
    const ended = Promise.withResolvers<false>();
    const end = () => ended.resolve(false);
    signal.addEventListener("abort", end, { once: true });
    this.#closing.addEventListener("abort", end, { once: true });
    try {
      return await Promise.race([promise.then(() => true), ended.promise]);
    } finally {
      signal.removeEventListener("abort", end);
      this.#closing.removeEventListener("abort", end);
    }
  }
}

/** Resolves after `ms` (at once for 0, never for Infinity), or as soon as `ended` aborts. */
function sleep(ms: number, ended: AbortSignal): Promise<void> {
  if (ms <= 0 || ended.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      ended.removeEventListener("abort", done);
      resolve();
    };
    const timer = ms === Infinity ? undefined : setTimeout(done, ms);
    ended.addEventListener("abort", done, { once: true });
  });
}
