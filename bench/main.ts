/**
 * `deno task bench`: how fast the gateway relays a stream, beside the fake Ollama answering
 * directly, bare Deno relays, nginx and Caddy, in one run (issue 7). For each scenario and each
 * target it starts a fresh fake Ollama and the target as their own processes, warms the target
 * up, runs the load client, and reads the relay's CPU and peak memory from `/proc`; a full run does that
 * three times, the targets in turn, and keeps each figure's median. Then it prints a table per
 * scenario and the team's yardsticks as ratios within the run. See `bench/README.md`.
 *
 * Flags: `--quick` (tiny scenarios, seconds), `--scenario NAME` and `--target NAME` (repeatable,
 * to run only those; `--scenario queue` runs the queue's measurement, `bench/queue.ts`, which
 * every run without `--scenario` includes). Exits 1 on any lost or altered token or failed stream
 * (but nginx's and Caddy's own, which the report shows apart), and after a full run also when a
 * yardstick is missed. A full run needs nginx and Caddy (else it exits 2, saying how to install
 * them); a quick run measures the other targets without them and says so.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { runLoad } from "./load_client.ts";
import { leaveOutMissing } from "./peer_proxy.ts";
import { cpuMicros, peakRssBytes } from "./proc_stats.ts";
import { runQueueBench } from "./queue.ts";
import {
  checkTargets,
  formatChecks,
  formatScenario,
  isWhole,
  medianRow,
  type Row,
  type ScenarioResult,
} from "./report.ts";
import { benchReply, FULL_SCENARIOS, QUICK_SCENARIOS, type Scenario } from "./scenarios.ts";
import { missingPeers, PEERS, startFake, type Target, TARGETS } from "./targets.ts";

/** What to run. */
export interface BenchOptions {
  /** Run the tiny scenarios. */
  quick?: boolean;
  /** Names of the scenarios to run; all when empty. */
  scenarios?: string[];
  /** Names of the targets to run; all when empty. */
  targets?: string[];
  /** Where progress goes, one line per target run; nowhere by default. */
  log?: (line: string) => void;
}

/** What a run found. */
export interface BenchOutcome {
  /** The machine, the tables and the checks, as Markdown. */
  report: string;
  /** No token lost or altered, no stream failed, and (full runs only) every yardstick met. */
  ok: boolean;
}

/** The name that selects the queue's measurement (`bench/queue.ts`) with `--scenario`. */
const QUEUE = "queue";

/** Runs the bench and returns its figures and report. */
export async function runBench(options: BenchOptions = {}): Promise<BenchOutcome> {
  const named = options.scenarios ?? [];
  const relayScenarios = named.filter((name) => name !== QUEUE);
  const scenarios = named.length > 0 && relayScenarios.length === 0
    ? []
    : pick(options.quick ? QUICK_SCENARIOS : FULL_SCENARIOS, relayScenarios);
  const { targets, notes } = leaveOutMissing(
    pick(TARGETS, options.targets),
    options.quick,
    missingPeers(),
  );
  const log = options.log ?? (() => {});
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const result: ScenarioResult = { scenario, rows: [], unavailable: [] };
    const rounds = new Map<Target, Row[]>();
    for (let round = 0; round < scenario.rounds; round++) {
      // Each round starts with another target, so a change in the machine's load over time
      // does not always fall on the same one.
      const first = round % targets.length;
      const order = [...targets.slice(first), ...targets.slice(0, first)];
      for (const target of order) {
        if (result.unavailable.some((skipped) => skipped.target === target.name)) continue;
        log(`${scenario.name}, round ${round + 1} of ${scenario.rounds}: ${target.name}…`);
        const row = await measure(target, scenario);
        if (typeof row === "string") result.unavailable.push({ target: target.name, reason: row });
        else rounds.set(target, [...rounds.get(target) ?? [], row]);
      }
    }
    for (const target of targets) {
      const rows = rounds.get(target);
      if (rows) result.rows.push(medianRow(rows));
    }
    results.push(result);
  }
  const queue = named.length === 0 || named.includes(QUEUE)
    ? await runQueueBench({ quick: options.quick, log })
    : undefined;
  const peers = PEERS.map((peer) => peer.name);
  const checks = [
    ...(scenarios.length > 0 ? checkTargets(results, peers) : []),
    ...queue?.checks ?? [],
  ];
  const damaged = queue?.damaged === true ||
    !isWhole(results.flatMap((result) => result.rows).filter((row) => !peers.includes(row.target)));
  const missed = checks.some((check) => check.verdict === "FAIL");
  const report = [
    machineDescription(),
    targets.map((target) => `- ${target.name}: ${target.description}`).join("\n"),
    ...(notes.length > 0 ? [notes.join("\n")] : []),
    ...results.map(formatScenario),
    ...(queue ? [queue.report] : []),
    formatChecks(checks),
    ...(options.quick
      ? ["(--quick: the ratios of tiny runs say nothing; only lost tokens count)"]
      : []),
  ].join("\n\n");
  return { report, ok: !damaged && (options.quick || !missed) };
}

