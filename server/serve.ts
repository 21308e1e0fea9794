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
 *   sits idle for `keepAliveTimeoutMs` after its last response, is closed (noticed within a
 *   quarter of the shorter time more: one sweep over the connections does it, so a request costs
 *   no timer of its own);
 * - at most `maxConnections` are open; a new one past the cap takes the place of the oldest
 *   connection that has no request in flight, or is closed at once when every one is working;
 * - when `accept` fails for want of file descriptors, the cap drops to half the connections open
 *   then (the other half of the descriptors is for the requests to Ollama), the idle connections
 *   beyond it are closed, and accepting goes on: the gateway learns the open-file limit (which
 *   Deno can only read with every permission) the first time it meets it. Other `accept` failures
 *   are retried shortly; none is fatal.
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
  /** Most connections open at once (`MAX_CONNECTIONS`); lowered if file descriptors run out. */
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

/** Milliseconds to wait before accepting again after `accept` failed. */
const ACCEPT_RETRY_MS = 100;

/** Sweeps for idle connections per header or keep-alive timeout (the shorter). */
const SWEEPS_PER_TIMEOUT = 4;

/** The fewest connections the cap is ever lowered to. */
const MIN_CONNECTIONS = 8;

/**
 * Milliseconds after lowering the cap during which running out again does not lower it again:
 * the connections closed to make room give their descriptors back only a moment later.
 */
const LOWERED_RECENTLY_MS = 1_000;

/** Whether `error` says the process (EMFILE) or the system (ENFILE) is out of file descriptors. */
function outOfFiles(error: unknown): boolean {
  return /\(os error 2[34]\)/.test(String(error));
}

/** Deno's native HTTP server on one accepted connection (internal, as `node:http` uses it). */
type ServeHttpOnConnection = (
  conn: Deno.Conn,
  signal: AbortSignal | undefined,
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
  /** Whether a request has come: until then the header deadline applies, then keep-alive's. */
  served: boolean;
  /** When the connection opened or its last response ended, as `performance.now()`. */
  idleSince: number;
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
  let cap = options.maxConnections;

  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  // In order of opening, so the first idle one found is the oldest.
  const connections = new Set<Connection>();
  let closing = false;
  let shedding = false;
  let acceptFailing = false;
  let loweredAt = -Infinity;

  const onError = (error: unknown) => {
    log.error(`A request failed in the HTTP server: ${error}`);
    return new Response("Internal Server Error", { status: 500 });
  };

  /**
   * Closes `connection` if no request is in flight on it. (Gracefully: Deno's hard close throws an
   * uncatchable error when the client closed the connection a moment before.)
   */
  const closeIfIdle = (connection: Connection) => {
    if (connection.active === 0) {
      connection.http?.shutdown().catch(() => {});
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

  /** Halves the cap from the connections open now, closing idle ones beyond it. */
  const lowerCap = () => {
    const open = connections.size;
    loweredAt = performance.now();
    cap = Math.max(MIN_CONNECTIONS, Math.floor(open / 2));
    while (connections.size > cap && evictIdle());
    log.warn(
      `Out of file descriptors with ${open} connections open: serving at most ${cap} from now ` +
        `on (MAX_CONNECTIONS=${options.maxConnections}; raise the open-file limit, ulimit -n)`,
    );
  };

  /** Closes the connections idle past their deadline: the header one, or keep-alive's. */
  const sweep = () => {
    const now = performance.now();
    for (const connection of connections) {
      const limit = connection.served ? options.keepAliveTimeoutMs : options.headerTimeoutMs;
      if (connection.active === 0 && now - connection.idleSince >= limit) closeIfIdle(connection);
    }
  };
  const sweeping = setInterval(
    sweep,
    Math.min(options.headerTimeoutMs, options.keepAliveTimeoutMs) / SWEEPS_PER_TIMEOUT,
  );

  const serve = (conn: Deno.Conn) => {
    const connection: Connection = { active: 0, served: false, idleSince: performance.now() };
    const requestEnded = () => {
      if (--connection.active === 0) connection.idleSince = performance.now();
    };
    connection.http = serveOnConnection(
      conn,
      undefined,
      (request, info) => {
        connection.active++;
        connection.served = true;
        info.completed.then(requestEnded, requestEnded);
        return handler(request, info);
      },
      onError,
      () => {},
    );
    connections.add(connection);
    connection.http.finished.catch(() => {}).finally(() => connections.delete(connection));
  };

  const acceptLoop = async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (closing || error instanceof Deno.errors.BadResource) return;
        // The listener still works: make room if descriptors ran out, and try again shortly.
        const loweredRecently = performance.now() - loweredAt < LOWERED_RECENTLY_MS;
        if (outOfFiles(error) && !loweredRecently && connections.size > MIN_CONNECTIONS) {
          lowerCap();
        }
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
      clearInterval(sweeping);
      listener.close();
      await accepting;
      const working = [...connections].filter((connection) => {
        closeIfIdle(connection);
        return connection.active > 0;
      });
      await Promise.all(working.map((connection) => connection.http?.shutdown().catch(() => {})));
    },
  };
}
