/**
 * The bench's judgement (`bench/report.ts`, `bench/load_client.ts`): which figures make a
 * yardstick pass or fail, how rounds are combined, and how damaged answers are counted.
 *
 * @module
 */

import { assertEquals } from "@std/assert";
import { countLostTokens } from "../../bench/load_client.ts";
import { checkTargets, medianRow, type Row, type ScenarioResult } from "../../bench/report.ts";
import { FULL_SCENARIOS } from "../../bench/scenarios.ts";

/** A row with plausible figures, `figures` on top. */
function row(target: string, figures: Partial<Row> = {}): Row {
  return {
    target,
    tokensPerSecond: 1000,
    ttfbP50Ms: 1,
    ttfbP99Ms: 2,
    durationP50Ms: 10,
    durationP99Ms: 20,
    relayCpuMicrosPerToken: 10,
    fakeCpuMicrosPerToken: 5,
    peakRssBytes: 100 * 2 ** 20,
    lostTokens: 0,
    failedStreams: 0,
    problems: [],
    ...figures,
  };
}

function results(rows: Record<string, Row[]>): ScenarioResult[] {
  return FULL_SCENARIOS.map((scenario) => ({
    scenario,
    rows: rows[scenario.name] ?? [],
    unavailable: [],
  }));
}

const verdict = (checks: ReturnType<typeof checkTargets>, start: string) =>
  checks.find((check) => check.name.startsWith(start))?.verdict;

Deno.test("/chat_api may cost at most the bare relay's CPU per token", () => {
  const at = (cpu: number) =>
    checkTargets(results({
      firehose: [row("/chat_api", { relayCpuMicrosPerToken: cpu }), row("bare relay")],
    }));
  const name = "/chat_api CPU per token ≤ 1.0× bare relay (firehose)";
  assertEquals(verdict(at(10), name), "PASS");
  assertEquals(verdict(at(10.1), name), "FAIL");
});

Deno.test("the passthrough may cost 1.3x the native relay's CPU per token, no more", () => {
  const at = (cpu: number) =>
    checkTargets(results({
      many: [row("passthrough", { relayCpuMicrosPerToken: cpu }), row("native relay")],
    }));
  const name = "passthrough CPU per token ≤ 1.3× native relay (many)";
  assertEquals(verdict(at(13), name), "PASS");
  assertEquals(verdict(at(13.1), name), "FAIL");
});

Deno.test("the passthrough must cost less CPU per token than Caddy: a tie fails", () => {
  const at = (cpu: number) =>
    checkTargets(results({
      firehose: [row("passthrough", { relayCpuMicrosPerToken: cpu }), row("caddy")],
    }));
  const name = "passthrough CPU per token < 1.0× caddy (firehose)";
  assertEquals(verdict(at(9.9), name), "PASS");
  assertEquals(verdict(at(10), name), "FAIL");
});

Deno.test("nginx's row is information: no check compares with it", () => {
  const checks = checkTargets(results({
    firehose: [row("passthrough", { relayCpuMicrosPerToken: 100 }), row("nginx")],
  }));
  assertEquals(checks.filter((check) => check.name.includes("nginx")), []);
  assertEquals(checks.some((check) => check.verdict === "FAIL"), false);
});

Deno.test("engine mode may cost at most its bare relay's CPU per token", () => {
  const at = (cpu: number) =>
    checkTargets(results({
      many: [
        row("/chat_api (engine)", { relayCpuMicrosPerToken: cpu }),
        row("bare relay (SSE)"),
      ],
    }));
  const name = "/chat_api (engine) CPU per token ≤ 1.0× bare relay (SSE) (many)";
  assertEquals(verdict(at(10), name), "PASS");
  assertEquals(verdict(at(10.1), name), "FAIL");
});

Deno.test("time to first byte may add 0.5 ms to direct's, no more", () => {
  const at = (ttfbP50Ms: number) =>
    checkTargets(results({ single: [row("direct"), row("/chat_api", { ttfbP50Ms })] }));
  assertEquals(verdict(at(1.5), "/chat_api TTFB"), "PASS");
  assertEquals(verdict(at(1.6), "/chat_api TTFB"), "FAIL");
});

Deno.test("a target that was not measured is n/a, not a pass", () => {
  const checks = checkTargets(results({ firehose: [row("/chat_api"), row("bare relay")] }));
  assertEquals(verdict(checks, "passthrough CPU per token < 1.0× caddy (firehose)"), "n/a");
  assertEquals(verdict(checks, "/chat_api p99 duration"), "n/a");
});

Deno.test("one lost token anywhere fails the run, but a peer's own is shown apart", () => {
  const whole = { single: [row("direct")], many: [row("nginx"), row("caddy")] };
  const clean = checkTargets(results(whole), ["nginx", "caddy"]);
  const lossy = checkTargets(
    results({ ...whole, single: [row("direct", { lostTokens: 1 })] }),
    ["nginx", "caddy"],
  );
  const peerLost = checkTargets(
    results({ ...whole, many: [row("nginx"), row("caddy", { failedStreams: 1 })] }),
    ["nginx", "caddy"],
  );
  const ours = "no lost or altered token, no failed stream (every row but the peers')";
  const theirs = "the peers' own streams (nginx, caddy), not counted";
  assertEquals([verdict(clean, ours), verdict(clean, theirs)], ["PASS", "PASS"]);
  assertEquals([verdict(lossy, ours), verdict(lossy, theirs)], ["FAIL", "PASS"]);
  assertEquals([verdict(peerLost, ours), verdict(peerLost, theirs)], ["PASS", "info"]);
});

Deno.test("rounds combine into each figure's median and every loss", () => {
  const combined = medianRow([
    row("nginx", { relayCpuMicrosPerToken: 30, durationP99Ms: 5, lostTokens: 1 }),
    row("nginx", { relayCpuMicrosPerToken: 10, durationP99Ms: 50 }),
    row("nginx", { relayCpuMicrosPerToken: 20, durationP99Ms: 7, failedStreams: 2 }),
  ]);
  assertEquals(combined.relayCpuMicrosPerToken, 20);
  assertEquals(combined.durationP99Ms, 7);
  assertEquals(combined.lostTokens, 1);
  assertEquals(combined.failedStreams, 2);
});

Deno.test("lost tokens count every missing, changed, moved or extra token", () => {
  const expected = ["Hello", " wörld", " 👋"];
  assertEquals(countLostTokens(expected, expected), 0);
  assertEquals(countLostTokens(["Hello", " 👋"], expected), 2); // One missing, one moved.
  assertEquals(countLostTokens(["Hello", " world", " 👋"], expected), 1);
  assertEquals(countLostTokens([...expected, " again"], expected), 1);
});
