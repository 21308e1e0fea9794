/**
 * Test helpers for requests no well-behaved client sends, over a raw TCP connection: a body that
 * stops before its `Content-Length`, and reading the response that comes back.
 *
 * @module
 */

import { TEST_KEY } from "./gateway.ts";

/**
 * Opens a connection to `gateway` and sends a `POST path` with the test key, a
 * `Content-Length: 100` and only the first 10 bytes of its JSON body; the rest never comes.
 */
export async function slowBody(gateway: { url: string }, path: string): Promise<Deno.TcpConn> {
  const connection = await Deno.connect({
    hostname: "127.0.0.1",
    port: Number(new URL(gateway.url).port),
  });
  const head = `POST ${path} HTTP/1.1\r\nHost: gateway\r\n` +
    `Authorization: Bearer ${TEST_KEY}\r\nContent-Type: application/json\r\n` +
    'Content-Length: 100\r\n\r\n{"prompt":';
  await connection.write(new TextEncoder().encode(head));
  return connection;
}

/** The HTTP response `connection` receives (head and a body with a length), as text; closes it. */
export async function readResponse(connection: Deno.TcpConn): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of connection.readable) {
    text += decoder.decode(chunk, { stream: true });
    const [head, body] = text.split("\r\n\r\n", 2);
    const length = Number(head.match(/^content-length: (\d+)$/im)?.[1]);
    if (body !== undefined && new TextEncoder().encode(body).length >= length) break;
  }
  closeQuietly(connection);
  return text;
}

/** Closes `connection` unless it is closed already. */
export function closeQuietly(connection: Deno.TcpConn): void {
  try {
    connection.close();
  } catch {
    // Closed already.
  }
}
