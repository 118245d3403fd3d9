import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { explanationCounts, ingestExplanations } from "./store";
import { jsonItems } from "./stream";
import { compareVersions, versionImportance } from "./importance";
import { auditAccess, getExplanation } from "./view";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const NOW = Date.parse("2026-12-06T12:00:00Z");
const rec = (id: string, output = 12.5) => ({
  prediction_id: id,
  model: "eta",
  model_version: "v3",
  ts: "2026-12-06T10:00:00Z",
  method: "kernel_shap",
  output,
  reference: 10,
  features: [
    { name: "traffic_density", value: 0.83, attribution: 2.1 },
    { name: "distance_km", value: 4.2, attribution: 0.5 },
    { name: "weather", value: "rain", attribution: -0.1 },
  ],
});

async function* body(text: string) {
  // In small pieces, as a network would deliver it.
  for (let i = 0; i < text.length; i += 97) yield text.slice(i, i + 97);
}
const send = (records: unknown[], asLines = false) =>
  ingestExplanations(database.db, jsonItems(body(asLines ? records.map((r) => JSON.stringify(r)).join("\n") : JSON.stringify(records))), { nowMs: NOW });

describe("storing explanations", () => {
  it("stores the good records of a batch and reports the bad ones by index", async () => {
    const summary = await send([rec("p-1"), { ...rec("p-2"), output: "high" }, rec("p-3", 20), { ...rec("p-4"), features: [] }]);
    expect(summary).toMatchObject({ accepted: 2, duplicates: 0, rejected: 2, conflicts: 0 });
    expect(summary.problems).toEqual([
      { index: 1, error: "output must be a finite number." },
      { index: 3, error: "features must be a non-empty array of {name, value, attribution}." },
    ]);
    const view = await getExplanation(database.db, "eta", "p-3");
    // 10 + 2.5 = 12.5 against 20: 7.5 ÷ 10.
    expect(view?.record.quality).toBeCloseTo(0.75, 12);
    expect(view?.quality).toBe("poor");
    expect(view?.reasons[0]).toBe("Raised the output by 2.1: traffic_density = 0.83");
  });

  it("treats an identical resend as a no-op and refuses other content for a stored prediction", async () => {
    expect(await send([rec("p-1")], true)).toMatchObject({ accepted: 0, duplicates: 1, conflicts: 0 });
    const changed = await send([rec("p-1", 99)]);
    expect(changed).toMatchObject({ accepted: 0, duplicates: 0, conflicts: 1, records: 1 });
    expect(changed.problems[0]!.error).toBe("model eta already has prediction p-1 with other content; explanations are immutable.");
    expect((await getExplanation(database.db, "eta", "p-1"))?.record.output).toBe(12.5);
    // The same prediction id twice in one request: the first is stored, the second compared with it.
    expect(await send([rec("p-9"), rec("p-9"), rec("p-9", 1)])).toMatchObject({ accepted: 1, duplicates: 1, conflicts: 1 });
  });

  it("takes thousands of records in one streamed request, in batches", async () => {
    const many = Array.from({ length: 2_345 }, (_, i) => rec(`bulk-${i}`, i % 100 === 0 ? 50 : 12.5));
    const summary = await send(many, true);
    expect(summary).toMatchObject({ accepted: 2_345, rejected: 0, conflicts: 0 });
    // p-3, p-9 (output 12.5: good), and every 100th bulk record are poor.
    expect(await explanationCounts(database.db)).toEqual({ total: 2 + 1 + 2_345, poor: 1 + 24 });
  });

  it("keeps global importance per version on ingest, each stored record counted once", async () => {
    // Every record so far has |2.1|, |0.5|, |−0.1| for its three features (resends and conflicts added nothing).
    const importance = await versionImportance(database.db, "eta", "v3");
    expect(importance.map((f) => [f.feature, +f.meanAbs.toFixed(9), f.records])).toEqual([
      ["traffic_density", 2.1, 2_348],
      ["distance_km", 0.5, 2_348],
      ["weather", 0.1, 2_348],
    ]);
    expect(importance[0]!.share).toBeCloseTo(2.1 / 2.7, 12);
    // A version that leans on distance instead: the share moves from traffic to distance.
    await send([{ ...rec("v4-1"), model_version: "v4", features: [{ name: "traffic_density", value: 0.8, attribution: 0.5 }, { name: "distance_km", value: 4, attribution: 2.1 }, { name: "weather", value: "rain", attribution: -0.1 }] }]);
    const shifts = await compareVersions(database.db, "eta", "v3", "v4");
    // Distance gains what traffic loses (equal and opposite, so their order is a tie); weather barely moves.
    expect(new Set(shifts.slice(0, 2).map((s) => s.feature))).toEqual(new Set(["distance_km", "traffic_density"]));
    expect(shifts[2]!.feature).toBe("weather");
    expect(shifts.find((s) => s.feature === "distance_km")!.change).toBeCloseTo((2.1 - 0.5) / 2.7, 9);
    expect(shifts.find((s) => s.feature === "traffic_density")!.change).toBeCloseTo(-(2.1 - 0.5) / 2.7, 9);
  });

  it("audits who read which prediction", async () => {
    await auditAccess(database.db, { userId: null, ip: "10.0.0.7" }, "explanation.view", "eta", "p-3");
    const rows = await database.db.select().from(auditLog);
    expect(rows.filter((r) => r.action === "explanation.view").map((r) => [r.target, r.ip])).toEqual([["eta/p-3", "10.0.0.7"]]);
  });
});
