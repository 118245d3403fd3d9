/**
 * The one writer of metrics. Every decoder hands its DecodedBatch here; the sink validates it whole, assigns series
 * ids, and writes samples, staleness markers and metadata in one transaction, so a request is either stored entirely
 * or not at all, and is acknowledged only once committed. Re-sent samples are no-ops (primary key (series, ts)).
 */
import { sql } from "drizzle-orm";
import { type Db, isUniqueViolation } from "@/db";
import { MAX_FUTURE_SKEW_MS } from "./limits";
import { checkLabelCount, checkLabelNameBytes, checkLabelValueBytes, utf8ByteLength } from "./series-labels";
import { normalizeLabels, seriesHash, seriesKey } from "./series-identity";
import { SeriesIdCache } from "./series-id-cache";
import { type DecodedBatch, IngestError, type Labels, type MetricMetadata } from "./types";

/** Raw samples are kept 15 days by default; older ones would land in a partition retention already dropped. */
export const DEFAULT_RAW_RETENTION_MS = 15 * 24 * 3600 * 1000;
/** Rows per INSERT: ~10k keeps each statement's arrays small (≈ 250 kB) while amortising the round trip. */
const ROWS_PER_STATEMENT = 10_000;

export interface WriteOptions {
  nowMs: number;
  rawRetentionMs?: number;
  /**
   * Asked before series that do not exist yet are created: null admits them, a sentence refuses the whole batch
   * with 429 (the sender's new-series budget).
   */
  admitNewSeries?: (count: number) => string | null;
}

export interface WriteResult {
  /** Samples handed to the database (a re-sent one counts here but is stored once). */
  samplesWritten: number;
  staleMarkersWritten: number;
  seriesTouched: number;
  /** The ids of the series written (samples or stale markers). */
  seriesIds: number[];
  /** Samples not stored, by reason; none of these fails the request. */
  skipped: { tooOld: number; tooNew: number; dcgmBlank: number; badTimestamp: number };
}

/** One batch's rows, waiting for the group transaction. */
interface Pending {
  seriesIds: number[];
  ts: number[];
  values: number[];
  staleIds: number[];
  staleTs: number[];
  metadata: MetricMetadata[];
}

/** At most this many samples share one transaction; a larger batch has one of its own. */
const MAX_ROWS_PER_GROUP = 50_000;

interface SeriesRows {
  metric: string;
  labels: Labels;
  /** Metric name and sorted labels (`seriesKey`): what the id cache is keyed by. */
  key: string;
  /** The series' first position in the batch, for naming it in an error. */
  index: number;
  ts: number[];
  values: number[];
  staleTs: number[];
}

/**
 * DCGM's "blank" sentinels mean no value (FORMATS §1.4): int64 fields at or above 0x7ffffffffffffff0 (which round to
 * 2^63 as doubles) and float64 fields 2^47 … 2^47+3. Only DCGM metrics are checked: 2^47 is a real byte count elsewhere.
 */
const DCGM_INT64_BLANK = 2 ** 63 - 16;
const DCGM_FP64_BLANK = 2 ** 47;
function isDcgmBlank(metric: string, value: number): boolean {
  if (!metric.startsWith("DCGM_")) return false;
  return value >= DCGM_INT64_BLANK || (value >= DCGM_FP64_BLANK && value <= DCGM_FP64_BLANK + 3);
}

function checkSeries(index: number, metric: string, labels: Labels): void {
  const where = `series ${index} (${metric})`;
  const names = Object.keys(labels);
  checkLabelCount(names.length, where);
  checkLabelNameBytes("__name__", utf8ByteLength(metric), where);
  for (const name of names) {
    checkLabelNameBytes(name, utf8ByteLength(name), where);
    checkLabelValueBytes(name, utf8ByteLength(labels[name]!), where);
  }
}

