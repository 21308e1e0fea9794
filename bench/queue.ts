/**
 * The queue's part of the bench (issue 12): three users ask `/chat_api` at the same moment, again
 * and again, in front of a gateway that sends Ollama one request at a time (`OLLAMA_NUM_PARALLEL=1`)
 * and, for comparison, one that sends all three at once (`OLLAMA_NUM_PARALLEL=3`, nobody waits).
 * It reports how soon the users who must wait get their first status line (the target: under a
 * second), when each user's first token comes, and what queueing costs the gateway per request:
 * its CPU per request in the first setting minus the second, the same requests and answers.
 *
 * @module
 */

import { countLostTokens } from "./load_client.ts";
import { cpuMicros } from "./proc_stats.ts";
import type { Check } from "./report.ts";
import { benchReply } from "./scenarios.ts";
import { gatewayChat, startFake, startGateway } from "./targets.ts";

/** How many rounds of three users, and how long each answer is. */
interface QueueScenario {
  /** Rounds measured, after {@link warmupRounds}. */
  rounds: number;
  warmupRounds: number;
  /** Answer tokens, {@link tokenDelayMs} apart at the fake. */
  tokens: number;
  tokenDelayMs: number;
}

const FULL: QueueScenario = { rounds: 60, warmupRounds: 5, tokens: 20, tokenDelayMs: 5 };
const QUICK: QueueScenario = { rounds: 3, warmupRounds: 1, tokens: 10, tokenDelayMs: 2 };

/** Users asking at the same moment. */
const USERS = 3;

/** What one user saw. */
interface Visit {
  /** Milliseconds from asking to the first line, whatever it was. */
  firstLineMs: number;
  /** Whether the first line was a `queued` status line. */
  queued: boolean;
  /** Milliseconds from asking to the first answer token. */
  firstTokenMs: number;
  /** Status lines before the answer. */
  statusLines: number;
  /** Tokens missing or altered. */
  lostTokens: number;
  /** Why the answer is not whole, or "" when it is. */
  problem: string;
}

/** One gateway's figures. */
interface QueueRow {
  parallel: number;
  visits: Visit[][];
  cpuMicrosPerRequest: number;
}

/** Runs the queue measurement; returns its Markdown section, its checks and whether answers were damaged. */
export async function runQueueBench(
  { quick = false, log = () => {} }: { quick?: boolean; log?: (line: string) => void } = {},
): Promise<{ report: string; checks: Check[]; damaged: boolean }> {
  const scenario = quick ? QUICK : FULL;
  const rows: QueueRow[] = [];
  for (const parallel of [1, USERS]) {
    log(`queue: OLLAMA_NUM_PARALLEL=${parallel}, ${scenario.rounds} rounds of ${USERS} users…`);
    rows.push(await measure(parallel, scenario));
  }
  const [oneAtATime, allAtOnce] = rows;
  const waiting = oneAtATime.visits.flatMap((round) => round.filter((visit) => visit.queued));
  const firstStatus = waiting.map((visit) => visit.firstLineMs);
  const worst = Math.max(...firstStatus);
  const cost = oneAtATime.cpuMicrosPerRequest - allAtOnce.cpuMicrosPerRequest;
  const visits = rows.flatMap((row) => row.visits.flat());
  const lost = visits.reduce((sum, visit) => sum + visit.lostTokens, 0);
  const failed = visits.filter((visit) => visit.problem !== "");
  const checks: Check[] = [{
    name: "queue: first status line of the users who wait < 1000 ms (worst of all rounds)",
    figures: `${worst.toFixed(1)} ms over ${firstStatus.length} waiting users`,
    verdict: firstStatus.length === 0 ? "n/a" : worst < 1000 ? "PASS" : "FAIL",
  }];

  const report = [
    `### queue: ${USERS} users at once, ${scenario.tokens} tokens each, ${scenario.tokenDelayMs} ms ` +
    "apart",
    "",
    `${scenario.rounds} rounds measured after ${scenario.warmupRounds} warm-up rounds. Users are ` +
    "numbered by when their first token came; times are from asking, medians over the rounds " +
    "(max in brackets).",
    "",
    "| OLLAMA_NUM_PARALLEL | 1st: first line ms | 2nd: first line ms | 3rd: first line ms | " +
    "1st: first token ms | 2nd: first token ms | 3rd: first token ms | status lines per waiting user | " +
    "gateway CPU µs/request |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map(formatRow),
    "",
    `Queueing costs ${cost.toFixed(0)} µs of gateway CPU per request ` +
    `(${oneAtATime.cpuMicrosPerRequest.toFixed(0)} − ${
      allAtOnce.cpuMicrosPerRequest.toFixed(0)
    }; ` +
    "CPU is read in 10 ms steps). " +
    `Lost or altered tokens: ${lost}; answers not whole: ${failed.length}.`,
    ...failed.slice(0, 5).map((visit) => `\nqueue: ${visit.problem}`),
  ].join("\n");
  return { report, checks, damaged: lost > 0 || failed.length > 0 };
}

