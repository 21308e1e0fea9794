/**
 * The queue's part of the bench (issue 12): three users ask `/chat_api` at the same moment, again
 * and again, in front of a gateway that sends Ollama one request at a time (`OLLAMA_NUM_PARALLEL=1`,
 * two users wait in line). It reports how soon the users who wait get their first status line
 * (the target: under a second), when each user's first token comes, and what queueing costs the
 * gateway per request.
 *
 * That cost is the gateway's CPU per request in that setting minus its CPU when the same users ask
 * one after another: Ollama then does the same work in the same order and the rounds last about as
 * long, but nobody waits, so the difference is the waiting itself (the status lines, the `/api/ps`
 * probe, the extra stream stage). A third setting, room for all three (`OLLAMA_NUM_PARALLEL=3`),
 * shows what serving one at a time costs beside serving all at once. The three run side by side,
 * taking turns round by round, so the machine's changing load falls on all alike. CPU is read in
 * nanoseconds per thread (`/proc/<pid>/task/<tid>/schedstat`) around each gateway's own rounds, and
 * its idle rate, measured for a few quiet seconds after the warm-up, times their duration is taken
 * off, so what a gateway spends while idle (timers, the garbage collector) does not count.
 *
 * @module
 */

import { countLostTokens } from "./load_client.ts";
import { cpuNanosBetween, threadCpuNanos } from "./proc_stats.ts";
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
  /** How long the gateway is left alone after the warm-up, before its idle CPU is measured. */
  settleMs: number;
  /** How long its idle CPU is measured. */
  idleMs: number;
}

// deno-fmt-ignore: one scenario a line.
const FULL: QueueScenario = { rounds: 80, warmupRounds: 5, tokens: 20, tokenDelayMs: 5, settleMs: 3000, idleMs: 3000 };
// deno-fmt-ignore: one scenario a line.
const QUICK: QueueScenario = { rounds: 3, warmupRounds: 1, tokens: 10, tokenDelayMs: 2, settleMs: 0, idleMs: 300 };

/** Users in a round. */
const USERS = 3;

/** One way to run the rounds: the gateway's `OLLAMA_NUM_PARALLEL`, and how the users ask. */
interface Setting {
  parallel: number;
  /** At the same moment, or each when the previous answer has ended. */
  together: boolean;
}

/**
 * The settings, in table order: the queue (two users wait); the same users one after another,
 * which gives Ollama the same work in the same order with nobody waiting; and all at once with
 * room for all.
 */
const SETTINGS: Setting[] = [
  { parallel: 1, together: true },
  { parallel: 1, together: false },
  { parallel: USERS, together: true },
];

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

/** One setting's figures. */
interface QueueRow extends Setting {
  visits: Visit[][];
  /** The gateway's CPU over the measured rounds per request, its idle rate's share taken off. */
  cpuMicrosPerRequest: number;
  /** Its CPU per second while idle, before the rounds. */
  idleMicrosPerSecond: number;
  /** How long the measured rounds took. */
  durationMs: number;
  /** Threads that ended during the measurement (their last CPU is missing). */
  endedThreads: number;
}

/** Runs the queue measurement; returns its Markdown section, its checks and whether answers were damaged. */
export async function runQueueBench(
  { quick = false, log = () => {} }: { quick?: boolean; log?: (line: string) => void } = {},
): Promise<{ report: string; checks: Check[]; damaged: boolean }> {
  const scenario = quick ? QUICK : FULL;
  log(`queue: ${SETTINGS.length} settings in turn, ${scenario.rounds} rounds of ${USERS} users…`);
  const rows = await measure(scenario);
  const [queued, inTurn, roomForAll] = rows;
  const waiting = queued.visits.flatMap((round) => round.filter((visit) => visit.queued));
  const firstStatus = waiting.map((visit) => visit.firstLineMs);
  const worst = Math.max(...firstStatus);
  const cpu = (row: QueueRow) => row.cpuMicrosPerRequest.toFixed(0);
  const cost = queued.cpuMicrosPerRequest - inTurn.cpuMicrosPerRequest;
  const versusAllAtOnce = queued.cpuMicrosPerRequest - roomForAll.cpuMicrosPerRequest;
  const visits = rows.flatMap((row) => row.visits.flat());
  const lost = visits.reduce((sum, visit) => sum + visit.lostTokens, 0);
  const failed = visits.filter((visit) => visit.problem !== "");
  const ended = rows.reduce((sum, row) => sum + row.endedThreads, 0);
  const checks: Check[] = [{
    name: "queue: first status line of the users who wait < 1000 ms (worst of all rounds)",
    figures: `${worst.toFixed(1)} ms over ${firstStatus.length} waiting users`,
    verdict: firstStatus.length === 0 ? "n/a" : worst < 1000 ? "PASS" : "FAIL",
  }];

  const report = [
    `### queue: ${USERS} users, ${scenario.tokens} tokens each, ${scenario.tokenDelayMs} ms apart`,
    "",
    `${scenario.rounds} rounds measured after ${scenario.warmupRounds} warm-up rounds, for each ` +
    "setting a fresh gateway and fake, the settings taking turns round by round. Users are " +
    "numbered by when their first token came; times are from asking, medians over the rounds " +
    "(max in brackets); rounds s is the time spent in that setting's rounds.",
    "",
    "| OLLAMA_NUM_PARALLEL | users ask | 1st: first line ms | 2nd: first line ms | " +
    "3rd: first line ms | 1st: first token ms | 2nd: first token ms | 3rd: first token ms | " +
    "status lines per waiting user | rounds s | idle CPU µs/s | gateway CPU µs/request |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map(formatRow),
    "",
    `Queueing costs ${cost.toFixed(0)} µs of gateway CPU per request: ${cpu(queued)} µs when two ` +
    `of three wait in line, ${cpu(inTurn)} µs when the same users ask one after another (Ollama ` +
    "does the same work in the same order, nobody waits). Against room for all three " +
    `(${cpu(roomForAll)} µs), where the three answers' tokens come together and share the ` +
    `gateway's wake-ups, one at a time costs ${versusAllAtOnce.toFixed(0)} µs more per request. ` +
    "Gateway CPU is the sum over its threads of their time on a CPU " +
    "(`/proc/<pid>/task/*/schedstat`, nanoseconds) over its own rounds, less its idle rate " +
    `(measured for ${scenario.idleMs / 1000} s, ${scenario.settleMs / 1000} s after the warm-up) ` +
    `times their duration, per request.${
      ended > 0 ? ` ${ended} thread(s) ended during a measurement; their last CPU is missing.` : ""
    } Lost or altered tokens: ${lost}; answers not whole: ${failed.length}.`,
    ...failed.slice(0, 5).map((visit) => `\nqueue: ${visit.problem}`),
  ].join("\n");
  return { report, checks, damaged: lost > 0 || failed.length > 0 };
}

