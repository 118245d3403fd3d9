/**
 * The demo's history as Prometheus remote_write requests. Each minute is rendered exactly as the live producers
 * render it (the dcgm-exporter and Alluxio pages, the jobs' OTLP requests) and read back with Flightdeck's own
 * decoders, so the history's series carry exactly the labels the live scrapes and pushes will carry, and the charts
 * run on without a seam.
 */
import { decodeOtlpMetrics } from "@/server/ingest/otlp";
import { decodePrometheusText } from "@/server/ingest/prom-text";
import { encodeRemoteWrite, type RemoteWriteMetadata, type RemoteWriteTimeSeries } from "@/server/ingest/remote-write-encode";
import type { DecodedBatch, MetricMetadata } from "@/server/ingest/types";
import { BACKFILL_DCGM_FIELDS, renderClusterPage, renderDcgmPage, renderJobOtlp } from "./pages";
import { CLUSTERS, CounterClock, HOSTS, JOBS, MINUTE_MS, type Scenario } from "./scenario";
import { targetLabels } from "@/server/ingest/scraper";
import { renderModelServerPage } from "./model-loads";
import { clusterTargets, dcgmTarget, modelServerTarget } from "./targets";

/** Everything the producers emit at one moment, decoded as Flightdeck decodes it on arrival. */
export function decodeMoment(scenario: Scenario, counters: CounterClock, tMs: number, opts: { backfill: boolean }): DecodedBatch[] {
  const batches: DecodedBatch[] = [];
  HOSTS.forEach((host, index) => {
    const page = renderDcgmPage(scenario, counters, index, tMs, opts.backfill ? BACKFILL_DCGM_FIELDS : undefined);
    batches.push(decodePrometheusText(page, { nowMs: tMs, extraLabels: targetLabels(dcgmTarget(host, "http://demo")) }));
  });
  for (const { cluster, worker, target } of CLUSTERS.flatMap((c) => clusterTargets(c, "http://demo"))) {
    const page = renderClusterPage(scenario, counters, cluster, worker, tMs);
    batches.push(decodePrometheusText(page, { nowMs: tMs, extraLabels: targetLabels(target) }));
  }
  batches.push(decodePrometheusText(renderModelServerPage(scenario.originMs, tMs), { nowMs: tMs, extraLabels: targetLabels(modelServerTarget("http://demo")) }));
  for (const job of JOBS) {
    if (tMs < scenario.originMs + job.startH * 3_600_000) continue;
    const body = new TextEncoder().encode(JSON.stringify(renderJobOtlp(scenario, counters, job, tMs)));
    batches.push(decodeOtlpMetrics(body, { contentType: "application/json" }).batch);
  }
  return batches;
}

export interface BackfillRequest {
  body: Uint8Array;
  samples: number;
  /** The first minute after this request's span, ms. */
  untilMs: number;
}

/** Minutes per remote_write request: about 20,000 samples, a few hundred KiB on the wire. */
const MINUTES_PER_REQUEST = 60;

/** Remote_write requests covering [fromMs, toMs) at one sample a minute, oldest first; metadata rides on the first. */
export function* backfillRequests(scenario: Scenario, counters: CounterClock, fromMs: number, toMs: number): Generator<BackfillRequest> {
  const start = Math.ceil(fromMs / MINUTE_MS) * MINUTE_MS;
  let metadataSent = false;
  for (let blockStart = start; blockStart < toMs; blockStart += MINUTES_PER_REQUEST * MINUTE_MS) {
    const series = new Map<string, RemoteWriteTimeSeries>();
    const metadata = new Map<string, MetricMetadata>();
    let samples = 0;
    const blockEnd = Math.min(toMs, blockStart + MINUTES_PER_REQUEST * MINUTE_MS);
    for (let t = blockStart; t < blockEnd; t += MINUTE_MS) {
      for (const batch of decodeMoment(scenario, counters, t, { backfill: true })) {
        for (const m of batch.metadata) metadata.set(m.metric, m);
        for (const s of batch.series) {
          const labels = { __name__: s.metric, ...s.labels };
          const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
          let out = series.get(key);
          if (!out) {
            out = { labels: Object.entries(labels).map(([name, value]) => ({ name, value })), samples: [] };
            series.set(key, out);
          }
          for (const p of s.samples) out.samples!.push({ value: p.value, timestampMs: p.tsMs });
          samples += s.samples.length;
        }
      }
    }
    const meta: RemoteWriteMetadata[] = metadataSent
      ? []
      : [...metadata.values()].map((m) => ({ type: m.type, metricFamilyName: m.metric, help: m.help, unit: m.unit }));
    metadataSent = true;
    yield { body: encodeRemoteWrite({ timeseries: [...series.values()], metadata: meta }), samples, untilMs: blockEnd };
  }
}
