import { sql } from "drizzle-orm";
import { type Db, resultRows } from "@/db";
import { MINUTE_RETAINED, ROLLUP_RESOLUTIONS } from "@/server/query/step";
import type { JobDefinition } from "./runner";

const DAY_MS = 24 * 3600 * 1000;
const UNIT_MS: Record<string, number> = { h: 3600 * 1000, d: DAY_MS, w: 7 * DAY_MS, y: 365 * DAY_MS };

export interface RetentionSettings {
  rawMs: number;
  minuteMs: number;
  hourMs: number;
}

export const DEFAULT_RETENTION: RetentionSettings = { rawMs: 15 * DAY_MS, minuteMs: 90 * DAY_MS, hourMs: 2 * 365 * DAY_MS };

/** `15d`, `36h`, `12w`, `2y` → milliseconds; null when the text is none of these. */
export function parseRetention(text: string): number | null {
  const match = /^\s*(\d{1,5})\s*([hdwy])\s*$/.exec(text);
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  return ms > 0 ? ms : null;
}

/**
 * FLIGHTDECK_RETENTION_RAW (15d), _1M (90d) and _1H (2y). Throws a sentence naming the variable when one is not a
 * duration, raw is under a day (a day is a partition), or a coarser level is kept shorter than a finer one.
 */
export function retentionFromEnv(env: Record<string, string | undefined> = process.env): RetentionSettings {
  const read = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text === "") return fallback;
    const ms = parseRetention(text);
    if (ms === null) throw new Error(`${name}=${text} is not a duration such as 36h, 15d, 12w or 2y.`);
    return ms;
  };
  const settings = {
    rawMs: read("FLIGHTDECK_RETENTION_RAW", DEFAULT_RETENTION.rawMs),
    minuteMs: read("FLIGHTDECK_RETENTION_1M", DEFAULT_RETENTION.minuteMs),
    hourMs: read("FLIGHTDECK_RETENTION_1H", DEFAULT_RETENTION.hourMs),
  };
  if (settings.rawMs < DAY_MS) throw new Error("FLIGHTDECK_RETENTION_RAW must be at least 1d: raw samples are kept in whole days.");
  if (settings.minuteMs < settings.rawMs) throw new Error("FLIGHTDECK_RETENTION_1M must be at least FLIGHTDECK_RETENTION_RAW.");
  if (settings.hourMs < settings.minuteMs) throw new Error("FLIGHTDECK_RETENTION_1H must be at least FLIGHTDECK_RETENTION_1M.");
  return settings;
}

export interface RetentionResult {
  partitionsDropped: string[];
  partitionsCreated: number;
  minuteRowsDeleted: number;
  hourRowsDeleted: number;
  staleMarkersDeleted: number;
}

/**
 * Drops raw partitions whose whole day is past raw retention, deletes rollup rows past theirs, and creates the
 * partitions of today and the next two days ahead of the sink.
 */
export async function applyRetention(db: Db, nowMs: number, settings: RetentionSettings): Promise<RetentionResult> {
  const result: RetentionResult = { partitionsDropped: [], partitionsCreated: 0, minuteRowsDeleted: 0, hourRowsDeleted: 0, staleMarkersDeleted: 0 };
  const rawCutoffDay = Math.floor((nowMs - settings.rawMs) / DAY_MS); // days before this one are entirely expired
  const partitions = resultRows<{ name: string }>(
    await db.execute(sql`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
      where p.relname = 'samples' and c.relname ~ '^samples_[0-9]{8}$' order by 1`),
  );
  for (const { name } of partitions) {
    const day = Date.UTC(Number(name.slice(8, 12)), Number(name.slice(12, 14)) - 1, Number(name.slice(14, 16))) / DAY_MS;
    if (day < rawCutoffDay) {
      await db.execute(sql.raw(`drop table if exists "${name}"`));
      result.partitionsDropped.push(name);
    }
  }
  const rawCutoff = new Date(rawCutoffDay * DAY_MS).toISOString();
  result.staleMarkersDeleted = resultRows<{ n: number }>(
    await db.execute(sql`with d as (delete from stale_markers where ts < ${rawCutoff}::timestamptz returning 1) select count(*)::int as n from d`),
  )[0]!.n;
  const minuteCutoff = new Date(nowMs - settings.minuteMs).toISOString();
  const hourCutoff = new Date(nowMs - settings.hourMs).toISOString();
  // The 5-minute rollups go with the minute ones, the 3-hour ones with the hour ones.
  for (const r of ROLLUP_RESOLUTIONS) {
    const minute = MINUTE_RETAINED.has(r);
    const cutoff = minute ? minuteCutoff : hourCutoff;
    const deleted = resultRows<{ n: number }>(
      await db.execute(sql`with d as (delete from ${sql.raw(`samples_${r}`)} where bucket < ${cutoff}::timestamptz returning 1) select count(*)::int as n from d`),
    )[0]!.n;
    if (minute) result.minuteRowsDeleted += deleted;
    else result.hourRowsDeleted += deleted;
  }
  // Reads of the rollups are index-only scans once their pages are marked all-visible: autovacuum does that on a
  // server, but the embedded database has none, so the job does it (cheap: only pages changed since the last run).
  await vacuumRollups(db);
  // Settings → Sources looks back a week at most.
  await db.execute(sql`delete from ingest_source_minutes where minute < ${new Date(nowMs - 7 * DAY_MS).toISOString()}::timestamptz`);
  // Dirty minutes of dropped days would only make the rollup job recompute empty minutes.
  await db.execute(sql`delete from rollup_dirty_minutes where minute < ${rawCutoff}::timestamptz`);
  const today = Math.floor(nowMs / DAY_MS);
  for (let day = today; day <= today + 2; day++) {
    await db.execute(sql`select ensure_samples_partition(${new Date(day * DAY_MS).toISOString().slice(0, 10)}::date)`);
    result.partitionsCreated++;
  }
  return result;
}

/** Vacuums and analyzes the rollup tables, passing over one another process is vacuuming. */
export async function vacuumRollups(db: Db): Promise<void> {
  await db.execute(sql.raw(`vacuum (analyze, skip_locked) ${ROLLUP_RESOLUTIONS.map((r) => `samples_${r}`).join(", ")}`));
}

export function retentionJob(settings: RetentionSettings): JobDefinition {
  return {
    name: "retention",
    everyMs: 3600_000,
    async run(ctx) {
      const result = await applyRetention(ctx.db, ctx.now().getTime(), settings);
      return { ...result, partitionsDropped: result.partitionsDropped.length };
    },
  };
}
