import { getDatabaseStatus, getMetricsBackendStatus } from "@/server/system/status";

export const dynamic = "force-dynamic";

/**
 * Liveness and readiness for load balancers and people: 200 when the database answers, 503 when it does not. The
 * metrics backend is reported beside it: an engine that does not answer empties the charts, not the app.
 */
export async function GET() {
  const [database, metrics] = await Promise.all([getDatabaseStatus(), getMetricsBackendStatus()]);
  return Response.json(
    {
      status: database.ok ? "ok" : "unavailable",
      database: {
        driver: database.driver,
        answers: database.ok,
        latencyMs: database.latencyMs,
        migration: database.migration?.tag ?? null,
        migrationsApplied: database.migration?.applied ?? 0,
        error: database.error,
      },
      metrics: { backend: metrics.backend, engine: metrics.engine, answers: metrics.ok, version: metrics.version, error: metrics.error },
    },
    { status: database.ok ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
