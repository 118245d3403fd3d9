import { getDatabaseStatus } from "@/server/system/status";

export const dynamic = "force-dynamic";

/** Liveness and readiness for load balancers and people: 200 when the database answers, 503 when it does not. */
export async function GET() {
  const database = await getDatabaseStatus();
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
    },
    { status: database.ok ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
