/**
 * The bench's load client: sends streamed chat requests to a target, a fixed number in flight,
 * times each one, and checks every answer token by token against the reply the fake Ollama was
 * told to give. It reads every shape a target can answer in: Ollama's lines (`message.content`),
 * the gateway's (`response`) and an OpenAI-compatible engine's server-sent events
 * (`choices[0].delta.content`, ended by `data: [DONE]`).
 *
 * @module
 */

/** One request, sent the same way each time. */
export interface StreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** How many streams to run, how many at once, and what each must contain. */
export interface LoadPlan {
  streams: number;
  concurrency: number;
  /** The reply's tokens, in order: each answer line must carry exactly the next one. */
  expectedTokens: string[];
}

/** What a load run measured. */
export interface LoadResult {
  /** Milliseconds from sending each request to the first bytes of its body, one per stream. */
  ttfbMs: number[];
  /** Milliseconds from sending each request to the end of its body, one per stream. */
  durationMs: number[];
  /** Milliseconds from the first request sent to the last body ended. */
  wallMs: number;
  /** Tokens received in place and intact. */
  tokens: number;
  /** Expected tokens missing, out of place or changed, summed over all streams. */
  lostTokens: number;
  /** Streams that did not end with the final `done` line or `[DONE]` (an error status, line or lost connection). */
  failedStreams: number;
  /** Why the first few failed or lost tokens, for the report. */
  problems: string[];
}

const MAX_PROBLEMS = 5;
const NO_END = "no final done line";

/** Runs `plan` against `request` through `client` and returns the figures. */
export async function runLoad(
  request: StreamRequest,
  plan: LoadPlan,
  client: Deno.HttpClient,
): Promise<LoadResult> {
  const result: LoadResult = {
    ttfbMs: [],
    durationMs: [],
    wallMs: 0,
    tokens: 0,
    lostTokens: 0,
    failedStreams: 0,
    problems: [],
  };
  let unstarted = plan.streams;
  const worker = async () => {
    while (unstarted > 0) {
      unstarted--;
      await runStream(request, plan.expectedTokens, client, result);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(plan.concurrency, plan.streams) }, worker));
  result.wallMs = performance.now() - start;
  return result;
}

/** One stream: sends the request, reads the answer to its end, and adds its figures to `result`. */
async function runStream(
  request: StreamRequest,
  expectedTokens: string[],
  client: Deno.HttpClient,
  result: LoadResult,
): Promise<void> {
  const start = performance.now();
  let firstByteMs = NaN;
  const tokens: string[] = [];
  let problem = NO_END;
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      client,
    });
    if (!response.ok || !response.body) {
      throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
    }
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const bytes of response.body) {
      if (Number.isNaN(firstByteMs)) firstByteMs = performance.now() - start;
      buffered += decoder.decode(bytes, { stream: true });
      let newline;
      while ((newline = buffered.indexOf("\n")) !== -1) {
        let text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (text === "") continue; // Between server-sent events.
        if (text.startsWith("data: ")) text = text.slice(6);
        if (text === "[DONE]") {
          if (problem === NO_END) problem = "";
          continue;
        }
        const line = JSON.parse(text);
        if (line.error !== undefined) problem = `error: ${JSON.stringify(line.error)}`;
        const token = line.response ?? line.message?.content ?? line.choices?.[0]?.delta?.content;
        if (token) tokens.push(token);
        if (line.done === true) problem = "";
      }
    }
    if (buffered !== "") problem = `unterminated last line: ${buffered.slice(0, 100)}`;
  } catch (error) {
    problem = `request failed: ${error instanceof Error ? error.message : error}`;
  }
  result.durationMs.push(performance.now() - start);
  result.ttfbMs.push(firstByteMs);

  const lost = countLostTokens(tokens, expectedTokens);
  result.tokens += Math.max(0, expectedTokens.length - lost);
  result.lostTokens += lost;
  if (problem !== "") result.failedStreams++;
  if (lost > 0 && problem === "") problem = `${lost} tokens lost or altered`;
  if (problem !== "" && result.problems.length < MAX_PROBLEMS) result.problems.push(problem);
}

/** Expected tokens that are not received in their place, intact (extra tokens count too). */
export function countLostTokens(received: string[], expected: string[]): number {
  let lost = Math.abs(received.length - expected.length);
  const common = Math.min(received.length, expected.length);
  for (let index = 0; index < common; index++) {
    if (received[index] !== expected[index]) lost++;
  }
  return lost;
}
