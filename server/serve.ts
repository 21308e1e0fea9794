/**
 * Serving the gateway so that nobody can stop it by opening connections. `Deno.serve` (Deno 2.9.6)
 * has no header timeout, no keep-alive timeout and no connection cap, and when `accept` fails with
 * "Too many open files" its accept loop ends and the server with it (`server.finished` rejects,
 * which exits the process). So {@link serveWithLimits} runs its own accept loop on `Deno.listen` and
 * hands each connection to Deno's native HTTP server for that one connection (the internal
 * `serveHttpOnConnection` that `node:http` uses), which keeps requests and response bodies as
 * native as `Deno.serve`'s. Around it:
 *
 * - a connection that has not sent a request's headers within `headerTimeoutMs` of opening, or
 *   sits idle for `keepAliveTimeoutMs` after its last response, is closed;
 * - at most `maxConnections` are open (fewer when the open-file limit is low, see
 *   {@link connectionCap}); a new one past the cap first takes the place of the oldest connection
 *   that has no request in flight, or is closed at once when every one is working;
 * - a failing `accept` (out of file descriptors) is retried shortly, never fatal.
 *
 * @example Serve, answer, shut down
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createLogger } from "./logger.ts";
 * import { serveWithLimits } from "./serve.ts";
 *
 * const server = serveWithLimits({
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   maxConnections: 10,
 *   headerTimeoutMs: 10_000,
 *   keepAliveTimeoutMs: 10_000,
 *   log: createLogger("error"),
 * }, () => new Response("hello"));
 * const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 * assertEquals(await response.text(), "hello");
 * await server.shutdown();
 * ```
 *
 * @module
 */

import type { Logger } from "./logger.ts";

/** Limits on the connections of {@link serveWithLimits}. */
export interface ConnectionLimits {
  /** Most connections open at once (`MAX_CONNECTIONS`), before {@link connectionCap} lowers it. */
  maxConnections: number;
  /** Milliseconds a new connection has to send its first request's headers (`HEADER_TIMEOUT_S`). */
  headerTimeoutMs: number;
  /** Milliseconds a connection may sit idle between requests (`KEEP_ALIVE_TIMEOUT_S`). */
  keepAliveTimeoutMs: number;
}

/** Where and how {@link serveWithLimits} serves. */
export interface ServeOptions extends ConnectionLimits {
  hostname: string;
  port: number;
  log: Logger;
  /** Called once listening, with the address (as `Deno.serve`'s `onListen`). */
  onListen?: (addr: Deno.NetAddr) => void;
}

/** A server started by {@link serveWithLimits}. */
export interface LimitedServer {
  addr: Deno.NetAddr;
  /** Connections open right now. */
  connections(): number;
  /**
   * Stops accepting, closes idle connections, lets requests in flight finish (as
   * `Deno.HttpServer.shutdown`), and resolves once every connection is closed.
   */
  shutdown(): Promise<void>;
}

/** File descriptors kept for Deno itself, its files and pipes, beyond two per connection. */
const RESERVED_FILES = 64;

/** Milliseconds to wait before accepting again after `accept` failed (out of descriptors). */
const ACCEPT_RETRY_MS = 100;

/**
 * The cap on connections for an open-file limit of `fileLimit`: `maxConnections`, or fewer when
 * the limit could not hold them. A connection whose request is relayed to Ollama holds two
 * descriptors (the client's and Ollama's), and {@link RESERVED_FILES} stay free for the rest.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { connectionCap } from "./serve.ts";
 *
 * assertEquals(connectionCap(2000, 1_048_576), 2000);
 * assertEquals(connectionCap(2000, 200), 68);
 * assertEquals(connectionCap(2000, undefined), 2000);
 * ```
 */
export function connectionCap(maxConnections: number, fileLimit: number | undefined): number {
  if (fileLimit === undefined) return maxConnections;
  return Math.max(1, Math.min(maxConnections, Math.floor((fileLimit - RESERVED_FILES) / 2)));
}

/**
 * This process's open-file limit (`RLIMIT_NOFILE`, which Deno raises to the hard limit at
 * startup), from `/proc/self/limits`; `undefined` when unlimited or unreadable (not Linux).
 */
export function openFileLimit(): number | undefined {
  try {
    const line = Deno.readTextFileSync("/proc/self/limits").split("\n")
      .find((text) => text.startsWith("Max open files"));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isSafeInteger(soft) ? soft : undefined;
  } catch {
    return undefined;
  }
}

/** Deno's native HTTP server on one accepted connection (internal, as `node:http` uses it). */
type ServeHttpOnConnection = (
  conn: Deno.Conn,
  signal: AbortSignal,
  handler: Deno.ServeHandler,
  onError: (error: unknown) => Response,
  onListen: () => void,
) => { finished: Promise<void>; shutdown(): Promise<void> };

