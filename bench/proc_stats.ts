/**
 * What a process has cost so far, read from Linux's `/proc`: CPU time (user + system, all threads,
 * in 10 ms steps; or per thread in nanoseconds, for short measurements) and peak resident memory.
 * The bench reads them for each target's own process, so every figure belongs to one relay and
 * nothing else.
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

/**
 * CPU time each thread of process `pid` has used so far, in nanoseconds, by thread id: the first
 * field of `/proc/<pid>/task/<tid>/schedstat`, the scheduler's own count of time on a CPU (no
 * 10 ms steps, unlike {@link cpuMicros}). A thread that ends while it is read is left out.
 */
export function threadCpuNanos(pid: number): Map<number, number> {
  const threads = new Map<number, number>();
  for (const { name } of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const schedstat = Deno.readTextFileSync(`/proc/${pid}/task/${name}/schedstat`);
      threads.set(Number(name), Number(schedstat.split(" ")[0]));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return threads;
}

/**
 * The CPU a process used between two {@link threadCpuNanos} readings, in nanoseconds: every
 * thread's growth, a thread born in between counted whole. `endedThreads` counts the threads that
 * ended in between, whose time after the first reading is missing from `nanos`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { cpuNanosBetween } from "./proc_stats.ts";
 *
 * const before = new Map([[1, 1_000], [2, 500]]);
 * const after = new Map([[1, 1_600], [3, 200]]); // Thread 2 ended, thread 3 was born.
 * assertEquals(cpuNanosBetween(before, after), { nanos: 800, endedThreads: 1 });
 * ```
 */
export function cpuNanosBetween(
  before: Map<number, number>,
  after: Map<number, number>,
): { nanos: number; endedThreads: number } {
  let nanos = 0;
  for (const [thread, total] of after) nanos += total - (before.get(thread) ?? 0);
  const endedThreads = [...before.keys()].filter((thread) => !after.has(thread)).length;
  return { nanos, endedThreads };
}
