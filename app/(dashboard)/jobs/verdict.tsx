import { formatPercent } from "@/server/format";

const TONE = { not: "good", moderately: "warn", highly: "bad" } as const;
const TEXT = { not: "not input-bound", moderately: "moderately input-bound", highly: "highly input-bound" } as const;

/** A job's stall share with its verdict, worded as the TensorFlow profiler words it. */
export function Verdict({ stall, verdict }: { stall: number | null; verdict: keyof typeof TEXT | null }) {
  if (stall === null || verdict === null) return <span className="muted">no step time</span>;
  return (
    <span className="verdict">
      <strong>{formatPercent(stall)}</strong>{" "}
      <span className={`badge ${TONE[verdict]}`} title="Share of step time spent waiting for data, on the slowest rank. < 5% not, 5–20% moderately, ≥ 20% highly input-bound.">
        {TEXT[verdict]}
      </span>
    </span>
  );
}

export const STATUS_TEXT = {
  running: { label: "running", tone: "good", title: "Stepped in the last 10 minutes of the range." },
  "no progress": { label: "no progress", tone: "bad", title: "Still reporting, but its step counter has not grown: hung or waiting, and holding its GPUs." },
  finished: { label: "stopped", tone: "", title: "Stopped reporting before the end of the range." },
} as const;