/** A gateway in one setting, in front of its own fake, and what its rounds have cost so far. */
interface Running extends Setting {
  /** Runs one round of {@link USERS} users, sorted by their first token. */
  round(): Promise<Visit[]>;
  /** The gateway's CPU per thread now. */
  cpu(): Map<number, number>;
  stop(): Promise<void>;
}

/**
 * Runs `scenario` in every setting at once, each against a fresh gateway in front of its own fake:
 * the rounds alternate between the settings, and each gateway's CPU is read around its own rounds
 * only, so a change in the machine's load during the run falls on every setting alike.
 */
async function measure(scenario: QueueScenario): Promise<QueueRow[]> {
  const reply = benchReply(scenario.tokens);
  const running: Running[] = [];
  try {
    for (const setting of SETTINGS) running.push(await start(setting, scenario, reply));
    for (let warmup = 0; warmup < scenario.warmupRounds; warmup++) {
      for (const gateway of running) await gateway.round();
    }
    await sleep(scenario.settleMs);
    const idleBefore = running.map((gateway) => gateway.cpu());
    const idleStart = performance.now();
    await sleep(scenario.idleMs);
    const idleMs = performance.now() - idleStart;
    const rows = running.map((gateway, index): QueueRow => {
      const idle = cpuNanosBetween(idleBefore[index], gateway.cpu());
      return {
        parallel: gateway.parallel,
        together: gateway.together,
        visits: [],
        cpuMicrosPerRequest: 0,
        idleMicrosPerSecond: idle.nanos / idleMs, // ns per ms is µs per s.
        durationMs: 0,
        endedThreads: idle.endedThreads,
      };
    });
    const busyNanos = rows.map(() => 0);
    for (let round = 0; round < scenario.rounds; round++) {
      for (const [index, gateway] of running.entries()) {
        const before = gateway.cpu();
        const started = performance.now();
        rows[index].visits.push(await gateway.round());
        rows[index].durationMs += performance.now() - started;
        const busy = cpuNanosBetween(before, gateway.cpu());
        busyNanos[index] += busy.nanos;
        rows[index].endedThreads += busy.endedThreads;
      }
    }
    for (const [index, row] of rows.entries()) {
      const idleNanos = row.idleMicrosPerSecond * row.durationMs;
      row.cpuMicrosPerRequest = (busyNanos[index] - idleNanos) / 1000 / (scenario.rounds * USERS);
    }
    return rows;
  } finally {
    for (const gateway of running) await gateway.stop();
  }
}

/** Starts a fake and a gateway for `setting`; its rounds ask the gateway for `reply`. */
async function start(
  setting: Setting,
  scenario: QueueScenario,
  reply: { text: string; tokens: string[] },
): Promise<Running> {
  const fake = await startFake(reply.text, scenario.tokenDelayMs);
  let gateway;
  try {
    gateway = await startGateway(fake.url, { OLLAMA_NUM_PARALLEL: String(setting.parallel) });
  } catch (error) {
    await fake.stop();
    throw error;
  }
  const { url, relay } = gateway;
  const client = Deno.createHttpClient({});
  const request = gatewayChat(`${url}/chat_api`);
  const ask = () => visit(request, reply.tokens, client);
  return {
    ...setting,
    async round() {
      const visits: Visit[] = [];
      if (setting.together) visits.push(...await Promise.all(Array.from({ length: USERS }, ask)));
      else for (let user = 0; user < USERS; user++) visits.push(await ask());
      return visits.sort((a, b) => a.firstTokenMs - b.firstTokenMs);
    },
    cpu: () => threadCpuNanos(relay.pid),
    async stop() {
      client.close();
      await relay.stop();
      await fake.stop();
    },
  };
}

/** Resolves after `ms` milliseconds. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
function formatRow(
  { parallel, together, visits, cpuMicrosPerRequest, idleMicrosPerSecond, durationMs }: QueueRow,
): string {
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
      together ? "at once" : "in turn",
      ...users.map((user) => figure(user, (visit) => visit.firstLineMs)),
      ...users.map((user) => figure(user, (visit) => visit.firstTokenMs)),
      statusLines,
      (durationMs / 1000).toFixed(1),
      idleMicrosPerSecond.toFixed(0),
      cpuMicrosPerRequest.toFixed(0),
    ].join(" | ")
  } |`;
}
