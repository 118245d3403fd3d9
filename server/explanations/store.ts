/**
 * Storing explanations: items arrive one at a time from the stream, are validated record by record, and are written
 * in batches. A bad record is reported by index and the rest are stored; a resend of the same content is a no-op; the
 * same (model, prediction id) with other content is refused as a conflict, never overwritten.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { type Db, queryRows } from "@/db";
import { explanationImportance, explanations } from "@/db/schema";
import { completenessError, contentHash, type ExplanationRecord, expandItem, parseRecord, RecordError } from "./record";

const BATCH = 2_000;
/** The first this many problems are listed in the answer; the rest are counted. */
const MAX_LISTED = 100;

export interface Problem {
  /** The item's position in the request (0-based), and the row within a shap or Alibi batch. */
  index: number;
  row?: number;
  error: string;
}

export interface IngestSummary {
  accepted: number;
  duplicates: number;
  rejected: number;
  conflicts: number;
  problems: Problem[];
  /** Items and records read, to tell a single-record request from a batch. */
  items: number;
  records: number;
}

interface Pending {
  record: ExplanationRecord;
  hash: string;
  index: number;
  row?: number;
}

export async function ingestExplanations(db: Db, items: AsyncIterable<string>, opts: { tokenId?: number | null; nowMs?: number } = {}): Promise<IngestSummary> {
  const nowMs = opts.nowMs ?? Date.now();
  const summary: IngestSummary = { accepted: 0, duplicates: 0, rejected: 0, conflicts: 0, problems: [], items: 0, records: 0 };
  const problem = (p: Problem) => {
    if (summary.problems.length < MAX_LISTED) summary.problems.push(p);
  };
  let pending: Pending[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await writeBatch(db, batch, summary, problem, opts.tokenId ?? null);
  };
  let index = 0;
  for await (const text of items) {
    const itemIndex = index++;
    summary.items++;
    let expanded: unknown[];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
      expanded = expandItem(parsed);
    } catch (error) {
      summary.rejected++;
      summary.records++;
      problem({ index: itemIndex, error: error instanceof SyntaxError ? `not JSON: ${error.message}` : (error as Error).message });
      continue;
    }
    // A shap or Alibi item holds many rows; problems in it are reported by row too.
    const batchItem = typeof parsed === "object" && parsed !== null && "format" in parsed;
    for (let row = 0; row < expanded.length; row++) {
      summary.records++;
      try {
        const record = parseRecord(expanded[row], nowMs);
        pending.push({ record, hash: contentHash(record), index: itemIndex, ...(batchItem ? { row } : {}) });
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
        summary.rejected++;
        problem({ index: itemIndex, ...(batchItem ? { row } : {}), error: error.message });
      }
      if (pending.length >= BATCH) await flush();
    }
  }
  await flush();
  return summary;
}

async function writeBatch(db: Db, batch: Pending[], summary: IngestSummary, problem: (p: Problem) => void, tokenId: number | null) {
  // The records and their share of the importance rollup commit together, or neither does.
  const inserted = await db.transaction(async (tx) => {
    const rows = await insertRecords(tx as unknown as Db, batch, tokenId);
    const stored = new Set(rows.map((r) => `${r.model}\u0000${r.predictionId}\u0000${r.contentHash}`));
    await addImportance(
      tx as unknown as Db,
      // Each stored row once, however often the request repeated it.
      batch.filter((p) => stored.delete(`${p.record.model}\u0000${p.record.predictionId}\u0000${p.hash}`)).map((p) => p.record),
    );
    return rows;
  });
  summary.accepted += inserted.length;
  await resolveRest(db, batch, inserted, summary, problem);
}

/**
 * One statement a batch, its rows as one JSON parameter that Postgres unpacks itself (jsonb_to_recordset): a bound
 * parameter per column per row costs more than the rows' own writing.
 */
