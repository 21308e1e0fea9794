/**
 * The bench's bare relay, target (d): the least a Deno relay whose JavaScript touches the stream
 * can do. It forwards each POST request to `UPSTREAM_URL` and answers with the upstream body piped
 * through one identity `TransformStream`, so its cost per token is the floor for `/chat_api`'s
 * normalizer. Like the gateway, it passes the client's abort signal on, so a client that leaves
 * stops the upstream.
 *
 * Run: `PORT=… UPSTREAM_URL=http://127.0.0.1:… deno run --allow-net --allow-env bench/bare_relay.ts`.
 *
 * @module
 */

const upstreamUrl = Deno.env.get("UPSTREAM_URL") ?? "http://127.0.0.1:11434";

Deno.serve({ port: Number(Deno.env.get("PORT") ?? 0), hostname: "127.0.0.1" }, async (request) => {
  const { pathname, search } = new URL(request.url);
  const upstream = await fetch(upstreamUrl + pathname + search, {
    method: request.method,
    headers: { "content-type": request.headers.get("content-type") ?? "application/json" },
    body: await request.arrayBuffer(),
    signal: request.signal,
  });
  return new Response(upstream.body?.pipeThrough(new TransformStream()), {
    status: upstream.status,
    headers: { "content-type": upstream.headers.get("content-type") ?? "" },
  });
});
