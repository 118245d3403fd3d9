import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { completenessError, expandItem, parseRecord, qualityOf, RecordError } from "./record";
import { jsonItems, StreamError } from "./stream";
import { reasons, waterfall } from "./view";

/** `FUZZ_RUNS=100000 npx vitest run server/explanations` for a long run. */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const NOW = Date.parse("2026-12-06T12:00:00Z");

const record = (extra: Record<string, unknown> = {}) => ({
  prediction_id: "p-1",
  model: "eta",
  model_version: "v3",
  ts: "2026-12-06T10:00:00Z",
  method: "kernel_shap",
  output: 12.5,
  reference: 10,
  features: [
    { name: "traffic_density", value: 0.83, attribution: 2.1 },
    { name: "distance_km", value: 4.2, attribution: 0.5 },
    { name: "weather", value: "rain", attribution: -0.1 },
  ],
  ...extra,
});

async function* chunks(...parts: string[]) {
  for (const p of parts) yield p;
}
async function collect(body: AsyncIterable<string>) {
  const out: string[] = [];
  for await (const item of jsonItems(body)) out.push(item);
  return out;
}

describe("explanation records", () => {
  it("parses Flightdeck's record and names the first bad field", () => {
    const r = parseRecord(record(), NOW);
    expect([r.predictionId, r.model, r.modelVersion, r.tsMs, r.method, r.referenceKind, r.outputSpace]).toEqual([
      "p-1",
      "eta",
      "v3",
      Date.parse("2026-12-06T10:00:00Z"),
      "kernel_shap",
      "expectation",
      "identity",
    ]);
    const bad = (extra: Record<string, unknown>) => () => parseRecord(record(extra), NOW);
    expect(bad({ prediction_id: undefined })).toThrow("prediction_id is required.");
    expect(bad({ output: Number.NaN })).toThrow("output must be a finite number.");
    expect(bad({ method: "lime" })).toThrow("method must be one of integrated_gradients, kernel_shap, shap, other.");
    expect(bad({ features: [{ name: "a", value: 1, attribution: "x" }] })).toThrow("features[0].attribution must be a finite number.");
    expect(bad({ features: [{ name: "a", value: 1, attribution: 1 }, { name: "a", value: 2, attribution: 1 }] })).toThrow("features[1].name a appears twice.");
    expect(bad({ features: Array.from({ length: 10_001 }, (_, i) => ({ name: `f${i}`, value: 0, attribution: 0 })) })).toThrow("the limit is 10,000");
    expect(bad({ ts: "2027-01-01T00:00:00Z" })).toThrow("ts is more than a day in the future.");
  });

  it("computes the completeness error by hand and badges it", () => {
    // 10 + (2.1 + 0.5 − 0.1) = 12.5 = output: exact.
    expect(completenessError(parseRecord(record(), NOW))).toBeCloseTo(0, 12);
    // 10 + 2.5 = 12.5 against an output of 13: |−0.5| ÷ |13 − 10| = 1/6.
    expect(completenessError(parseRecord(record({ output: 13 }), NOW))).toBeCloseTo(1 / 6, 12);
    // Output equal to the reference: divided by ε, not by zero.
    expect(completenessError(parseRecord(record({ output: 10 }), NOW))).toBeCloseTo(2.5 / 1e-6, 3);
    expect([0, 0.05, 0.0501, 0.2, 0.21].map(qualityOf)).toEqual(["good", "good", "check", "check", "poor"]);
  });

  it("turns shap arrays into records, additive unless the model's outputs are sent", () => {
    const item = {
      format: "shap",
      model: "churn",
      model_version: "v1",
      prediction_ids: ["a", "b"],
      feature_names: ["tenure", "plan"],
      values: [
        [0.2, -0.1],
        [0.05, 0.3],
      ],
      base_values: [0.4, 0.4],
      data: [
        [12, "basic"],
        [3, "pro"],
      ],
      outputs: [0.5, 0.9],
      output_space: "probability",
    };
    const [a, b] = expandItem(item).map((r) => parseRecord(r, NOW));
    expect(a).toMatchObject({ predictionId: "a", method: "shap", reference: 0.4, output: 0.5, referenceKind: "expectation", outputSpace: "probability" });
    expect(a!.features).toEqual([
      { name: "tenure", value: 12, attribution: 0.2 },
      { name: "plan", value: "basic", attribution: -0.1 },
    ]);
    expect(completenessError(a!)).toBeCloseTo(0, 12);
    // 0.4 + 0.35 = 0.75 against 0.9: 0.15 ÷ 0.5.
    expect(completenessError(b!)).toBeCloseTo(0.3, 12);
    expect(() => expandItem({ ...item, values: [[0.2]] })).toThrow("values has 1 rows for 2 prediction_ids.");
    expect(() => expandItem({ ...item, values: [[0.2], [0.1]] })).toThrow("row 0 has 1 attributions for 2 feature_names.");
  });

  it("turns Alibi's IntegratedGradients and KernelShap to_json() into records", () => {
    const ig = {
      format: "alibi",
      model: "eta",
      model_version: "v4",
      prediction_ids: ["x"],
      feature_names: ["a", "b"],
      explanation: {
        meta: { name: "IntegratedGradients", type: ["whitebox"] },
        // F(x) = 5; Σ attributions = 3.9; delta = Σ − (F(x) − F(b)) = −0.1 → F(baseline) = 5 − 3.9 − 0.1 = 1.0.
        data: { attributions: [[[3.0, 0.9]]], X: [[1.5, 2.5]], predictions: [5], deltas: [-0.1], baselines: [[0, 0]] },
      },
    };
    const [r] = expandItem(ig).map((x) => parseRecord(x, NOW));
    expect(r).toMatchObject({ method: "integrated_gradients", referenceKind: "baseline", output: 5 });
    expect(r!.reference).toBeCloseTo(1, 12);
    // The IG convergence delta, relative: |−0.1| ÷ 4.
    expect(completenessError(r!)).toBeCloseTo(0.025, 12);

    const ks = {
      format: "alibi",
      model: "churn",
      model_version: "v2",
      prediction_ids: ["y"],
      target: 1,
      explanation: {
        meta: { name: "KernelShap", type: ["blackbox"] },
        data: {
          feature_names: ["tenure", "calls"],
          shap_values: [[[-0.2, -0.1]], [[0.2, 0.1]]],
          expected_value: [0.7, 0.3],
          raw: { raw_prediction: [[0.4, 0.6]], instances: [[3, 9]] },
        },
      },
    };
    const [k] = expandItem(ks).map((x) => parseRecord(x, NOW));
    expect(k).toMatchObject({ method: "kernel_shap", reference: 0.3, output: 0.6 });
    expect(k!.features.map((f) => [f.name, f.value])).toEqual([
      ["tenure", 3],
      ["calls", 9],
    ]);
    expect(() => expandItem({ ...ks, explanation: { meta: { name: "AnchorTabular" }, data: {} } })).toThrow("is not IntegratedGradients or KernelShap");
  });

  it("never crashes on malformed records: a RecordError naming the problem, or a record", () => {
    const anything = fc.anything({ maxDepth: 3 });
    fc.assert(
      fc.property(anything, (raw) => {
        try {
          for (const r of expandItem(raw)) parseRecord(r, NOW);
        } catch (error) {
          expect(error).toBeInstanceOf(RecordError);
          expect((error as Error).message.length).toBeGreaterThan(5);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
    const nearly = fc.record({
      prediction_id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      model: fc.oneof(fc.string(), fc.constant(undefined)),
      model_version: fc.string(),
      output: fc.oneof(fc.double(), fc.string()),
      reference: fc.double(),
      features: fc.array(fc.record({ name: fc.string(), value: fc.oneof(fc.double(), fc.string(), fc.constant(null)), attribution: fc.oneof(fc.double(), fc.constant(null)) }), { maxLength: 5 }),
    });
    fc.assert(
      fc.property(nearly, (raw) => {
        try {
          const r = parseRecord(raw, NOW);
          expect(Number.isFinite(completenessError(r))).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(RecordError);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe("the request stream", () => {
  it("splits a JSON array and JSON Lines into items across chunk boundaries, strings with braces included", async () => {
    const a = JSON.stringify({ x: "}{][", y: [1, { z: "\\\"" }] });
    const b = JSON.stringify({ q: 2 });
    const array = `[ ${a} ,\n ${b} ]`;
    for (let cut = 0; cut < array.length; cut++) expect(await collect(chunks(array.slice(0, cut), array.slice(cut)))).toEqual([a, b]);
    expect(await collect(chunks(`${a}\n${b}\n`))).toEqual([a, b]);
    expect(await collect(chunks(a))).toEqual([a]);
  });

  it("refuses what is neither, naming the line", async () => {
    await expect(collect(chunks("[1, 2]"))).rejects.toThrow("each element of the array must be an object");
    await expect(collect(chunks('{"a": 1}\nnope'))).rejects.toThrow("Line 2: each line must hold one JSON object.");
    await expect(collect(chunks('[{"a": 1}'))).rejects.toThrow("the array is not closed");
    await expect(collect(chunks('{"a": "x'))).rejects.toThrow("the body ends inside an item");
    await expect(collect(chunks(""))).rejects.toThrow("The body is empty");
    await expect(collect(chunks("[]"))).resolves.toEqual([]);
    // An item over the limit is a 413, however it is split across chunks.
    const big = JSON.stringify({ x: "y".repeat(200) });
    const refused = await (async () => {
      try {
        for await (const _ of jsonItems(chunks(big.slice(0, 50), big.slice(50)), 100)) void _;
      } catch (error) {
        return error as StreamError;
      }
    })();
    expect([refused?.status, refused?.message]).toEqual([413, "Line 1: one item is larger than 100 bytes."]);
  });

  it("never crashes on arbitrary text: items or a StreamError", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.nat(200), async (text, cut) => {
        try {
          await collect(chunks(text.slice(0, cut), text.slice(cut)));
        } catch (error) {
          expect(error).toBeInstanceOf(StreamError);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe("reading an explanation", () => {
  const features = Array.from({ length: 12 }, (_, i) => ({ name: `f${i}`, value: i, attribution: (i % 2 ? -1 : 1) * (i + 1) }));

  it("draws shap's waterfall: top 9 by |attribution|, the rest as one step, ending at reference + Σ", () => {
    const steps = waterfall(100, features);
    expect(steps).toHaveLength(10);
    expect(steps[0]).toMatchObject({ label: "3 other features", features: 3, attribution: 1 - 2 + 3 });
    expect(steps.at(-1)).toMatchObject({ label: "11 = f11", attribution: -12 });
    expect(steps.at(-1)!.to).toBe(100 + features.reduce((a, f) => a + f.attribution, 0));
    steps.slice(1).forEach((s, i) => expect(s.from).toBe(steps[i]!.to));
  });

  it("words the top reasons", () => {
    expect(reasons(features, 2)).toEqual(["Lowered the output by 12: f11 = 11", "Raised the output by 11: f10 = 10"]);
  });
});
