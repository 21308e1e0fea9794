/**
 * The line in front of Ollama. Ollama answers `OLLAMA_NUM_PARALLEL` requests per model at once
 * (1 by default) and keeps the rest waiting with no response headers, without limit. The gateway
 * mirrors that: a {@link GenerationQueue} lets as many generation requests go to Ollama as it
 * runs at once and keeps the rest in arrival order, where each knows its place. Beyond a cap on
 * running and waiting together a request is turned away with `429`; one that waits too long gets
 * a `503` that says the server was busy; one whose client leaves frees its place at once.
 *
 * `/chat_api` takes its place itself, after reading the body, to tell its client where it stands
 * (`routes/chat_api.ts`); the relayed `/api/*` and `/v1/*` generation routes wait through
 * {@link waitForTurn}.
 *
 * @example Two slots are taken, a third request waits in line, a fourth is turned away
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { GatewayError } from "../server/errors.ts";
 * import { GenerationQueue } from "./generation_queue.ts";
 *
 * const queue = new GenerationQueue({ parallel: 2, capacity: 3, waitLimitMs: 60_000 });
 * const never = new AbortController().signal;
 * const first = queue.join(never);
 * const second = queue.join(never);
 * const third = queue.join(never);
 * assertEquals([first.position, second.position, third.position], [0, 0, 2]);
 * const full = assertThrows(() => queue.join(never), GatewayError);
 * assertEquals(full.status, 429);
 *
 * first.leave(); // Its answer is over: the third goes to Ollama.
 * await third.turn;
 * assertEquals(third.position, 0);
 * second.leave();
 * third.leave();
 * ```
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { GatewayError, RETRY_AFTER } from "../server/errors.ts";
import { responseEnd } from "../server/response_end.ts";
import { requireWholeNumber } from "./options.ts";

/** How a {@link GenerationQueue} is sized. */
export interface GenerationQueueOptions {
  /** Requests sent to Ollama at once (`OLLAMA_NUM_PARALLEL`). */
  parallel: number;
  /** Requests held at once, running and waiting together (`MAX_CONCURRENT_REQUESTS`). */
  capacity: number;
  /** Longest wait in line in milliseconds (`QUEUE_TIMEOUT_S`). */
  waitLimitMs: number;
}

/** One request's place: in line, then in one of Ollama's slots, until it leaves. */
export interface Place {
  /** Requests ahead of this one, running or waiting; 0 once its turn has come. */
  readonly position: number;
  /**
   * Resolves when the request may go to Ollama. Rejects with a `503` {@link GatewayError} when
   * it waited longer than the queue's limit, or with the abort reason when its signal aborts;
   * either way the place is gone.
   */
  readonly turn: Promise<void>;
  /** Calls `listener` each time {@link position} changes; returns a function that stops it. */
  onMove(listener: () => void): () => void;
  /** Gives back the slot, or the place in line. Safe to call more than once. */
  leave(): void;
}

/** A place in line, with what the queue needs to move it. */
class Entry implements Place {
  position = 0;
  readonly turn: Promise<void>;
  #resolve!: () => void;
  #reject!: (reason: unknown) => void;
  #listeners = new Set<() => void>();
  #stopWaiting = () => {};

  constructor(readonly leave: () => void) {
    this.turn = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.turn.catch(() => {}); // Whoever waits for the turn sees the rejection; nobody else must.
  }

