/**
 * Graceful shutdown. On SIGTERM (a Space restarting) or SIGINT (Ctrl-C) the server stops taking
 * connections, answers in flight get a grace period to finish, and whatever is still running then
 * ends with an `{"error": …}` line and has its Ollama request cancelled, so no answer is cut off
 * without a word and no model keeps generating for nobody.
 *
 * @module
 */

import { GatewayError, RETRY_AFTER } from "./errors.ts";
import type { Logger } from "./logger.ts";

/** Most milliseconds to wait for connections to close after the answers were told to end. */
const CLOSE_MS = 2_000;

/**
 * Milliseconds within which the same signal again is a copy of the first, not a second request:
 * a SIGTERM sent to a whole process group (systemd's default, many process managers) reaches the
 * gateway once directly and once more forwarded by `deno task`, a few milliseconds apart, and so
 * does a Ctrl-C in a terminal.
 */
export const SIGNAL_ECHO_MS = 1_000;

/** Why requests are stopped during shutdown: the message of a `503`, or of a stream's last line. */
function shuttingDown(): GatewayError {
  return new GatewayError(503, "The gateway is shutting down; try again in a moment", RETRY_AFTER);
}

/**
 * Returns the shutdown procedure for `server`, called with the signal that asked for it and
 * resolving once the server is closed: new connections are refused at once, answers in flight
 * have `graceMs` to finish, then `stopping` aborts with {@link shuttingDown} (routes hand it to
 * their streams and their Ollama requests), and at most {@link CLOSE_MS} later the server counts
 * as closed whatever remains. Calling the procedure again (a second Ctrl-C) ends the grace period
 * at once, unless it is the same signal within {@link SIGNAL_ECHO_MS}: a copy of the first.
 */
export function gracefulShutdown(
  server: { shutdown(): Promise<void> },
  stopping: AbortController,
  graceMs: number,
  log: Logger,
): (signal: Deno.Signal) => Promise<void> {
  let closed: Promise<void> | undefined;
  let first: { signal: Deno.Signal; at: number } | undefined;
  const endAnswers = () => {
    if (stopping.signal.aborted) return;
    log.warn("Ending the answers still running");
    stopping.abort(shuttingDown());
  };

  return (signal) => {
    if (closed) {
      if (signal === first?.signal && Date.now() - first.at < SIGNAL_ECHO_MS) {
        log.debug(`${signal} again within ${SIGNAL_ECHO_MS} ms: the same stop request`);
      } else {
        endAnswers();
      }
      return closed;
    }
    first = { signal, at: Date.now() };
    log.info(`Shutting down: answers in flight have ${graceMs / 1000} s to finish`);
    const graceOver = setTimeout(endAnswers, graceMs);
    let closeDeadline: ReturnType<typeof setTimeout> | undefined;
    const givenUp = new Promise<void>((resolve) => {
      stopping.signal.addEventListener("abort", () => {
        closeDeadline = setTimeout(resolve, CLOSE_MS);
      }, { once: true });
    });
    closed = Promise.race([server.shutdown(), givenUp]).finally(() => {
      clearTimeout(graceOver);
      clearTimeout(closeDeadline);
      log.info("Shut down");
    });
    return closed;
  };
}
