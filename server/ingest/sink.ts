/**
 * The one writer of metrics. Every decoder hands its DecodedBatch here; the sink validates it whole, assigns series
 * ids, and writes samples, staleness markers and metadata in one transaction, so a request is either stored entirely
 * or not at all, and is acknowledged only once committed. Re-sent samples are no-ops (primary key (series, ts)).
 */
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { type Db, isUniqueViolation, postgresClientOf } from "@/db";
import { copyInTransaction, type SampleColumns } from "./copy-samples";
import { MAX_FUTURE_SKEW_MS } from "./limits";
import { checkLabelCount, checkLabelNameBytes, checkLabelValueBytes, utf8ByteLength } from "./series-labels";
import { normalizeLabels, seriesHash, seriesKey } from "./series-identity";
import { GenerationalCache } from "./generational-cache";
import { type DecodedBatch, IngestError, type Labels, type MetricMetadata, sampleCount } from "./types";

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
  /** The ids of the series written (samples or stale markers), each once, ascending. */
  seriesIds: ArrayLike<number> & Iterable<number>;
  /** Samples not stored, by reason; none of these fails the request. */
  skipped: { tooOld: number; tooNew: number; dcgmBlank: number; badTimestamp: number };
}

/** One batch's rows, waiting for the group transaction: samples sorted by (series, time), the primary key's order. */
interface Pending extends SampleColumns {
  staleIds: number[];
  staleTs: number[];
  metadata: MetricMetadata[];
}

/** At most this many samples share one transaction; a larger batch has one of its own. */
const MAX_ROWS_PER_GROUP = 50_000;
/**
 * A second group transaction starts only once this many samples wait; fewer wait for the running one to end. Postgres
 * spends less a row on a larger transaction (its rows fall on fewer index pages, and the transaction's own cost is
 * shared): in bench:ingest a second writer started for every request, so nearly every transaction held one request's
 * 2,000 rows, and Postgres spent ~6% more CPU a sample than with two requests a transaction.
 */
const MIN_ROWS_PER_GROUP = 4_000;

/** A series the id cache did not know, waiting for its row in `series`. */
interface NewSeries {
  metric: string;
  labels: Labels;
  key: string;
  /** The series' first position in the batch, for naming it in an error. */
  index: number;
}

/**
 * DCGM's "blank" sentinels mean no value (FORMATS §1.4): int64 fields at or above 0x7ffffffffffffff0 (which round to
 * 2^63 as doubles) and float64 fields 2^47 … 2^47+3. Only DCGM metrics are checked: 2^47 is a real byte count elsewhere.
 */