/** Merges series that are the same after normalisation; validation waits for the series the id cache does not know. */
function groupSeries(batch: DecodedBatch, opts: WriteOptions, skipped: WriteResult["skipped"]): SeriesRows[] {
  const oldest = opts.nowMs - (opts.rawRetentionMs ?? DEFAULT_RAW_RETENTION_MS);
  const newest = opts.nowMs + MAX_FUTURE_SKEW_MS;
  const byKey = new Map<string, SeriesRows>();
  batch.series.forEach((decoded, index) => {
    const labels = normalizeLabels(decoded.labels);
    const key = seriesKey(decoded.metric, labels);
    let rows = byKey.get(key);
    if (!rows) {
      rows = { metric: decoded.metric, labels, key, index, ts: [], values: [], staleTs: [] };
      byKey.set(key, rows);
    }
    for (const { tsMs, value } of decoded.samples) {
      if (!Number.isSafeInteger(tsMs)) skipped.badTimestamp++;
      else if (tsMs < oldest) skipped.tooOld++;
      else if (tsMs > newest) skipped.tooNew++;
      else if (isDcgmBlank(decoded.metric, value)) skipped.dcgmBlank++;
      else {
        rows.ts.push(tsMs);
        rows.values.push(value);
      }
    }
    for (const tsMs of decoded.staleMs ?? []) {
      if (Number.isSafeInteger(tsMs) && tsMs >= oldest && tsMs <= newest) rows.staleTs.push(tsMs);
    }
  });
  return [...byKey.values()];
}

/** Last one wins when a batch declares a metric twice, as it would across two batches. */
function latestMetadata(metadata: MetricMetadata[]): MetricMetadata[] {
  const byMetric = new Map<string, MetricMetadata>();
  for (const m of metadata) byMetric.set(m.metric, m);
  return [...byMetric.values()];
}

const UTC_DAY_MS = 24 * 3600 * 1000;

export class MetricsSink {
  private readonly ids: SeriesIdCache;
  /** UTC days (epoch day numbers) whose partition is known to exist. */
  private readonly partitions = new Set<number>();

  constructor(
    private readonly db: Db,
    options: { seriesCacheSize?: number } = {},
  ) {
    this.ids = new SeriesIdCache(options.seriesCacheSize ?? 500_000);
  }

  /**
   * Validates the whole batch (throws IngestError, nothing written), then writes it in one transaction, shared with
   * the batches that arrived while the previous transaction ran (group commit): a commit costs a WAL flush, so
   * concurrent senders share one instead of queueing for one each. Resolves once the transaction has committed.
   */
  async write(batch: DecodedBatch, opts: WriteOptions): Promise<WriteResult> {
    const result: WriteResult = {
      samplesWritten: 0,
      staleMarkersWritten: 0,
      seriesTouched: 0,
      seriesIds: [],
      skipped: { tooOld: 0, tooNew: 0, dcgmBlank: 0, badTimestamp: 0 },
    };
    const grouped = groupSeries(batch, opts, result.skipped);
    const metadata = latestMetadata(batch.metadata);
    const live = grouped.filter((rows) => rows.ts.length > 0 || rows.staleTs.length > 0);
    result.seriesTouched = live.length;
    if (live.length === 0 && metadata.length === 0) return result;

    // Series the cache knows were checked when first seen; the others are checked before anything is written.
    const misses = live.filter((rows) => this.ids.get(rows.key) === undefined);
    for (const rows of misses) checkSeries(rows.index, rows.metric, rows.labels);
    // Partitions and series rows are created outside the samples' transaction: both are idempotent, and creating
    // them first keeps that transaction short.
    await this.ensurePartitions(live);
    const idOf = await this.resolveSeriesIds(live, misses, opts);
    result.seriesIds = live.map((rows) => idOf.get(rows.key)!);

    const part: Pending = { seriesIds: [], ts: [], values: [], staleIds: [], staleTs: [], metadata };
    for (const rows of live) {
      const id = idOf.get(rows.key)!;
      for (let i = 0; i < rows.ts.length; i++) {
        part.seriesIds.push(id);
        part.ts.push(rows.ts[i]!);
        part.values.push(rows.values[i]!);
      }
      for (const t of rows.staleTs) {
        part.staleIds.push(id);
        part.staleTs.push(t);
      }
    }
    await this.commit(part);
    result.samplesWritten = part.ts.length;
    result.staleMarkersWritten = part.staleTs.length;
    return result;
  }

