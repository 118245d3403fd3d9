import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, testDriver } from "./testing";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

describe("daily partitions of samples", () => {
  it.skipIf(testDriver() !== "postgres")("two writers asking for the same new day's partition both succeed", async () => {
    const first = postgres(database.url!, { max: 1, onnotice: () => {} });
    const second = postgres(database.url!, { max: 1, onnotice: () => {} });
    try {
      const day = "2031-03-04";
      const [row0] = await second<{ before: string | null }[]>`select to_regclass('samples_20310304')::text as before`;
      expect(row0?.before).toBeNull();
      let secondDone: Promise<unknown> | undefined;
      await first.begin(async (tx) => {
        await tx`select ensure_samples_partition(${day}::date)`;
        // The second writer now waits on the advisory lock until the first commits its CREATE.
        secondDone = second`select ensure_samples_partition(${day}::date)`.execute();
        await new Promise((resolve) => setTimeout(resolve, 200));
      });
      await expect(secondDone).resolves.toBeDefined();
      const [row1] = await second<{ after: string | null }[]>`select to_regclass('samples_20310304')::text as after`;
      expect(row1?.after).toBe("samples_20310304");
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
  });
});
