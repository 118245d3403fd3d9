import fs from "node:fs";

/** Linux reports /proc/<pid>/stat times in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SECOND = 100;

interface ProcessInfo {
  pid: number;
  comm: string;
  pgrp: number;
  /** User + system CPU so far, in seconds. */
  cpuSeconds: number;
}

/** Every process /proc lists now, with what its stat line says (Linux; none elsewhere). */
function processes(): ProcessInfo[] {
  let pids: string[];
  try {
    pids = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const found: ProcessInfo[] = [];
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      // After "pid (comm) ": state, ppid, pgrp, …, utime (14th field overall), stime (15th).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      found.push({
        pid: Number(pid),
        comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
        pgrp: Number(fields[2]),
        cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      });
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** Peak resident memory (VmHWM) of the largest process in a process group, in MiB (Linux /proc). */
export function peakRssMiB(groupId: number): number {
  let peak = 0;
  for (const p of processes()) {
    if (p.pgrp !== groupId) continue;
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p.pid}/status`, "utf8"));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
    } catch {
      // the process ended meanwhile
    }
  }
  return peak;
}

/**
 * CPU seconds (user + system) used so far by the processes `select` picks, from /proc (Linux; 0 elsewhere). A
 * process that ended is no longer counted, so compare readings of processes that outlive the measurement.
 */
export function cpuSeconds(select: (process: ProcessInfo) => boolean): number {
  return processes()
    .filter(select)
    .reduce((sum, p) => sum + p.cpuSeconds, 0);
}
