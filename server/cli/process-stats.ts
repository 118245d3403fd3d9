import fs from "node:fs";

/** Peak resident memory (VmHWM) of the largest process in a process group, in MiB (Linux /proc). */
export function peakRssMiB(groupId: number): number {
  let peak = 0;
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp !== groupId) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
    } catch {
      // the process ended meanwhile
    }
  }
  return peak;
}

/** Linux reports /proc/<pid>/stat times in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) used so far by the processes `select` picks, from /proc (Linux; 0 elsewhere). A
 * process that ended is no longer counted, so compare readings of processes that outlive the measurement.
 */
export function cpuSeconds(select: (process: { pid: number; comm: string; pgrp: number }) => boolean): number {
  let ticks = 0;
  let pids: string[];
  try {
    pids = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      // After "pid (comm) ": state, ppid, pgrp, …, utime (14th field overall), stime (15th).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (!select({ pid: Number(pid), comm, pgrp: Number(fields[2]) })) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / TICKS_PER_SECOND;
}