/** Deno's internal `serveHttpOnConnection`, present in Deno 2.9; `undefined` if it went away. */
function nativeServeOnConnection(): ServeHttpOnConnection | undefined {
  const deno = Deno as unknown as { internal?: symbol } & Record<symbol, unknown>;
  const internals = deno.internal && deno[deno.internal] as Record<string, unknown> | undefined;
  const serve = internals?.serveHttpOnConnection;
  return typeof serve === "function" ? serve as ServeHttpOnConnection : undefined;
}

interface Connection {
  /** Requests whose responses are not over yet. */
  active: number;
  /** Aborting it closes the connection at once. */
  close: AbortController;
  /** The header or keep-alive deadline. */
  timer?: ReturnType<typeof setTimeout>;
  http?: { finished: Promise<void>; shutdown(): Promise<void> };
}

/**
 * Serves `handler` like `Deno.serve`, within the limits of `options` (see the module doc). On a
 * Deno without `serveHttpOnConnection` it falls back to `Deno.serve`, without the limits, and
 * says so in the log.
 */
export function serveWithLimits(options: ServeOptions, handler: Deno.ServeHandler): LimitedServer {
  const { log } = options;
  const serveOnConnection = nativeServeOnConnection();
  if (!serveOnConnection) {
    log.warn("This Deno cannot serve connection by connection: connection limits are off");
    const { hostname, port, onListen } = options;
    const server = Deno.serve({ hostname, port, onListen }, handler);
    return { addr: server.addr, connections: () => 0, shutdown: () => server.shutdown() };
  }
  const cap = connectionCap(options.maxConnections, openFileLimit());
  if (cap < options.maxConnections) {
    log.warn(
      `Serving at most ${cap} connections, not MAX_CONNECTIONS=${options.maxConnections}: ` +
        "the open-file limit (ulimit -n) allows no more",
    );
  }

  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  // In order of opening, so the first idle one found is the oldest.
  const connections = new Set<Connection>();
  let closing = false;
  let shedding = false;
  let acceptFailing = false;

  const onError = (error: unknown) => {
    log.error(`A request failed in the HTTP server: ${error}`);
    return new Response("Internal Server Error", { status: 500 });
  };

  /** Closes `connection` now if no request is in flight on it. */
  const closeIfIdle = (connection: Connection) => {
    if (connection.active === 0) {
      connection.close.abort();
      connections.delete(connection);
    }
  };

  /** Closes the oldest connection without a request in flight; false when there is none. */
  const evictIdle = (): boolean => {
    for (const connection of connections) {
      if (connection.active === 0) {
        closeIfIdle(connection);
        return true;
      }
    }
    return false;
  };

  const serve = (conn: Deno.Conn) => {
    const connection: Connection = { active: 0, close: new AbortController() };
    connection.timer = setTimeout(() => closeIfIdle(connection), options.headerTimeoutMs);
    const requestEnded = () => {
      if (--connection.active > 0 || closing) return;
      connection.timer = setTimeout(() => closeIfIdle(connection), options.keepAliveTimeoutMs);
    };
    connection.http = serveOnConnection(
      conn,
      connection.close.signal,
      (request, info) => {
        connection.active++;
        clearTimeout(connection.timer);
        info.completed.then(requestEnded, requestEnded);
        return handler(request, info);
      },
      onError,
      () => {},
    );
    connections.add(connection);
    connection.http.finished.catch(() => {}).finally(() => {
      clearTimeout(connection.timer);
      connections.delete(connection);
    });
  };

  const acceptLoop = async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (closing || error instanceof Deno.errors.BadResource) return;
        // Out of file descriptors (or another passing failure): the listener still works.
        if (!acceptFailing) log.warn(`Cannot accept connections for now: ${error}`);
        acceptFailing = true;
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        continue;
      }
      acceptFailing = false;
      if (connections.size >= cap && !evictIdle()) {
        if (!shedding) log.warn(`${cap} connections are busy: turning new ones away`);
        shedding = true;
        conn.close();
        continue;
      }
      shedding = false;
      serve(conn);
    }
  };

  const addr = listener.addr as Deno.NetAddr;
  options.onListen?.(addr);
  const accepting = acceptLoop();
  return {
    addr,
    connections: () => connections.size,
    async shutdown() {
      closing = true;
      listener.close();
      await accepting;
      const working = [...connections].filter((connection) => {
        clearTimeout(connection.timer);
        closeIfIdle(connection);
        return connection.active > 0;
      });
      await Promise.all(working.map((connection) => connection.http?.shutdown().catch(() => {})));
    },
  };
}