/** Runs `scenario` against a gateway with `OLLAMA_NUM_PARALLEL=parallel`, in front of a fresh fake. */
async function measure(parallel: number, scenario: QueueScenario): Promise<QueueRow> {
  const reply = benchReply(scenario.tokens);
  const fake = await startFake(reply.text, scenario.tokenDelayMs);
  try {
    const { url, relay } = await startGateway(fake.url, { OLLAMA_NUM_PARALLEL: String(parallel) });
    const client = Deno.createHttpClient({});
    try {
      const request = gatewayChat(`${url}/chat_api`);
      const round = () =>
        Promise.all(Array.from({ length: USERS }, () => visit(request, reply.tokens, client)));
      for (let warmup = 0; warmup < scenario.warmupRounds; warmup++) await round();
      const cpuBefore = cpuMicros(relay.pid);
      const visits: Visit[][] = [];
      for (let index = 0; index < scenario.rounds; index++) {
        visits.push((await round()).sort((a, b) => a.firstTokenMs - b.firstTokenMs));
      }
      const cpuMicrosPerRequest = (cpuMicros(relay.pid) - cpuBefore) / (scenario.rounds * USERS);
      return { parallel, visits, cpuMicrosPerRequest };
    } finally {
      client.close();
      await relay.stop();
    }
  } finally {
    await fake.stop();
  }
}

/** One user: asks, reads the answer to its end, and notes when its first line and token came. */
async function visit(
  request: { url: string; headers: Record<string, string>; body: string },
  expected: string[],
  client: Deno.HttpClient,
): Promise<Visit> {
  const start = performance.now();
  const result: Visit = {
    firstLineMs: NaN,
    queued: false,
    firstTokenMs: NaN,
    statusLines: 0,
    lostTokens: 0,
    problem: "no final done line",
  };
  const tokens: string[] = [];
  try {
    const response = await fetch(request.url, { method: "POST", ...request, client });
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
    let buffered = "";
    for await (const text of response.body!.pipeThrough(new TextDecoderStream())) {
      buffered += text;
      for (let newline; (newline = buffered.indexOf("\n")) !== -1;) {
        const line = JSON.parse(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        if (Number.isNaN(result.firstLineMs)) {
          result.firstLineMs = performance.now() - start;
          result.queued = line.status === "queued";
        }
        if (typeof line.status === "string") result.statusLines++;
        if (typeof line.response === "string") {
          if (Number.isNaN(result.firstTokenMs)) result.firstTokenMs = performance.now() - start;
          tokens.push(line.response);
        }
        if (typeof line.error === "string") result.problem = `error line: ${line.error}`;
        if (line.done === true) result.problem = "";
      }
    }
  } catch (error) {
    result.problem = `request failed: ${error instanceof Error ? error.message : error}`;
  }
  result.lostTokens = countLostTokens(tokens, expected);
  return result;
}

/** A gateway's row: per user (by first token), median (max) times; status lines; CPU. */
function formatRow({ parallel, visits, cpuMicrosPerRequest }: QueueRow): string {
  const figure = (user: number, of: (visit: Visit) => number) => {
    const values = visits.map((round) => of(round[user])).sort((a, b) => a - b);
    const median = values[Math.floor(values.length / 2)];
    return `${median.toFixed(1)} (${values.at(-1)!.toFixed(1)})`;
  };
  const waiting = visits.flat().filter((visit) => visit.queued);
  const statusLines = waiting.length === 0
    ? "—"
    : (waiting.reduce((sum, visit) => sum + visit.statusLines, 0) / waiting.length).toFixed(1);
  const users = Array.from({ length: USERS }, (_, user) => user);
  return `| ${
    [
      String(parallel),
      ...users.map((user) => figure(user, (visit) => visit.firstLineMs)),
      ...users.map((user) => figure(user, (visit) => visit.firstTokenMs)),
      statusLines,
      cpuMicrosPerRequest.toFixed(0),
    ].join(" | ")
  } |`;
}
