/**
 * What a process has cost so far, read from Linux's `/proc`: CPU time (user + system, all threads)
 * and peak resident memory. The bench reads them for each target's own process, so every figure
 * belongs to one relay and nothing else.
 *
 * @module
 */

/** Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on every Linux build). */
const TICKS_PER_SECOND = 100;

/** CPU time process `pid` has used so far, user plus system, in microseconds (10 ms steps). */
export function cpuMicros(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // The command name (field 2) may hold spaces; fields after its ")" are space-separated, from
  // field 3 (state) on, so utime (field 14) and stime (field 15) are at 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * (1_000_000 / TICKS_PER_SECOND);
}

/** Peak resident memory of process `pid` so far (`VmHWM`), in bytes. */
export function peakRssBytes(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kilobytes = status.match(/^VmHWM:\s+(\d+) kB$/m)?.[1];
  if (kilobytes === undefined) throw new Error(`/proc/${pid}/status has no VmHWM line`);
  return Number(kilobytes) * 1024;
}
