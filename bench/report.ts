/**
 * The bench's output: a table per scenario with one row per target, and the team's yardsticks
 * checked as ratios between rows of the same run (so a busy machine slows both sides alike):
 * `/chat_api` at most the bare Deno relay's CPU per token, the passthrough at most 1.3× Deno's
 * native relay's and less than Caddy's, engine mode at most its bare relay's; nginx's row is
 * shown for information only.
 *
 * @module
 */

import type { Scenario } from "./scenarios.ts";

/** A target's figures in one scenario. */
export interface Row {
  target: string;
  tokensPerSecond: number;
  ttfbP50Ms: number;
  ttfbP99Ms: number;
  durationP50Ms: number;
  durationP99Ms: number;
  /** CPU of the relay process per relayed token; undefined when there is no relay (direct). */
  relayCpuMicrosPerToken?: number;
  /** CPU of the fake Ollama per token, the same work for every target. */
  fakeCpuMicrosPerToken: number;
  /** Peak resident memory of the relay process; undefined when there is no relay. */
  peakRssBytes?: number;
  lostTokens: number;
  failedStreams: number;
  /** The first few problems seen, in words. */
  problems: string[];
}

/** One scenario's rows, and the targets that could not run with the reason why. */
export interface ScenarioResult {
  scenario: Scenario;
  rows: Row[];
  unavailable: { target: string; reason: string }[];
}

/** A yardstick, checked. */
export interface Check {
  name: string;
  /** The figures compared, e.g. "9.1 / 8.4 µs = 1.08×". */
  figures: string;
  /** `info`: shown, not judged (a peer's own lost streams). */
  verdict: "PASS" | "FAIL" | "n/a" | "info";
}

const HEADER = [
  "target",
  "tokens/s",
  "TTFB p50 ms",
  "TTFB p99 ms",
  "duration p50 ms",
  "duration p99 ms",
  "CPU µs/token",
  "fake CPU µs/token",
  "peak RSS MB",
  "lost/altered",
  "failed streams",
];

/**
 * One row from several rounds of the same target: the median of each figure (the upper one of
 * an even count), and every lost token, failed stream and problem.
 */
export function medianRow(rounds: Row[]): Row {
  const median = (figure: (row: Row) => number | undefined) => {
    const values = rounds.map(figure);
    if (values.includes(undefined)) return undefined;
    return (values as number[]).sort((a, b) => a - b)[Math.floor(values.length / 2)];
  };
  const sum = (figure: (row: Row) => number) =>
    rounds.reduce((total, row) => total + figure(row), 0);
  return {
    target: rounds[0].target,
    tokensPerSecond: median((row) => row.tokensPerSecond)!,
    ttfbP50Ms: median((row) => row.ttfbP50Ms)!,
    ttfbP99Ms: median((row) => row.ttfbP99Ms)!,
    durationP50Ms: median((row) => row.durationP50Ms)!,
    durationP99Ms: median((row) => row.durationP99Ms)!,
    relayCpuMicrosPerToken: median((row) => row.relayCpuMicrosPerToken),
    fakeCpuMicrosPerToken: median((row) => row.fakeCpuMicrosPerToken)!,
    peakRssBytes: median((row) => row.peakRssBytes),
    lostTokens: sum((row) => row.lostTokens),
    failedStreams: sum((row) => row.failedStreams),
    problems: rounds.flatMap((row) => row.problems).slice(0, 5),
  };
}

