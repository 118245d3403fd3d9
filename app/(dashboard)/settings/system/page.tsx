import type { Metadata } from "next";
import { getDb } from "@/db";
import { getStorageStatus, listJobStatus } from "@/server/system/jobs";
import { getDatabaseStatus, getMetricsBackendStatus } from "@/server/system/status";
import { formatUtc } from "@/server/format";
import { requireArea } from "../../../_lib/session";

const DAY_MS = 24 * 3600 * 1000;

function duration(ms: number): string {
  if (ms % (365 * DAY_MS) === 0) return `${ms / (365 * DAY_MS)} y`;
  if (ms % DAY_MS === 0) return `${ms / DAY_MS} d`;
  if (ms >= 3600_000) return `${Math.round(ms / 3600_000)} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1000)} s`;
}

function summary(details: Record<string, unknown> | null): string {
  if (!details) return "—";
  return Object.entries(details)
    .filter(([, v]) => typeof v === "number" && v !== 0)
    .map(([k, v]) => `${k.replace(/([A-Z])/g, " $1").toLowerCase()} ${Number(v).toLocaleString("en-US")}`)
    .join(" · ") || "nothing to do";
}

/** The last fact of a card whose check failed: what went wrong, in the words of the driver or engine. */
function ErrorFact({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <>
      <dt>Error</dt>
      <dd className="alert error">{error}</dd>
    </>
  );
}

export const metadata: Metadata = { title: "System" };

export default async function SystemPage() {
  await requireArea("settings", "/settings/system");
  const [status, metrics] = await Promise.all([getDatabaseStatus(), getMetricsBackendStatus()]);
  const db = status.ok ? await getDb() : null;
  const [jobs, storage] = db ? await Promise.all([listJobStatus(db), metrics.backend === "postgres" ? getStorageStatus(db) : null]) : [null, null];
  return (
    <>
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
          <ErrorFact error={status.error} />
        </dl>
      </section>
      <section className="card" aria-labelledby="metrics-backend">
        <h2 id="metrics-backend">Metrics backend</h2>
        <dl className="facts">
          <dt>Reads from</dt>
          <dd data-testid="metrics-backend">
            {metrics.backend === "postgres" ? (
              <>Flightdeck&apos;s own store, in the database above</>
            ) : (
              <>
                PromQL engine at <code>{metrics.engine ?? "—"}</code>
              </>
            )}{" "}
            <span className="muted">
              (<code>FLIGHTDECK_METRICS_BACKEND={metrics.backend}</code>)
            </span>
          </dd>
          {metrics.backend === "promql" && (
            <>
              <dt>Answers</dt>
              <dd>
                <span className={`badge ${metrics.ok ? "good" : "bad"}`}>{metrics.ok ? "yes" : "no"}</span>
                {metrics.latencyMs !== null && <span className="muted"> · {metrics.latencyMs} ms for a query</span>}
                {metrics.version && <span className="muted"> · version {metrics.version}</span>}
              </dd>
              <dt>Ingest</dt>
              <dd>Off: producers send to the engine, which also scrapes; Flightdeck keeps app data, explanations, prices and topology.</dd>
            </>
          )}
          <ErrorFact error={metrics.error} />
        </dl>
      </section>
      {storage && (
        <section className="card">
          <h2>Metrics storage</h2>
          <dl className="facts">
            <dt>Series</dt>
            <dd>{storage.series.toLocaleString("en-US")}</dd>
            <dt>Raw samples</dt>
            <dd>
              {storage.rawDays} daily partitions; kept {duration(storage.retention.rawMs)} (<code>FLIGHTDECK_RETENTION_RAW</code>)
            </dd>
            <dt>Rollups</dt>
            <dd>
              1-minute kept {duration(storage.retention.minuteMs)}, 1-hour kept {duration(storage.retention.hourMs)};{" "}
              {storage.rollupMinutesPending === 0 ? "up to date" : `${storage.rollupMinutesPending.toLocaleString("en-US")} minutes waiting`}
            </dd>
          </dl>
        </section>
      )}
      {jobs && (
        <section className="card">
          <h2>Background jobs</h2>
          <p className="muted">
            Each job runs on one instance at a time (a Postgres advisory lock), however many replicas run.{" "}
            <code>FLIGHTDECK_JOBS=0</code> turns them off on an instance.
          </p>
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Every</th>
                  <th>Last run (UTC)</th>
                  <th>Took</th>
                  <th>Runs</th>
                  <th>Last result</th>
                </tr>
              </thead>
              <tbody>
                {jobs.map((job) => (
                  <tr key={job.name}>
                    <td>
                      <strong>{job.name}</strong>
                      <div className="muted">{job.description}</div>
                    </td>
                    <td>{duration(job.everyMs)}</td>
                    <td>
                      {job.lastStartedAt ? formatUtc(job.lastStartedAt) : <span className="muted">not yet</span>}
                      {job.late && <span className="badge bad"> late</span>}
                    </td>
                    <td>{job.lastDurationMs === null ? "—" : `${job.lastDurationMs.toLocaleString("en-US")} ms`}</td>
                    <td>{job.runCount.toLocaleString("en-US")}</td>
                    <td>
                      {job.lastError ? (
                        <span className="badge bad" title={job.lastError}>
                          failed: {job.lastError}
                        </span>
                      ) : (
                        summary(job.details)
                      )}
                      {job.doneUntil && <div className="muted">complete until {formatUtc(job.doneUntil)}</div>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}