const DCGM_INT64_BLANK = 2 ** 63 - 16;
const DCGM_FP64_BLANK = 2 ** 47;
function isDcgmBlank(value: number): boolean {
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

/**
 * A batch's samples in columns, each tagged with its series' position in the batch; samples the sink does not
 * store are counted in `skipped` instead. Stale markers likewise.
 */
function collectRows(batch: DecodedBatch, opts: WriteOptions, skipped: WriteResult["skipped"]) {
  const oldest = opts.nowMs - (opts.rawRetentionMs ?? DEFAULT_RAW_RETENTION_MS);
  const newest = opts.nowMs + MAX_FUTURE_SKEW_MS;
  const capacity = sampleCount(batch);
  const at = new Int32Array(capacity);
  const ts = new Float64Array(capacity);
  const values = new Float64Array(capacity);
  const staleAt: number[] = [];
  const staleTs: number[] = [];
  const live = new Uint8Array(batch.series.length);
  const dcgm = new Uint8Array(batch.series.length);
  let n = 0;
  const take = (index: number, tsMs: number, value: number) => {
    if (!Number.isSafeInteger(tsMs)) skipped.badTimestamp++;
    else if (tsMs < oldest) skipped.tooOld++;
    else if (tsMs > newest) skipped.tooNew++;
    else if (dcgm[index] && isDcgmBlank(value)) skipped.dcgmBlank++;
    else {
      at[n] = index;
      ts[n] = tsMs;
      values[n++] = value;
      live[index] = 1;
    }
  };
  for (let index = 0; index < batch.series.length; index++) {
    const decoded = batch.series[index]!;
    if (decoded.metric.startsWith("DCGM_")) dcgm[index] = 1;
    // Indexed loops: a for…of made an iterator for each of a request's 2,000 series, and `?? []` an array.
    const own = decoded.samples;
    for (let i = 0; i < own.length; i++) take(index, own[i]!.tsMs, own[i]!.value);
    const stale = decoded.staleMs;
    if (stale === undefined) continue;
    for (let i = 0; i < stale.length; i++) {
      const tsMs = stale[i]!;
      if (Number.isSafeInteger(tsMs) && tsMs >= oldest && tsMs <= newest) {
        staleAt.push(index);
        staleTs.push(tsMs);
        live[index] = 1;
      }
    }
  }
  const rows = batch.rows;
  if (rows) for (let i = 0; i < rows.tsMs.length; i++) take(rows.seriesAt[i]!, rows.tsMs[i]!, rows.values[i]!);
  return { at: at.subarray(0, n), ts: ts.subarray(0, n), values: values.subarray(0, n), staleAt, staleTs, live };
}

/** Rows in (series, time) order: as they are when each series' samples come in time order and ids ascend. */
function sortRows(rows: SampleColumns): SampleColumns {
  const { ids, ts, values } = rows;
  let sorted = true;
  for (let i = 1; i < ids.length && sorted; i++) sorted = ids[i - 1]! < ids[i]! || (ids[i - 1] === ids[i] && ts[i - 1]! <= ts[i]!);
  if (sorted) return rows;
  const order = new Uint32Array(ids.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => ids[a]! - ids[b]! || ts[a]! - ts[b]!);
  const out = { ids: new Int32Array(ids.length), ts: new Float64Array(ids.length), values: new Float64Array(ids.length) };
  for (let i = 0; i < order.length; i++) {
    out.ids[i] = ids[order[i]!]!;
    out.ts[i] = ts[order[i]!]!;
    out.values[i] = values[order[i]!]!;
  }
  return out;
}

/** Sorted parts merged into one sorted set of columns. */
function mergeRows(parts: SampleColumns[]): SampleColumns {
  if (parts.length === 1) return parts[0]!;
  const n = parts.reduce((a, p) => a + p.ids.length, 0);
  if (parts.length > 8) {
    // Many small parts: one sort beats comparing the head of every part for each row.
    const all = { ids: new Int32Array(n), ts: new Float64Array(n), values: new Float64Array(n) };
    let at = 0;
    for (const part of parts) {
      all.ids.set(part.ids, at);
      all.ts.set(part.ts, at);
      all.values.set(part.values, at);
      at += part.ids.length;
    }
    return sortRows(all);
  }
  const out = { ids: new Int32Array(n), ts: new Float64Array(n), values: new Float64Array(n) };
  const next = new Array<number>(parts.length).fill(0);
  for (let k = 0; k < n; k++) {
    let best = -1;
    for (let p = 0; p < parts.length; p++) {
      const i = next[p]!;
      const part = parts[p]!;
      if (i >= part.ids.length) continue;
      if (best < 0) {
        best = p;
        continue;
      }
      const b = parts[best]!;
      const j = next[best]!;
      if (part.ids[i]! < b.ids[j]! || (part.ids[i] === b.ids[j] && part.ts[i]! < b.ts[j]!)) best = p;
    }
    const part = parts[best]!;
    const i = next[best]!++;
    out.ids[k] = part.ids[i]!;
    out.ts[k] = part.ts[i]!;
    out.values[k] = part.values[i]!;
  }
  return out;
}

/** Last one wins when a batch declares a metric twice, as it would across two batches. */
function latestMetadata(metadata: MetricMetadata[]): MetricMetadata[] {
  const byMetric = new Map<string, MetricMetadata>();
  for (const m of metadata) byMetric.set(m.metric, m);
  return [...byMetric.values()];
}

const UTC_DAY_MS = 24 * 3600 * 1000;

/** Turns drizzle statements into text and parameters for the COPY transaction, which runs on postgres.js directly. */
const dialect = new PgDialect();

export class MetricsSink {
  /** Series key → id. */
  private readonly ids: GenerationalCache<string, number>;
  /** UTC days (epoch day numbers) whose partition is known to exist. */
  private readonly partitions = new Set<number>();

  /**
   * Group transactions at once: two on Postgres, so one group's COPY runs while the other's answers wait for the
   * event loop; one on PGlite, which runs one transaction at a time anyway.
   */
  private readonly maxWriters: number;

  constructor(
    private readonly db: Db,
    options: { seriesCacheSize?: number } = {},
  ) {
    this.ids = new GenerationalCache<string, number>(options.seriesCacheSize ?? 500_000);
    this.maxWriters = postgresClientOf(db) ? 2 : 1;
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
    const rows = collectRows(batch, opts, result.skipped);
    const metadata = latestMetadata(batch.metadata);

    // Each live series' key, and its id when the cache knows it; a series named twice in the batch is one series.
    const keys = new Array<string>(batch.series.length);
    const idAt = new Int32Array(batch.series.length);
    const misses = new Map<string, NewSeries>();
    for (let index = 0; index < batch.series.length; index++) {
      if (!rows.live[index]) continue;
      const decoded = batch.series[index]!;
      let key = decoded.key;
      let labels = decoded.labels;
      if (key === undefined) {
        labels = normalizeLabels(labels);
        key = seriesKey(decoded.metric, labels);
      }
      keys[index] = key;
      const slot = decoded.idSlot;
      const id = slot !== undefined && slot.owner === this ? slot.id : this.ids.get(key);
      if (id !== undefined) idAt[index] = id;
      else if (!misses.has(key)) misses.set(key, { metric: decoded.metric, labels, key, index });
    }
    // Series the cache knows were checked when first seen; the others are checked before anything is written.
    for (const series of misses.values()) checkSeries(series.index, series.metric, series.labels);
    if (rows.at.length === 0 && rows.staleAt.length === 0 && metadata.length === 0) return result;

    // Partitions and series rows are created outside the samples' transaction: both are idempotent, and creating
    // them first keeps that transaction short.
    await this.ensurePartitions(rows.ts);
    if (misses.size > 0) {
      const created = await this.resolveSeriesIds([...misses.values()], opts);
      for (let index = 0; index < batch.series.length; index++) {
        if (rows.live[index] && misses.has(keys[index]!)) idAt[index] = created.get(keys[index]!)!;
      }
    }
    // The distinct ids, sorted in place: a Set grown anew for every request was a good part of what ingest allocated.
    const touched = new Int32Array(batch.series.length);
    let live = 0;
    for (let index = 0; index < batch.series.length; index++) {
      if (!rows.live[index]) continue;
      touched[live++] = idAt[index]!;
      const slot = batch.series[index]!.idSlot;
      if (slot !== undefined && slot.owner !== this) {
        slot.owner = this;
        slot.id = idAt[index]!;
      }
    }
    const sortedIds = touched.subarray(0, live).sort();
    let distinct = 0;
    for (let i = 0; i < live; i++) if (i === 0 || sortedIds[i] !== sortedIds[i - 1]) sortedIds[distinct++] = sortedIds[i]!;
    result.seriesIds = sortedIds.subarray(0, distinct);
    result.seriesTouched = distinct;

    const ids = new Int32Array(rows.at.length);
    for (let i = 0; i < ids.length; i++) ids[i] = idAt[rows.at[i]!]!;
    const part: Pending = {
      ...sortRows({ ids, ts: rows.ts, values: rows.values }),
      staleIds: rows.staleAt.map((index) => idAt[index]!),
      staleTs: rows.staleTs,
      metadata,
    };
    await this.commit(part);
    result.samplesWritten = part.ts.length;
    result.staleMarkersWritten = part.staleTs.length;
    return result;
  }

  private readonly queue: Array<{ part: Pending; resolve: () => void; reject: (error: unknown) => void }> = [];
  /** Group transactions running now. */
  private writers = 0;
  /** Samples in the queue. */
  private queuedRows = 0;

  /**
   * Queues a batch's rows for the next group transaction; resolves when it has committed. A writer starts when none
   * runs, or when enough rows wait for a group of their own; otherwise the running writer takes them when it is done.
   */
  private commit(part: Pending): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ part, resolve, reject });
      this.queuedRows += part.ts.length;
      if (this.writers === 0 || (this.writers < this.maxWriters && this.queuedRows >= MIN_ROWS_PER_GROUP)) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writers++;
    try {
      // The last writer running takes whatever waits; another one only a group of MIN_ROWS_PER_GROUP.
      while (this.queue.length > 0 && (this.writers === 1 || this.queuedRows >= MIN_ROWS_PER_GROUP)) {
        // Everything waiting, up to a bound that keeps one transaction's latency and arrays in check.
        let rows = 0;
        let take = 0;
        while (take < this.queue.length && (take === 0 || rows + this.queue[take]!.part.ts.length <= MAX_ROWS_PER_GROUP)) rows += this.queue[take++]!.part.ts.length;
        const group = this.queue.splice(0, take);
        this.queuedRows -= rows;
        try {
          await this.writeGroup(group.map((g) => g.part));
          for (const g of group) g.resolve();
        } catch (error) {
          for (const g of group) g.reject(error);
        }
      }
    } finally {
      this.writers--;
    }
  }

  /** One transaction for several batches' samples, in (series, time) order: the primary key's. */
  private async writeGroup(parts: Pending[]): Promise<void> {
    const rows = mergeRows(parts);
    const staleIds = parts.flatMap((p) => p.staleIds);
    const staleTs = parts.flatMap((p) => p.staleTs);
    const metadata = latestMetadata(parts.flatMap((p) => p.metadata));
    const n = rows.ids.length;

    const statements: SQL[] = [];
    if (n > 0) {
      // The minutes these batches touched, for the rollup job to (re)compute; see rollupDirtyMinutes in the schema.
      const minutes = new Set<number>();
      let last = Number.NaN;
      for (let i = 0; i < n; i++) {
        const minute = Math.floor(rows.ts[i]! / 60_000) * 60;
        if (minute !== last) minutes.add((last = minute));
      }
      statements.push(sql`
        insert into rollup_dirty_minutes (minute)
        select to_timestamp(m) from unnest(${sql.param([...minutes].sort((a, b) => a - b))}::float8[]) as u(m)
        on conflict (minute) do update set writes = rollup_dirty_minutes.writes + 1, last_write_at = now()`);
    }
    if (staleTs.length > 0) {
      statements.push(sql`
        insert into stale_markers (series_id, ts)
        select s, to_timestamp(t / 1000) from unnest(${sql.param(staleIds)}::int4[], ${sql.param(staleTs)}::float8[]) as u(s, t)
        on conflict do nothing`);
    }
    if (metadata.length > 0) {
      statements.push(sql`
        insert into metric_metadata (metric, type, help, unit, updated_at)
        select m, t, nullif(h, ''), nullif(u, ''), now()
        from unnest(${sql.param(metadata.map((m) => m.metric))}::text[], ${sql.param(metadata.map((m) => m.type))}::text[],
                    ${sql.param(metadata.map((m) => m.help ?? ""))}::text[], ${sql.param(metadata.map((m) => m.unit ?? ""))}::text[])
             as x(m, t, h, u)
        on conflict (metric) do update set type = excluded.type, help = excluded.help, unit = excluded.unit, updated_at = now()`);
    }

    // On Postgres, one binary COPY in a transaction sent at once; when it is rolled back (a sample already stored),
    // the rows go in again below, skipping what exists.
    const server = postgresClientOf(this.db);
    const copyTried = server !== undefined && n > 0;
    if (copyTried && (await copyInTransaction(server, rows, statements.map((s) => dialect.sqlToQuery(s))))) return;
    // Here after a rolled-back COPY the rows are known to meet stored ones: straight to ON CONFLICT.
    const resent = copyTried;
    await this.db.transaction(async (tx) => {
      for (let start = 0; start < n; start += ROWS_PER_STATEMENT) {
        const end = Math.min(n, start + ROWS_PER_STATEMENT);
        // A savepoint first, without a conflict check: ON CONFLICT costs nearly twice as much per row, and a sample
        // already stored only comes with a re-sent batch. When one does, the chunk is written again skipping what
        // exists.
        if (!resent) {
          try {
            await tx.transaction((savepoint) => savepoint.execute(insertSamples(rows, start, end)));
            continue;
          } catch (error) {
            if (!isUniqueViolation(error)) throw error;
          }
        }
        await tx.execute(sql`${insertSamples(rows, start, end)} on conflict do nothing`);
      }
      for (const statement of statements) await tx.execute(statement);
    });
  }

  /** The UTC days of these timestamps, each with its partition. */
  private async ensurePartitions(ts: Float64Array): Promise<void> {
    let last = Number.NaN;
    for (let i = 0; i < ts.length; i++) {
      const day = Math.floor(ts[i]! / UTC_DAY_MS);
      if (day === last || this.partitions.has(day)) continue;
      last = day;
      const date = new Date(day * UTC_DAY_MS).toISOString().slice(0, 10);
      await this.db.execute(sql`select ensure_samples_partition(${date}::date)`);
      this.partitions.add(day);
    }
  }

  /** Ids of series the cache did not know: looked up, else created, by one upsert per chunk (keyed by the key's hash). */
  private async resolveSeriesIds(misses: NewSeries[], opts: WriteOptions): Promise<Map<string, number>> {
    const nowMs = opts.nowMs;
    const idOf = new Map<string, number>();
    let pending = misses;
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
      pending = pending.filter((series) => !idOf.has(series.key));
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

/** INSERT of rows[start, end) from three arrays (the embedded database's way in, and the fallback for a re-sent batch). */
function insertSamples(rows: SampleColumns, start: number, end: number) {
  return sql`
    insert into samples (series_id, ts, value)
    select s, to_timestamp(t / 1000), v
    from unnest(${sql.param(Array.from(rows.ids.subarray(start, end)))}::int4[], ${sql.param(Array.from(rows.ts.subarray(start, end)))}::float8[],
                ${sql.param(Array.from(rows.values.subarray(start, end)))}::float8[]) as u(s, t, v)`;
}

const sinks = new WeakMap<object, MetricsSink>();

/** The process's one sink per database: the ingest endpoints and the scraper share its series-id cache. */
export function sinkFor(db: Db): MetricsSink {
  let sink = sinks.get(db);
  if (!sink) sinks.set(db, (sink = new MetricsSink(db)));
  return sink;
}
