import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresClientOf, queryRows } from "@/db";
import { createTestDatabase, type TestDatabase, testDriver } from "@/db/testing";
import { copyInTransaction, type SampleColumns } from "./copy-samples";

/** The binary COPY is the server's way in; the embedded database inserts (sink.db.test covers both). */
describe.skipIf(testDriver() !== "postgres")("binary COPY of samples on Postgres", () => {
  let database: TestDatabase;
  const dialect = new PgDialect();
  beforeAll(async () => {
    database = await createTestDatabase();
    for (const day of ["1969-12-31", "1970-01-01", "1999-12-31", "2000-01-01", "2026-11-22", "2099-12-31"]) {
      await database.db.execute(sql`select ensure_samples_partition(${day}::date)`);
    }
    await database.db.execute(sql`insert into series (id, metric, labels, labels_hash, first_seen, last_seen)
      overriding system value values (1, 'copy_probe', '{}'::jsonb, 'copy-probe', now(), now()), (2, 'copy_probe', '{"k":"v"}'::jsonb, 'copy-probe-2', now(), now())`);
  });
  afterAll(() => database?.close());

  const columns = (rows: Array<[number, number, number]>): SampleColumns => ({
    ids: Int32Array.from(rows.map((r) => r[0])),
    ts: Float64Array.from(rows.map((r) => r[1])),
    values: Float64Array.from(rows.map((r) => r[2])),
  });
  const stored = () =>
    queryRows<{ id: number; ms: string; value: number }>(
      database.db,
      sql`select series_id as id, (extract(epoch from ts) * 1000)::bigint::text as ms, value from samples order by series_id, ts`,
    );
  const marker = (minute: string) => dialect.sqlToQuery(sql`insert into rollup_dirty_minutes (minute) values (${minute}::timestamptz) on conflict do nothing`);

  it("stores timestamps on either side of 1970 and 2000 and every kind of double exactly, with the statements, in one transaction", async () => {
    const rows: Array<[number, number, number]> = [
      [1, Date.parse("1969-12-31T23:59:59.999Z"), -0],
      [1, Date.parse("1970-01-01T00:00:00.001Z"), Number.NaN],
      [1, Date.parse("1999-12-31T23:59:59.999Z"), Number.POSITIVE_INFINITY],
      [1, Date.parse("2000-01-01T00:00:00.000Z"), Number.NEGATIVE_INFINITY],
      [2, Date.parse("2026-11-22T12:00:00.123Z"), 5e-324],
      [2, Date.parse("2099-12-31T23:59:59.999Z"), 1.7976931348623157e308],
    ];
    const client = postgresClientOf(database.db)!;
    expect(await copyInTransaction(client, columns(rows), [marker("2026-11-22T12:00:00Z")])).toBe(true);
    const back = await stored();
    expect(back.map((r) => [r.id, Number(r.ms)])).toEqual(rows.map((r) => [r[0], r[1]]));
    expect(back.map((r) => r.value)).toEqual([-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324, 1.7976931348623157e308]);
    const minutes = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from rollup_dirty_minutes where minute = '2026-11-22T12:00:00Z'`);
    expect(minutes[0]!.n).toBe(1);
  });

  it("answers false and keeps nothing of the transaction when a row is already stored, and the connection goes on working", async () => {
    const before = await stored();
    const client = postgresClientOf(database.db)!;
    const again: Array<[number, number, number]> = [
      [2, Date.parse("2026-11-22T12:00:00.123Z"), 7],
      [2, Date.parse("2026-11-22T12:00:01.000Z"), 8],
    ];
    // More times than the pool has connections: a connection left in a failed COPY or an open transaction would show.
    for (let i = 0; i < 6; i++) {
      expect(await copyInTransaction(client, columns(again), [marker("2026-11-22T13:00:00Z")])).toBe(false);
    }
    expect(await stored()).toEqual(before);
    const minutes = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from rollup_dirty_minutes where minute = '2026-11-22T13:00:00Z'`);
    expect(minutes[0]!.n).toBe(0);
  });

  it("throws what went wrong when a statement fails for another reason", async () => {
    const client = postgresClientOf(database.db)!;
    const broken = dialect.sqlToQuery(sql`insert into rollup_dirty_minutes (minute) values (${"not a time"}::timestamptz)`);
    await expect(copyInTransaction(client, columns([[1, Date.parse("2026-11-22T14:00:00Z"), 1]]), [broken])).rejects.toMatchObject({ code: "22007" });
    expect((await stored()).some((r) => Number(r.ms) === Date.parse("2026-11-22T14:00:00Z"))).toBe(false);
  });
});