/** The scenario's figures as a Markdown table, with its problems and unavailable targets below. */
export function formatScenario({ scenario, rows, unavailable }: ScenarioResult): string {
  const lines = [
    `### ${scenario.name}: ${scenario.description}`,
    "",
    `${scenario.streams} streams measured after ${scenario.warmupStreams} warm-up streams` +
    (scenario.rounds > 1 ? `; median of ${scenario.rounds} rounds.` : "."),
    "",
    `| ${HEADER.join(" | ")} |`,
    `| ${HEADER.map((_, index) => (index === 0 ? "---" : "---:")).join(" | ")} |`,
  ];
  for (const row of rows) {
    const cells = [
      row.target,
      row.tokensPerSecond.toFixed(0),
      row.ttfbP50Ms.toFixed(2),
      row.ttfbP99Ms.toFixed(2),
      row.durationP50Ms.toFixed(1),
      row.durationP99Ms.toFixed(1),
      row.relayCpuMicrosPerToken?.toFixed(1) ?? "—",
      row.fakeCpuMicrosPerToken.toFixed(1),
      row.peakRssBytes === undefined ? "—" : (row.peakRssBytes / 2 ** 20).toFixed(1),
      String(row.lostTokens),
      String(row.failedStreams),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  for (const { target, reason } of unavailable) {
    lines.push(`| ${target} | ${HEADER.slice(1).map(() => "n/a").join(" | ")} |`);
    lines.push("", `${target}: ${reason}`);
  }
  for (const row of rows) {
    for (const problem of row.problems) lines.push("", `${row.target}: ${problem}`);
  }
  return lines.join("\n");
}

/** A figure the yardsticks compare, and how to read it from a row. */
const FIGURES = {
  "CPU per token": { unit: "µs", of: (row: Row) => row.relayCpuMicrosPerToken },
  "p99 duration": { unit: "ms", of: (row: Row) => row.durationP99Ms },
  "peak RSS": { unit: "MB", of: (row: Row) => row.peakRssBytes && row.peakRssBytes / 2 ** 20 },
};

/** A yardstick that compares a row's figure with another row's in a scenario. */
interface RatioTarget {
  scenario: string;
  target: string;
  reference: string;
  figure: keyof typeof FIGURES;
  /** How the ratio target/reference must compare with `limit`. */
  op: "≤" | "<";
  limit: number;
}

// deno-fmt-ignore: one yardstick a line reads as a table.
const RATIO_TARGETS: RatioTarget[] = [
  { scenario: "firehose", target: "/chat_api",   reference: "bare relay",   figure: "CPU per token", op: "≤", limit: 1.0 },
  { scenario: "many",     target: "/chat_api",   reference: "bare relay",   figure: "CPU per token", op: "≤", limit: 1.0 },
  { scenario: "many",     target: "/chat_api",   reference: "bare relay",   figure: "p99 duration",  op: "≤", limit: 1.1 },
  { scenario: "many",     target: "/chat_api",   reference: "bare relay",   figure: "peak RSS",      op: "≤", limit: 1.2 },
  { scenario: "firehose", target: "passthrough", reference: "native relay", figure: "CPU per token", op: "≤", limit: 1.3 },
  { scenario: "many",     target: "passthrough", reference: "native relay", figure: "CPU per token", op: "≤", limit: 1.3 },
  { scenario: "firehose", target: "passthrough", reference: "caddy",        figure: "CPU per token", op: "<", limit: 1.0 },
  { scenario: "many",     target: "passthrough", reference: "caddy",        figure: "CPU per token", op: "<", limit: 1.0 },
  { scenario: "firehose", target: "/chat_api (engine)", reference: "bare relay (SSE)", figure: "CPU per token", op: "≤", limit: 1.0 },
  { scenario: "many",     target: "/chat_api (engine)", reference: "bare relay (SSE)", figure: "CPU per token", op: "≤", limit: 1.0 },
];

/**
 * The yardsticks checked against `results` (n/a where a figure is missing): ratios between rows
 * of one run, the time to first byte, and whether every token arrived. A stream that a foreign
 * proxy among `peers` (their row names) fails is its own defect, not the gateway's or the
 * bench's: it is shown in its row and in a line of its own, and fails nothing.
 */
export function checkTargets(results: ScenarioResult[], peers: string[] = []): Check[] {
  const find = (scenario: string, target: string) =>
    results.find((result) => result.scenario.name === scenario)?.rows
      .find((row) => row.target === target);

  const checks = RATIO_TARGETS.map(({ scenario, target, reference, figure, op, limit }): Check => {
    const name = `${target} ${figure} ${op} ${limit.toFixed(1)}× ${reference} (${scenario})`;
    const { unit, of } = FIGURES[figure];
    const mine = find(scenario, target), theirs = find(scenario, reference);
    const x = mine && of(mine), y = theirs && of(theirs);
    if (x === undefined || y === undefined) {
      return { name, figures: "not measured", verdict: "n/a" };
    }
    if (y === 0) {
      return { name, figures: `${reference}: 0 ${unit}, too little to compare`, verdict: "n/a" };
    }
    const ratio = x / y;
    return {
      name,
      figures: `${x.toFixed(1)} / ${y.toFixed(1)} ${unit} = ${ratio.toFixed(2)}×`,
      verdict: (op === "<" ? ratio < limit : ratio <= limit) ? "PASS" : "FAIL",
    };
  });
  checks.push(ttfbCheck(find("single", "/chat_api"), find("single", "direct")));

  const rows = results.flatMap((result) => result.rows);
  const ours = rows.filter((row) => !peers.includes(row.target));
  checks.push({
    name: "no lost or altered token, no failed stream (every row but the peers')",
    figures: damage(ours),
    verdict: ours.length === 0 ? "n/a" : isWhole(ours) ? "PASS" : "FAIL",
  });
  const theirs = rows.filter((row) => peers.includes(row.target));
  if (theirs.length > 0) {
    checks.push({
      name: `the peers' own streams (${peers.join(", ")}), not counted`,
      figures: damage(theirs),
      verdict: isWhole(theirs) ? "PASS" : "info",
    });
  }
  return checks;
}

/** Whether no token of `rows` was lost or altered and no stream failed. */
export function isWhole(rows: Row[]): boolean {
  return rows.every((row) => row.lostTokens === 0 && row.failedStreams === 0);
}

/** The lost tokens and failed streams of `rows`, in words. */
function damage(rows: Row[]): string {
  const lost = rows.reduce((sum, row) => sum + row.lostTokens, 0);
  const failed = rows.reduce((sum, row) => sum + row.failedStreams, 0);
  return `${lost} lost or altered, ${failed} failed in ${rows.length} rows`;
}

/** `/chat_api`'s median time to first byte at one stream, at most 0.5 ms above direct's. */
function ttfbCheck(gateway: Row | undefined, direct: Row | undefined): Check {
  const name = "/chat_api TTFB p50 ≤ direct + 0.5 ms (single)";
  if (!gateway || !direct) return { name, figures: "not measured", verdict: "n/a" };
  const added = gateway.ttfbP50Ms - direct.ttfbP50Ms;
  return {
    name,
    figures: `${gateway.ttfbP50Ms.toFixed(2)} - ${direct.ttfbP50Ms.toFixed(2)} ms = ` +
      `${added.toFixed(2)} ms`,
    verdict: added <= 0.5 ? "PASS" : "FAIL",
  };
}

/** The checks as a Markdown table. */
export function formatChecks(checks: Check[]): string {
  return [
    "### Yardsticks (ratios within this run)",
    "",
    "| target | figures | verdict |",
    "| --- | --- | --- |",
    ...checks.map((check) => `| ${check.name} | ${check.figures} | ${check.verdict} |`),
  ].join("\n");
}
