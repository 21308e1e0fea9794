/**
 * The bench's bare relays, the least a Deno relay can do. It forwards each POST request to
 * `UPSTREAM_URL` and answers with the upstream body:
 *
 * - piped through one identity `TransformStream` (target (d), "bare relay"): the floor for a relay
 *   whose JavaScript touches the stream, so for `/chat_api`'s normalizer;
 * - or, with `BARE_RELAY_NATIVE=true`, returned untouched (target (f), "native relay"): Deno then
 *   relays the bytes with no JavaScript per chunk, the floor for the `/api/*` passthrough.
 *
 * Like the gateway, it passes the client's abort signal on, so a client that leaves stops the
 * upstream.
 *
 * Run: `PORT=… UPSTREAM_URL=http://127.0.0.1:… deno run --allow-net --allow-env bench/bare_relay.ts`.
 *
 * @module
 */

const upstreamUrl = Deno.env.get("UPSTREAM_URL") ?? "http://127.0.0.1:11434";
const native = Deno.env.get("BARE_RELAY_NATIVE") === "true";

Deno.serve({ port: Number(Deno.env.get("PORT") ?? 0), hostname: "127.0.0.1" }, async (request) => {
  const { pathname, search } = new URL(request.url);
  const upstream = await fetch(upstreamUrl + pathname + search, {
    method: request.method,
    headers: { "content-type": request.headers.get("content-type") ?? "application/json" },
    body: await request.arrayBuffer(),
    signal: request.signal,
  });
  return new Response(native ? upstream.body : upstream.body?.pipeThrough(new TransformStream()), {
    status: upstream.status,
    headers: { "content-type": upstream.headers.get("content-type") ?? "" },
  });
});
