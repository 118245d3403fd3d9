import type { Metadata } from "next";
import { getDatabaseStatus } from "@/server/system/status";
import { requireArea } from "../../../_lib/session";

export const metadata: Metadata = { title: "System" };

export default async function SystemPage() {
  await requireArea("settings", "/settings/system");
  const status = await getDatabaseStatus();
  return (
    <section className="card">
      <h2>Database</h2>
      <dl className="facts">
        <dt>Answers</dt>
        <dd>
          <span className={`badge ${status.ok ? "good" : "bad"}`}>{status.ok ? "yes" : "no"}</span>
          {status.latencyMs !== null && <span className="muted"> · {status.latencyMs} ms round trip</span>}
        </dd>
        <dt>Driver</dt>
        <dd>
          {status.driver === "pglite"
            ? "Embedded Postgres (PGlite), one process per data folder"
            : "Postgres server (postgres.js)"}
        </dd>
        <dt>Location</dt>
        <dd>
          <code>{status.location ?? "—"}</code>
        </dd>
        <dt>Schema</dt>
        <dd>
          {status.migration ? (
            <>
              <code>{status.migration.tag}</code> ({status.migration.applied} migrations applied)
            </>
          ) : (
            "—"
          )}
        </dd>
        {status.error && (
          <>
            <dt>Error</dt>
            <dd className="alert error">{status.error}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