  private readonly queue: Array<{ part: Pending; resolve: () => void; reject: (error: unknown) => void }> = [];
  private draining = false;

  /** Queues a batch's rows for the next group transaction; resolves when it has committed. */
  private commit(part: Pending): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ part, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        // Everything waiting, up to a bound that keeps one transaction's latency and arrays in check.
        let rows = 0;
        let take = 0;
        while (take < this.queue.length && (take === 0 || rows + this.queue[take]!.part.ts.length <= MAX_ROWS_PER_GROUP)) rows += this.queue[take++]!.part.ts.length;
        const group = this.queue.splice(0, take);
        try {
          await this.writeGroup(group.map((g) => g.part));
          for (const g of group) g.resolve();
        } catch (error) {
          for (const g of group) g.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** One transaction for several batches' samples, sorted by (series, time): the primary key's order. */
  private async writeGroup(parts: Pending[]): Promise<void> {
    const n = parts.reduce((a, p) => a + p.ts.length, 0);
    const ids = new Int32Array(n);
    const tss = new Float64Array(n);
    const vals = new Float64Array(n);
    let k = 0;
    for (const p of parts) {
      for (let i = 0; i < p.ts.length; i++, k++) {
        ids[k] = p.seriesIds[i]!;
        tss[k] = p.ts[i]!;
        vals[k] = p.values[i]!;
      }
    }
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ids[a]! - ids[b]! || tss[a]! - tss[b]!);
    const seriesIds = order.map((i) => ids[i]!);
    const ts = order.map((i) => tss[i]!);
    const values = order.map((i) => vals[i]!);
    const staleIds = parts.flatMap((p) => p.staleIds);
    const staleTs = parts.flatMap((p) => p.staleTs);
    const metadata = latestMetadata(parts.flatMap((p) => p.metadata));

    await this.db.transaction(async (tx) => {
      for (let start = 0; start < ts.length; start += ROWS_PER_STATEMENT) {
        const end = start + ROWS_PER_STATEMENT;
        const insert = sql`
          insert into samples (series_id, ts, value)
          select s, to_timestamp(t / 1000), v
          from unnest(${sql.param(seriesIds.slice(start, end))}::int4[], ${sql.param(ts.slice(start, end))}::float8[],
                      ${sql.param(values.slice(start, end))}::float8[]) as u(s, t, v)`;
        // A plain insert in a savepoint first: ON CONFLICT costs nearly twice as much per row, and a sample already
        // stored only comes with a re-sent batch. When one does, the chunk is written again skipping what exists.
        try {
          await tx.transaction((savepoint) => savepoint.execute(insert));
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          await tx.execute(sql`${insert} on conflict do nothing`);
        }
      }
      if (ts.length > 0) {
        // The minutes these batches touched, for the rollup job to (re)compute; see rollupDirtyMinutes in the schema.
        const minutes = new Set<number>();
        for (const t of ts) minutes.add(Math.floor(t / 60_000) * 60);
        await tx.execute(sql`
          insert into rollup_dirty_minutes (minute)
          select to_timestamp(m) from unnest(${sql.param([...minutes].sort((a, b) => a - b))}::float8[]) as u(m)
          on conflict (minute) do update set writes = rollup_dirty_minutes.writes + 1`);
      }
      if (staleTs.length > 0) {
        await tx.execute(sql`
          insert into stale_markers (series_id, ts)
          select s, to_timestamp(t / 1000) from unnest(${sql.param(staleIds)}::int4[], ${sql.param(staleTs)}::float8[]) as u(s, t)
          on conflict do nothing`);
      }
      if (metadata.length > 0) {
        await tx.execute(sql`
          insert into metric_metadata (metric, type, help, unit, updated_at)
          select m, t, nullif(h, ''), nullif(u, ''), now()
          from unnest(${sql.param(metadata.map((m) => m.metric))}::text[], ${sql.param(metadata.map((m) => m.type))}::text[],
                      ${sql.param(metadata.map((m) => m.help ?? ""))}::text[], ${sql.param(metadata.map((m) => m.unit ?? ""))}::text[])
               as x(m, t, h, u)
          on conflict (metric) do update set type = excluded.type, help = excluded.help, unit = excluded.unit, updated_at = now()`);
      }
    });
  }

