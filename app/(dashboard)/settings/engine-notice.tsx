import { configuredMetricsBackend } from "@/server/query/backend";

/** On the ingest settings pages: with a PromQL engine holding the metrics, what is set here is not used. */
export function EngineNotice({ what }: { what: string }) {
  const engine = configuredMetricsBackend();
  if (!engine) return null;
  return (
    <p className="alert warn page-notice" role="status" data-testid="engine-notice">
      Flightdeck reads metrics from the PromQL engine at <code>{engine.describe}</code> (
      <code>FLIGHTDECK_METRICS_BACKEND=promql</code>): {what} Point producers and scrapes at the engine.
    </p>
  );
}
