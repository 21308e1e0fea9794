/**
 * A smoke run of the benchmark (`deno task bench --quick`), so it cannot rot: it must finish,
 * print a table per scenario with every target measured and the queue's measurement, and lose no
 * token. Where nginx is not installed, it measures the others and the report says so in one line,
 * which the test prints.
 *
 * @module
 */

import { assert, assertEquals, assertMatch, assertThrows } from "@std/assert";
import { findNginx, leaveOutMissingNginx, NGINX_MISSING } from "../../bench/nginx.ts";
import { PROJECT_DIR } from "../../bench/processes.ts";

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

  const nginx = findNginx() !== undefined;
  const expected = [
    "direct",
    "/chat_api",
    "passthrough",
    "bare relay",
    "native relay",
    ...(nginx ? ["nginx"] : []),
  ];
  const notes = report.split("\n").filter((line) => line.includes("nginx is not installed"));
  assertEquals(notes, nginx ? [] : [NGINX_MISSING], "one line says that nginx is left out");
  if (!nginx) console.log(notes[0]);
  for (const scenario of ["single", "firehose", "many"]) {
    const table = report.split(`### ${scenario}:`)[1]?.split("###")[0];
    assert(table, `no table for the ${scenario} scenario:\n${report}`);
    const rows = table.split("\n").filter((line) => line.startsWith("| ") && !line.includes("n/a"))
      .map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
    const measured = rows.slice(2); // Below the header and its separator.
    const names = measured.map((cells) => cells[0]);
    for (const target of expected) assert(names.includes(target), `${scenario}: no ${target}`);
    for (const cells of measured) {
      assertEquals(cells.slice(-2), ["0", "0"], `${scenario}, ${cells[0]}: lost/failed`);
    }
  }
  assertMatch(
    report,
    /\| no lost or altered token, no failed stream \(every row\) \| .+ \| PASS \|/,
  );
  const queue = report.split("### queue:")[1]?.split("###")[0];
  assert(queue, `no queue measurement:\n${report}`);
  assertMatch(queue, /^\| 1 \| [\d.]+ \(/m, "one at a time");
  assertMatch(queue, /^\| 3 \| [\d.]+ \(/m, "all at once");
  assertMatch(queue, /Lost or altered tokens: 0; answers not whole: 0\./);
});

Deno.test("without nginx, a quick bench leaves it out and says so; a full one asks for it", () => {
  const targets = [{ name: "direct" }, { name: "nginx" }, { name: "passthrough" }];
  assertEquals(leaveOutMissingNginx(targets, true, undefined), {
    targets: [{ name: "direct" }, { name: "passthrough" }],
    note: NGINX_MISSING,
  });
  assertThrows(
    () => leaveOutMissingNginx(targets, false, undefined),
    Error,
    "sudo apt-get install -y --no-install-recommends nginx",
  );
  // Installed, or not asked for: nothing changes.
  assertEquals(leaveOutMissingNginx(targets, false, "/usr/sbin/nginx"), { targets });
  assertEquals(leaveOutMissingNginx([{ name: "direct" }], false, undefined), {
    targets: [{ name: "direct" }],
  });
});