  private async ensurePartitions(live: SeriesRows[]): Promise<void> {
    const days = new Set<number>();
    for (const rows of live) {
      for (const t of rows.ts) days.add(Math.floor(t / UTC_DAY_MS));
    }
    for (const day of days) {
      if (this.partitions.has(day)) continue;
      const date = new Date(day * UTC_DAY_MS).toISOString().slice(0, 10);
      await this.db.execute(sql`select ensure_samples_partition(${date}::date)`);
      this.partitions.add(day);
    }
  }

  /** Series ids by key: from the cache, else one upsert for all the misses (keyed in the table by the key's hash). */
  private async resolveSeriesIds(live: SeriesRows[], misses: SeriesRows[], opts: WriteOptions): Promise<Map<string, number>> {
    const nowMs = opts.nowMs;
    const idOf = new Map<string, number>();
    for (const rows of live) {
      const id = this.ids.get(rows.key);
      if (id !== undefined) idOf.set(rows.key, id);
    }
    let pending = misses.filter((rows) => !idOf.has(rows.key));
    if (opts.admitNewSeries && pending.length > 0) {
      // Which of the series the cache does not know are new: only those count against the sender's budget.
      for (let start = 0; start < pending.length; start += ROWS_PER_STATEMENT) {
        const chunk = pending.slice(start, start + ROWS_PER_STATEMENT);
        const keyByHash = new Map(chunk.map((r) => [seriesHash(r.key), r.key]));
        const found = (await this.db.execute(
          sql`select id, labels_hash from series where labels_hash = any(${sql.param([...keyByHash.keys()])}::text[])`,
        )) as unknown as { id: number; labels_hash: string }[] | { rows: { id: number; labels_hash: string }[] };
        for (const row of Array.isArray(found) ? found : found.rows) {
          const key = keyByHash.get(row.labels_hash)!;
          idOf.set(key, row.id);
          this.ids.set(key, row.id);
        }
      }
      pending = pending.filter((rows) => !idOf.has(rows.key));
      const refusal = pending.length > 0 ? opts.admitNewSeries(pending.length) : null;
      if (refusal) throw new IngestError(refusal, 429);
    }
    for (let start = 0; start < pending.length; start += ROWS_PER_STATEMENT) {
      const chunk = pending.slice(start, start + ROWS_PER_STATEMENT);
      const keyByHash = new Map(chunk.map((r) => [seriesHash(r.key), r.key]));
      const seen = new Date(nowMs).toISOString();
      const result = (await this.db.execute(sql`
        insert into series (metric, labels, labels_hash, first_seen, last_seen)
        select m, l::jsonb, h, ${seen}::timestamptz, ${seen}::timestamptz
        from unnest(${sql.param(chunk.map((r) => r.metric))}::text[], ${sql.param(chunk.map((r) => JSON.stringify(r.labels)))}::text[],
                    ${sql.param([...keyByHash.keys()])}::text[]) as u(m, l, h)
        on conflict (labels_hash) do update set last_seen = greatest(series.last_seen, excluded.last_seen)
        returning id, labels_hash`)) as unknown as { id: number; labels_hash: string }[] | { rows: { id: number; labels_hash: string }[] };
      for (const row of Array.isArray(result) ? result : result.rows) {
        const key = keyByHash.get(row.labels_hash)!;
        idOf.set(key, row.id);
        this.ids.set(key, row.id);
      }
    }
    return idOf;
  }
}

const sinks = new WeakMap<object, MetricsSink>();

/** The process's one sink per database: the ingest endpoints and the scraper share its series-id cache. */
export function sinkFor(db: Db): MetricsSink {
  let sink = sinks.get(db);
  if (!sink) sinks.set(db, (sink = new MetricsSink(db)));
  return sink;
}
