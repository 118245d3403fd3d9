import { formatPercent } from "@/server/format";

/** Completeness error with its badge: good ≤ 5%, check ≤ 20%, poor above. */
export function QualityBadge({ error }: { error: number }) {
  const [label, tone] = error <= 0.05 ? ["good", "good"] : error <= 0.2 ? ["check", "warn"] : ["poor", "bad"];
  return (
    <span
      className={`badge ${tone}`}
      title="Completeness error: |reference + Σ attributions − output| ÷ |output − reference|. Over 20%, the attributions do not add up to the prediction."
    >
      {label} · {formatPercent(Math.min(error, 99.99), 1)}
    </span>
  );
}
