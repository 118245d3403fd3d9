/**
 * The stored raw samples of the series matching a metric name and label matchers, one series at a time, so an export
 * of any size streams in bounded memory. No HTTP here: the route turns each series into a JSON line.
 */
import { sql } from "drizzle-orm";
import { type Db, queryRows } from "@/db";
import { metricsBackendFor } from "./backend";

export interface ExportedSeries {
  metric: string;
  labels: Record<string, string>;
  timestampsMs: number[];
  values: number[];
}

/** At most this many series per export; narrow the matchers for more. */
export const MAX_EXPORT_SERIES = 100_000;

export async function* exportRawSamples(
  db: Db,
  selector: { metric: string; labels: Record<string, string>; startMs: number; endMs: number },
): AsyncGenerator<ExportedSeries> {
  const remote = metricsBackendFor(db);
  if (remote) {
    // From the engine: its series of the metric, one at a time as here.
    for (const ref of (await remote.findSeries([selector.metric], selector.labels)).slice(0, MAX_EXPORT_SERIES)) {
      const points = (await remote.readRawPoints([ref], selector.startMs, selector.endMs)).get(ref.id) ?? [];
      if (points.length === 0) continue;
      yield { metric: ref.metric, labels: ref.labels, timestampsMs: points.map((p) => p.tsMs), values: points.map((p) => p.value) };
    }
    return;
  }
  const start = new Date(selector.startMs).toISOString();
  const end = new Date(selector.endMs).toISOString();
  const series = await queryRows<{ id: number; labels: Record<string, string> | string }>(
    db,
    sql`select id, labels from series
        where metric = ${selector.metric} and labels @> ${JSON.stringify(selector.labels)}::jsonb
        order by id limit ${MAX_EXPORT_SERIES}`,
  );
  for (const { id, labels } of series) {
    const rows = await queryRows<{ ms: number; value: number }>(
      db,
      sql`select (extract(epoch from ts) * 1000)::float8 as ms, value from samples
          where series_id = ${id} and ts >= ${start}::timestamptz and ts <= ${end}::timestamptz order by ts`,
    );
    if (rows.length === 0) continue;
    yield {
      metric: selector.metric,
      labels: typeof labels === "string" ? (JSON.parse(labels) as Record<string, string>) : labels,
      timestampsMs: rows.map((r) => r.ms),
      values: rows.map((r) => r.value),
    };
  }
}
