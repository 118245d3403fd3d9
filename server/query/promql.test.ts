import http from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { freePort } from "@/server/cli/local-server";
import { increaseBuckets } from "./increases";
import { parseSampleValue, promqlBackendFromEnv, selector } from "./promql";

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 500);

describe("FLIGHTDECK_METRICS_BACKEND", () => {
  it("is Flightdeck's own store unless promql is asked for", () => {
    expect(promqlBackendFromEnv({})).toBeNull();
    expect(promqlBackendFromEnv({ FLIGHTDECK_METRICS_BACKEND: "postgres" })).toBeNull();
  });

  it("refuses a misconfiguration with a sentence naming the variable", () => {
    expect(() => promqlBackendFromEnv({ FLIGHTDECK_METRICS_BACKEND: "prom" })).toThrow(/FLIGHTDECK_METRICS_BACKEND=prom is not one of postgres, promql/);
    expect(() => promqlBackendFromEnv({ FLIGHTDECK_METRICS_BACKEND: "promql" })).toThrow(/needs FLIGHTDECK_PROMQL_URL/);
    expect(() => promqlBackendFromEnv({ FLIGHTDECK_METRICS_BACKEND: "promql", FLIGHTDECK_PROMQL_URL: "prometheus:9090" })).toThrow(/http:\/\/ or https:\/\//);
    expect(() =>
      promqlBackendFromEnv({ FLIGHTDECK_METRICS_BACKEND: "promql", FLIGHTDECK_PROMQL_URL: "http://p:9090", FLIGHTDECK_PROMQL_BEARER_TOKEN: "t", FLIGHTDECK_PROMQL_USERNAME: "u", FLIGHTDECK_PROMQL_PASSWORD: "p" }),
    ).toThrow(/not both/);
    expect(() => promqlBackendFromEnv({ FLIGHTDECK_METRICS_BACKEND: "promql", FLIGHTDECK_PROMQL_URL: "http://p:9090", FLIGHTDECK_PROMQL_USERNAME: "u" })).toThrow(/go together/);
    expect(() => promqlBackendFromEnv({ FLIGHTDECK_METRICS_BACKEND: "promql", FLIGHTDECK_PROMQL_URL: "http://p:9090", FLIGHTDECK_PROMQL_TIMEOUT_SECONDS: "0" })).toThrow(/TIMEOUT_SECONDS=0/);
  });

  it("never shows the engine's credentials", () => {
    const backend = promqlBackendFromEnv({ FLIGHTDECK_METRICS_BACKEND: "promql", FLIGHTDECK_PROMQL_URL: "https://reader:s3cret@mimir.example/prometheus/" })!;
    expect(backend.describe).toBe("https://mimir.example/prometheus");
  });
});

describe("PromQL selectors and values", () => {
  it("quotes label values so PromQL reads them back exactly", () => {
    expect(selector("DCGM_FI_DEV_GPU_UTIL", { gpu: "0", Hostname: 'a"b\\c\nd', empty: "" })).toBe(
      '{__name__="DCGM_FI_DEV_GPU_UTIL", Hostname="a\\"b\\\\c\\nd", gpu="0"}',
    );
  });

  it("reads every value the HTTP API writes", () => {
    expect(parseSampleValue("+Inf")).toBe(Infinity);
    expect(parseSampleValue("-Inf")).toBe(-Infinity);
    expect(parseSampleValue("NaN")).toBeNaN();
    expect(parseSampleValue("1e-7")).toBe(1e-7);
    fc.assert(
      fc.property(fc.double(), (x) => {
        const text = Number.isNaN(x) ? "NaN" : x === Infinity ? "+Inf" : x === -Infinity ? "-Inf" : String(x);
        const value = parseSampleValue(text);
        expect(Object.is(value, x) || (value === 0 && x === 0)).toBe(true);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("refuses what is not a value, whatever the engine sends", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const value = parseSampleValue(text);
          expect(typeof value).toBe("number");
        } catch (error) {
          expect((error as Error).message).toMatch(/^not a sample value/);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(() => parseSampleValue("")).toThrow(/not a sample value/);
    expect(() => parseSampleValue("12abc")).toThrow(/not a sample value/);
  });
});

describe("increments from points", () => {
  it("counts a drop as a reset and each increment in its later sample's bucket", () => {
    const points = [0, 10, 20, 5, 15].map((value, i) => ({ tsMs: i * 30_000, value }));
    const { increments, seconds } = increaseBuckets(points, 30_000, 60_000);
    expect([...increments]).toEqual([[0, 10], [60_000, 15], [120_000, 10]]);
    expect([...seconds]).toEqual([[0, 30], [60_000, 60], [120_000, 30]]);
  });
});

describe("an engine that fails", () => {
  it("is a 503 naming the engine, for one that does not listen", async () => {
    const backend = promqlBackendFromEnv({ FLIGHTDECK_METRICS_BACKEND: "promql", FLIGHTDECK_PROMQL_URL: `http://127.0.0.1:${await freePort()}` })!;
    const error = await backend.findSeries(["up"], {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("SERVICE_UNAVAILABLE");
    expect((error as AppError).message).toMatch(/^The metrics engine at http:\/\/127\.0\.0\.1:\d+ did not answer \/api\/v1\/series/);
    expect((await backend.status()).ok).toBe(false);
  });

  it("passes on the engine's own error sentence and sends the configured credentials", async () => {
    let authorization: string | undefined;
    const server = http.createServer((request, response) => {
      authorization = request.headers.authorization;
      response.writeHead(422, { "content-type": "application/json" });
      response.end(JSON.stringify({ status: "error", errorType: "execution", error: "query processing would load too many samples into memory" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const backend = promqlBackendFromEnv({ FLIGHTDECK_METRICS_BACKEND: "promql", FLIGHTDECK_PROMQL_URL: url, FLIGHTDECK_PROMQL_USERNAME: "fd", FLIGHTDECK_PROMQL_PASSWORD: "pw" })!;
      const error = (await backend.readRawPoints([{ id: 1, metric: "up", labels: {} }], 0, 60_000).catch((e: unknown) => e)) as AppError;
      expect(error.code).toBe("SERVICE_UNAVAILABLE");
      expect(error.message).toContain("answered /api/v1/query with 422: query processing would load too many samples into memory");
      expect(authorization).toBe(`Basic ${Buffer.from("fd:pw").toString("base64")}`);
    } finally {
      server.close();
    }
  });
});