async function insertRecords(db: Db, batch: Pending[], tokenId: number | null) {
  const rows = batch.map(({ record: r, hash }) => ({
    model: r.model,
    model_version: r.modelVersion,
    prediction_id: r.predictionId,
    ts: new Date(r.tsMs).toISOString(),
    method: r.method,
    output: r.output,
    reference: r.reference,
    reference_kind: r.referenceKind,
    output_space: r.outputSpace,
    target: r.target,
    features: r.features,
    feature_count: r.features.length,
    quality: completenessError(r),
    producer_error: r.producerError,
    content_hash: hash,
  }));
  const inserted = await queryRows<{ model: string; prediction_id: string; content_hash: string }>(
    db,
    sql`insert into explanations (model, model_version, prediction_id, ts, method, output, reference, reference_kind, output_space, target,
          features, feature_count, quality, producer_error, content_hash, created_by_token)
        select model, model_version, prediction_id, ts, method, output, reference, reference_kind, output_space, target,
          features, feature_count, quality, producer_error, content_hash, ${tokenId}::int
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(model text, model_version text, prediction_id text, ts timestamptz,
          method text, output float8, reference float8, reference_kind text, output_space text, target text, features jsonb,
          feature_count int, quality float8, producer_error text, content_hash text)
        on conflict (model, prediction_id) do nothing
        returning model, prediction_id, content_hash`,
  );
  return inserted.map((r) => ({ model: r.model, predictionId: r.prediction_id, contentHash: r.content_hash }));
}

const DAY_MS = 86_400_000;

/** Adds the records' |attribution| per (model, version, UTC day, feature) to the importance rollup. */
async function addImportance(db: Db, records: ExplanationRecord[]) {
  const sums = new Map<string, { model: string; modelVersion: string; day: Date; feature: string; sumAbs: number; count: number }>();
  for (const r of records) {
    const day = Math.floor(r.tsMs / DAY_MS) * DAY_MS;
    for (const f of r.features) {
      const k = JSON.stringify([r.model, r.modelVersion, day, f.name]);
      const row = sums.get(k) ?? { model: r.model, modelVersion: r.modelVersion, day: new Date(day), feature: f.name, sumAbs: 0, count: 0 };
      row.sumAbs += Math.abs(f.attribution);
      row.count++;
      sums.set(k, row);
    }
  }
  const rows = [...sums.values()];
  // In slices, so a batch of wide records stays under Postgres' limit of bound parameters.
  for (let i = 0; i < rows.length; i += 5_000) {
    await db
      .insert(explanationImportance)
      .values(rows.slice(i, i + 5_000))
      .onConflictDoUpdate({
        target: [explanationImportance.model, explanationImportance.modelVersion, explanationImportance.day, explanationImportance.feature],
        set: { sumAbs: sql`${explanationImportance.sumAbs} + excluded.sum_abs`, count: sql`${explanationImportance.count} + excluded.count` },
      });
  }
}

const key = (model: string, id: string) => `${model}\u0000${id}`;

/** Records not inserted were stored before (or earlier in this request): the same content is a no-op, other content a conflict. */
async function resolveRest(
  db: Db,
  batch: Pending[],
  inserted: Array<{ model: string; predictionId: string; contentHash: string }>,
  summary: IngestSummary,
  problem: (p: Problem) => void,
) {
  const stored = new Set(inserted.map((r) => `${key(r.model, r.predictionId)}\u0000${r.contentHash}`));
  const rest = batch.filter((p) => !stored.delete(`${key(p.record.model, p.record.predictionId)}\u0000${p.hash}`));
  if (rest.length === 0) return;
  const existing = new Map<string, string>();
  for (const model of new Set(rest.map((p) => p.record.model))) {
    const ids = rest.filter((p) => p.record.model === model).map((p) => p.record.predictionId);
    const rows = await db
      .select({ predictionId: explanations.predictionId, contentHash: explanations.contentHash })
      .from(explanations)
      .where(and(eq(explanations.model, model), inArray(explanations.predictionId, ids)));
    for (const r of rows) existing.set(key(model, r.predictionId), r.contentHash);
  }
  for (const p of rest) {
    if (existing.get(key(p.record.model, p.record.predictionId)) === p.hash) {
      summary.duplicates++;
    } else {
      summary.conflicts++;
      problem({
        index: p.index,
        ...(p.row !== undefined ? { row: p.row } : {}),
        error: `model ${p.record.model} already has prediction ${p.record.predictionId} with other content; explanations are immutable.`,
      });
    }
  }
}

/** How many explanations are stored, and how many of them have poor quality (error over 20%). */
export async function explanationCounts(db: Db): Promise<{ total: number; poor: number }> {
  const [row] = await db.select({ total: sql<number>`count(*)::int`, poor: sql<number>`count(*) filter (where ${explanations.quality} > 0.2)::int` }).from(explanations);
  return { total: Number(row?.total ?? 0), poor: Number(row?.poor ?? 0) };
}
