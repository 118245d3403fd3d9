import { getDatabase } from "@/db";
import { authenticateBearer } from "@/server/auth/tokens";
import { AppError, HTTP_STATUS } from "@/server/errors";
import { jsonValue, parseLabelMatchers, parsePromTime } from "@/server/http/prom-params";
import { exportRawSamples } from "@/server/query/export";

export const dynamic = "force-dynamic";

const DAY_MS = 24 * 3600 * 1000;

/**
 * GET /api/v1/export?match=<metric>&match[label]=value&start=&end= (token scope metrics:read): the stored raw samples
 * as JSON lines, one series a line, streamed. start/end are Unix seconds or RFC 3339; the last 24 hours by default.
 */
export async function GET(request: Request) {
  try {
    const { db } = await getDatabase();
    await authenticateBearer(db, request.headers.get("authorization"), "metrics:read");
    const params = new URL(request.url).searchParams;
    const metric = params.get("match");
    if (!metric) throw new AppError("BAD_REQUEST", "match=<metric name> is required, e.g. match=DCGM_FI_PROF_SM_ACTIVE.");
    const endMs = parsePromTime("end", params.get("end"), Date.now());
    const startMs = parsePromTime("start", params.get("start"), endMs - DAY_MS);
    if (startMs > endMs) throw new AppError("BAD_REQUEST", "start must not be after end.");
    const series = exportRawSamples(db, { metric, labels: parseLabelMatchers(params), startMs, endMs });
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await series.next();
        if (next.done) return controller.close();
        const { metric: name, labels, timestampsMs, values } = next.value;
        const line = { metric: { __name__: name, ...labels }, values: values.map(jsonValue), timestamps: timestampsMs };
        controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
      },
      cancel: () => void series.return(undefined),
    });
    return new Response(body, { headers: { "content-type": "application/x-ndjson; charset=utf-8" } });
  } catch (error) {
    if (error instanceof AppError) return new Response(`${error.message}\n`, { status: HTTP_STATUS[error.code] });
    throw error;
  }
}
