import { getDatabase } from "@/db";
import { authenticateBearer } from "@/server/auth/tokens";
import { AppError } from "@/server/errors";
import { parseBy, parseLabelMatchers, parseRangeParams, promError, promValue } from "@/server/http/prom-params";
import { QUERY_FUNCTIONS, type QueryFunction, queryRange } from "@/server/query/range-query";
import { parseDuration } from "@/server/query/step";

export const dynamic = "force-dynamic";

/**
 * GET /api/v1/query_range?metric=&fn=raw|rate|increase|delta|avg_over_time&window=5m&start=&end=&step=&match[l]=v&by=
 * (token scope metrics:read), answered in the shape of Prometheus' query_range.
 */
export async function GET(request: Request) {
  try {
    const { db } = await getDatabase();
    await authenticateBearer(db, request.headers.get("authorization"), "metrics:read");
    const params = new URL(request.url).searchParams;
    const metric = params.get("metric");
    if (!metric) throw new AppError("BAD_REQUEST", "metric=<name> is required, e.g. metric=DCGM_FI_PROF_SM_ACTIVE.");
    const fn = (params.get("fn") ?? "raw") as QueryFunction;
    if (!QUERY_FUNCTIONS.includes(fn)) throw new AppError("BAD_REQUEST", `fn=${fn} is not one of ${QUERY_FUNCTIONS.join(", ")}.`);
    const windowText = params.get("window") ?? "5m";
    const windowMs = parseDuration(windowText);
    if (windowMs === null) throw new AppError("BAD_REQUEST", `window=${windowText} is not a duration such as 1m, 5m or 1h.`);
    const range = parseRangeParams(params);
    const { result } = await queryRange(db, { metric, fn, windowMs, ...range, matchers: parseLabelMatchers(params), by: parseBy(params) });
    return Response.json({
      status: "success",
      data: { resultType: "matrix", result: result.map((s) => ({ metric: s.metric, values: s.values.map(([t, v]) => [t, promValue(v)]) })) },
    });
  } catch (error) {
    if (error instanceof AppError) return promError(error);
    throw error;
  }
}
