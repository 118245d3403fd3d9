import { getDatabase } from "@/db";
import { authenticateBearer } from "@/server/auth/tokens";
import { AppError } from "@/server/errors";
import { parseBy, parseLabelMatchers, parseRangeParams, promError, promValue } from "@/server/http/prom-params";
import { signalCatalog } from "@/server/query/catalog";
import { readGpuSignal } from "@/server/query/gpus";

export const dynamic = "force-dynamic";

/**
 * GET /api/v1/signals/<signal>?start=&end=&step=&by= (token scope metrics:read): a signal per GPU, or averaged over
 * the GPUs sharing the `by` labels, at the step and resolution the pages use: the numbers the charts draw.
 */
export async function GET(request: Request, { params }: { params: Promise<{ signal: string }> }) {
  try {
    const { db } = await getDatabase();
    await authenticateBearer(db, request.headers.get("authorization"), "metrics:read");
    const { signal } = await params;
    const catalog = signalCatalog();
    const definition = catalog.get(signal);
    if (!definition) throw new AppError("NOT_FOUND", `There is no signal ${signal}; known signals: ${[...catalog.keys()].join(", ")}.`);
    const query = new URL(request.url).searchParams;
    const range = parseRangeParams(query);
    const { read, series } = await readGpuSignal(db, signal, { ...range, requestedStepMs: range.stepMs }, { by: parseBy(query), matchers: parseLabelMatchers(query) });
    return Response.json({
      status: "success",
      data: {
        signal,
        unit: definition.unit,
        step: read.stepMs / 1000,
        resolution: read.resolution,
        resultType: "matrix",
        result: series.map((s) => ({
          metric: s.labels,
          values: s.values.flatMap((v, i) => (v === null ? [] : [[read.times[i]! / 1000, promValue(v)]])),
        })),
      },
    });
  } catch (error) {
    if (error instanceof AppError) return promError(error);
    throw error;
  }
}