  onMove(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Arms what ends the wait early: the wait limit and the client's signal. */
  wait(limitMs: number, signal: AbortSignal, onTimeout: () => void, onAbort: () => void) {
    const timer = setTimeout(onTimeout, limitMs);
    signal.addEventListener("abort", onAbort, { once: true });
    this.#stopWaiting = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
  }

  /** Tells the entry its new place in line. */
  moveTo(position: number) {
    if (position === this.position) return;
    this.position = position;
    for (const listener of this.#listeners) listener();
  }

  /** Its turn has come: it holds a slot. */
  start() {
    this.#stopWaiting();
    this.moveTo(0);
    this.#resolve();
  }

  /** Takes the entry out of line with `reason` as the turn's rejection. */
  dropOut(reason: unknown) {
    this.#stopWaiting();
    this.#reject(reason);
  }
}

/**
 * The queue of generation requests: at most `parallel` hold a slot (they are with Ollama), the
 * rest wait in arrival order; at most `capacity` in all. One instance serves every route that
 * makes Ollama generate, so they share the slots and the line.
 */
export class GenerationQueue {
  readonly #options: GenerationQueueOptions;
  #running = 0;
  readonly #waiting: Entry[] = [];

  /** A queue sized by `options`; a bad size throws here, at startup. */
  constructor(options: GenerationQueueOptions) {
    requireWholeNumber("GenerationQueue's parallel", options.parallel);
    requireWholeNumber("GenerationQueue's capacity", options.capacity);
    requireWholeNumber("GenerationQueue's waitLimitMs", options.waitLimitMs);
    this.#options = options;
  }

  /** Requests with Ollama right now. */
  get running(): number {
    return this.#running;
  }

  /** Requests waiting in line right now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Takes a place for a request whose client's `signal` aborts when it leaves (then the place is
   * given up at once): a slot if one is free and nobody waits, else the end of the line. Throws a
   * `429` {@link GatewayError} with `Retry-After` when the queue is full.
   */
  join(signal: AbortSignal): Place {
    const { parallel, capacity, waitLimitMs } = this.#options;
    if (this.#running + this.#waiting.length >= capacity) {
      throw new GatewayError(
        429,
        `The server is busy: ${capacity} requests are being answered or waiting already; ` +
          "try again in a few seconds",
        RETRY_AFTER,
      );
    }
    let left = false;
    const entry: Entry = new Entry(() => {
      if (left) return;
      left = true;
      this.#leave(entry);
    });
    if (this.#running < parallel && this.#waiting.length === 0 && !signal.aborted) {
      this.#running++;
      entry.start();
      return entry;
    }
    entry.position = this.#running + this.#waiting.length;
    this.#waiting.push(entry);
    const dropOut = (reason: unknown) => {
      left = true;
      this.#remove(entry);
      entry.dropOut(reason);
    };
    entry.wait(
      waitLimitMs,
      signal,
      () =>
        dropOut(
          new GatewayError(
            503,
            `The server was busy: this request waited ${waitLimitMs / 1000} s in line ` +
              "for the model without its turn coming (QUEUE_TIMEOUT_S); try again later",
            RETRY_AFTER,
          ),
        ),
      () => dropOut(signal.reason),
    );
    if (signal.aborted) dropOut(signal.reason);
    return entry;
  }

  #leave(entry: Entry) {
    if (this.#remove(entry)) return;
    this.#running--;
    this.#advance();
  }

  /** Takes a waiting `entry` out of line; false if it was not waiting. */
  #remove(entry: Entry): boolean {
    const index = this.#waiting.indexOf(entry);
    if (index === -1) return false;
    this.#waiting.splice(index, 1);
    this.#advance();
    return true;
  }

  /** Gives free slots to the head of the line, then tells everyone still waiting their place. */
  #advance() {
    const started: Entry[] = [];
    while (this.#running < this.#options.parallel && this.#waiting.length > 0) {
      this.#running++;
      started.push(this.#waiting.shift()!);
    }
    for (const [index, entry] of this.#waiting.entries()) entry.moveTo(this.#running + index);
    for (const entry of started) entry.start();
  }
}

/**
 * Middleware for the relayed generation routes: reads the request body to its end first (so a
 * body still arriving holds no slot), then waits for the request's turn in `queue`, and holds the
 * slot until the response is over (`responseEnd`: sent, failed, or abandoned by the client, and
 * never later than the relay's own deadlines). Leaving early (the client going, `shutdown`, the
 * wait limit) gives the place back at once and answers with the reason.
 */
export function waitForTurn(queue: GenerationQueue, shutdown: AbortSignal): MiddlewareHandler {
  return async function waitForTurn(c, next) {
    const place = queue.join(AbortSignal.any([c.req.raw.signal, shutdown]));
    try {
      await place.turn;
      await next();
    } finally {
      responseEnd(c).then(place.leave);
    }
  };
}
