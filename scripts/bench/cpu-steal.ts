/**
 * How quiet the machine was, as the load average cannot tell on a virtual
 * machine: the time the hypervisor gave this guest's CPUs to others
 * ("steal" in /proc/stat). A busy host slows every process of the guest,
 * ours, F and the reference alike, but not by the same share, so runs with
 * steal in them are the ones to distrust (pure).
 */

/** /proc/stat's all-CPU line: jiffies in total and those stolen. */
export interface CpuTimes {
  total: number;
  steal: number;
}

/**
 * Read the aggregate `cpu` line of /proc/stat: user, nice, system, idle,
 * iowait, irq, softirq, steal (guest time is already inside user and nice).
 *
 * @throws {Error} when the text has no aggregate `cpu` line
 * @example parseCpuTimes("cpu  10 0 5 80 1 0 0 4 0 0\n").steal // 4
 */
export function parseCpuTimes(procStat: string): CpuTimes {
  const line = procStat.split("\n").find((l) => /^cpu\s/.test(l));
  if (line === undefined) throw new Error("/proc/stat has no aggregate cpu line");
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const steal = fields[7] ?? 0;
  return { total: fields.reduce((sum, n) => sum + n, 0), steal };
}

/**
 * Stolen time between two readings, in percent of all CPU time elapsed.
 *
 * @example stealPercent({ total: 0, steal: 0 }, { total: 200, steal: 3 }) // 1.5
 */
export function stealPercent(before: CpuTimes, after: CpuTimes): number {
  const elapsed = after.total - before.total;
  return elapsed > 0 ? (100 * (after.steal - before.steal)) / elapsed : 0;
}
