/**
 * A smoke run of the benchmark (`deno task bench --quick`), so it cannot rot: it must finish,
 * print a table per scenario with every target measured and the queue's measurement, and lose no
 * token. Where nginx or Caddy is not installed, it measures the others and the report says so in
 * one line each, which the test prints.
 *
 * @module
 */

import { assert, assertEquals, assertMatch, assertThrows } from "@std/assert";
import { leaveOutMissing, missingNote } from "../../bench/peer_proxy.ts";
import { PROJECT_DIR } from "../../bench/processes.ts";
import { missingPeers, PEERS } from "../../bench/targets.ts";

Deno.test("deno task bench --quick measures every target and loses no token", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "bench", "--quick"],
    cwd: PROJECT_DIR,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const report = new TextDecoder().decode(stdout);
  assertEquals(code, 0, `the bench failed:\n${report}\n${new TextDecoder().decode(stderr)}`);

  const missing = missingPeers();
  const expected = [
    "direct",
    "/chat_api",
    "passthrough",
    "bare relay",
    "native relay",
    "/chat_api (engine)",
    "bare relay (SSE)",
    ...PEERS.filter((peer) => !missing.includes(peer)).map((peer) => peer.name),
  ];
  const notes = report.split("\n").filter((line) => line.includes(" is not installed"));
  assertEquals(notes, missing.map(missingNote), "one line says which peer is left out");
  for (const note of notes) console.log(note);
  for (const scenario of ["single", "firehose", "many"]) {
    const table = report.split(`### ${scenario}:`)[1]?.split("###")[0];
    assert(table, `no table for the ${scenario} scenario:\n${report}`);
    const rows = table.split("\n").filter((line) => line.startsWith("| ") && !line.includes("n/a"))
      .map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
    const measured = rows.slice(2); // Below the header and its separator.
    const names = measured.map((cells) => cells[0]);
    for (const target of expected) assert(names.includes(target), `${scenario}: no ${target}`);
    // A peer's own cut streams (Debian's Caddy 2.6.2 cuts some; bench/README.md) are
    // shown in its row, not ours to fail.
    for (const cells of measured.filter((cells) => !PEERS.some((p) => p.name === cells[0]))) {
      assertEquals(cells.slice(-2), ["0", "0"], `${scenario}, ${cells[0]}: lost/failed`);
    }
  }
  assertMatch(
    report,
    /\| no lost or altered token, no failed stream \(every row but the peers'\) \| .+ \| PASS \|/,
  );
  const queue = report.split("### queue:")[1]?.split("###")[0];
  assert(queue, `no queue measurement:\n${report}`);
  assertMatch(queue, /^\| 1 \| at once \| [\d.]+ \(/m, "one at a time, two waiting");
  assertMatch(queue, /^\| 1 \| in turn \| [\d.]+ \(/m, "one at a time, nobody waiting");
  assertMatch(queue, /^\| 3 \| at once \| [\d.]+ \(/m, "all at once");
  assertMatch(queue, /Queueing costs -?\d+ µs of gateway CPU per request/);
  assertMatch(queue, /Lost or altered tokens: 0; answers not whole: 0\./);
});

Deno.test("without nginx or Caddy, a quick bench leaves them out and says so; a full one asks", () => {
  const [nginx, caddy] = PEERS;
  const targets = [{ name: "direct" }, { name: "nginx" }, { name: "caddy" }];
  assertEquals(leaveOutMissing(targets, true, [nginx, caddy]), {
    targets: [{ name: "direct" }],
    notes: [missingNote(nginx), missingNote(caddy)],
  });
  assertMatch(missingNote(caddy), /^caddy is not installed, .*apt-get install .* caddy`/);
  const full = assertThrows(() => leaveOutMissing(targets, false, [caddy]), Error);
  assertMatch(full.message, /sudo apt-get install -y --no-install-recommends caddy/);
  // Installed, or not asked for: nothing changes.
  assertEquals(leaveOutMissing(targets, false, []), { targets, notes: [] });
  assertEquals(leaveOutMissing([{ name: "direct" }], false, [nginx, caddy]), {
    targets: [{ name: "direct" }],
    notes: [],
  });
});