/** Runs `scenario` against `target` in front of a fresh fake; a string says why it could not. */
async function measure(target: Target, scenario: Scenario): Promise<Row | string> {
  const reply = benchReply(scenario.tokens);
  const fake = await startFake(reply.text, scenario.tokenDelayMs, target.fake);
  try {
    const running = await target.start(fake.url);
    if (typeof running === "string") return running;
    const { request, relay } = running;
    const client = Deno.createHttpClient({});
    try {
      const plan = { concurrency: scenario.concurrency, expectedTokens: reply.tokens };
      const warmup = await runLoad(request, { ...plan, streams: scenario.warmupStreams }, client);
      const fakeCpuBefore = cpuMicros(fake.pid);
      const relayCpuBefore = relay && cpuMicros(relay.pid);
      const load = await runLoad(request, { ...plan, streams: scenario.streams }, client);
      const relayed = scenario.streams * scenario.tokens;
      return {
        target: target.name,
        tokensPerSecond: load.tokens / (load.wallMs / 1000),
        ttfbP50Ms: percentile(load.ttfbMs, 50),
        ttfbP99Ms: percentile(load.ttfbMs, 99),
        durationP50Ms: percentile(load.durationMs, 50),
        durationP99Ms: percentile(load.durationMs, 99),
        relayCpuMicrosPerToken: relay && (cpuMicros(relay.pid) - relayCpuBefore!) / relayed,
        fakeCpuMicrosPerToken: (cpuMicros(fake.pid) - fakeCpuBefore) / relayed,
        peakRssBytes: relay && peakRssBytes(relay.pid),
        lostTokens: warmup.lostTokens + load.lostTokens,
        failedStreams: warmup.failedStreams + load.failedStreams,
        problems: [...warmup.problems, ...load.problems].slice(0, 5),
      };
    } finally {
      client.close();
      await relay?.stop();
    }
  } finally {
    await fake.stop();
  }
}

/** The `p`th percentile (nearest rank) of `values`, ignoring NaN; NaN when there are none. */
function percentile(values: number[], p: number): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** The items of `all` named in `names` (all when none), or an error naming the unknown one. */
function pick<T extends { name: string }>(all: T[], names: string[] = []): T[] {
  const unknown = names.find((name) => !all.some((item) => item.name === name));
  if (unknown !== undefined) {
    throw new Error(`unknown name "${unknown}"; choose from: ${all.map((i) => i.name).join(", ")}`);
  }
  return names.length === 0 ? all : all.filter((item) => names.includes(item.name));
}

/** Where the figures come from: cores, CPU model, Deno version and how busy the machine was. */
function machineDescription(): string {
  const cpuModel = Deno.readTextFileSync("/proc/cpuinfo").match(/^model name\s*:\s*(.*)$/m)?.[1];
  return [
    "## OllamaSpace bench",
    "",
    `Machine: ${navigator.hardwareConcurrency} cores, ${cpuModel ?? "unknown CPU"}, ` +
    `Deno ${Deno.version.deno}, load average ${
      Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ")
    } ` +
    `at the start.`,
  ].join("\n");
}

if (import.meta.main) {
  let options: BenchOptions;
  try {
    const { values } = parseArgs({
      args: Deno.args,
      options: {
        quick: { type: "boolean" },
        scenario: { type: "string", multiple: true },
        target: { type: "string", multiple: true },
      },
    });
    options = { quick: values.quick, scenarios: values.scenario, targets: values.target };
    pick(FULL_SCENARIOS, options.scenarios?.filter((name) => name !== QUEUE));
    leaveOutMissing(pick(TARGETS, options.targets), options.quick, missingPeers());
  } catch (error) {
    console.error(
      `deno task bench: ${error instanceof Error ? error.message : error}\n` +
        "usage: deno task bench [--quick] [--scenario NAME]… [--target NAME]…",
    );
    Deno.exit(2);
  }
  const outcome = await runBench({ ...options, log: (line) => console.error(line) });
  console.log(outcome.report);
  Deno.exit(outcome.ok ? 0 : 1);
}
