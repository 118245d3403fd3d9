"use client";

import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import type { ReactNode } from "react";
import type { AppRouter } from "@/server/api/root";
import { formatCount, formatUtc } from "@/server/format";
import { useTRPC } from "../../../_trpc/client";

type Report = inferRouterOutputs<AppRouter>["scrape"]["sources"];
type Stats = Report["tokens"][number]["stats"];

/** Seconds, minutes, hours or days since a moment, for "last seen". */
function ago(iso: string | null, nowMs: number): string {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}


function StatCells({ stats, nowMs }: { stats: Stats; nowMs: number }) {
  const rejected = stats.rejectedSamples + stats.rejectedRequests;
  return (
    <>
      <td title={stats.lastSeenAt ? formatUtc(stats.lastSeenAt) : undefined}>{ago(stats.lastSeenAt, nowMs)}</td>
      <td className="num">{formatCount(stats.samplesPerMinute)}</td>
      <td className="num">{formatCount(stats.series)}</td>
      <td>
        {rejected === 0 ? (
          <span className="muted">none</span>
        ) : (
          <ul className="plain" data-testid="reasons">
            {stats.reasons.map((r) => (
              <li key={r.reason}>
                <span className={`badge ${r.unit === "requests" ? "bad" : "warn"}`}>{r.count.toLocaleString("en-US")}</span> {r.unit === "requests" ? (r.count === 1 ? "request" : "requests") : r.count === 1 ? "sample" : "samples"}: {r.text}
              </li>
            ))}
          </ul>
        )}
        {stats.lastError && (
          <div className="muted" style={{ marginTop: 4, overflowWrap: "anywhere" }}>
            Last: {stats.lastError}
          </div>
        )}
      </td>
    </>
  );
}

/** One kind of source: its table, or what to do when there is none. */
function SourceSection({
  id,
  title,
  first,
  rows,
  empty,
  nowMs,
}: {
  id: string;
  title: string;
  first: string;
  rows: Array<{ key: string; source: string; name: ReactNode; stats: Stats }>;
  empty: ReactNode;
  nowMs: number;
}) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted" data-testid={`no-${id}`}>
          {empty}
        </p>
      ) : (
        <div className="table-wrap">
          <table className="data" data-testid={id}>
            <thead>
              <tr>
                <th>{first}</th>
                <th>Last seen</th>
                <th className="num">Samples / min</th>
                <th className="num">Series</th>
                <th>Refused in the last hour</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.key} data-source={row.source}>
                  <td>{row.name}</td>
                  <StatCells stats={row.stats} nowMs={nowMs} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function SourcesClient() {
  const trpc = useTRPC();
  const report = useQuery({ ...trpc.scrape.sources.queryOptions(), refetchInterval: 15_000 });
  if (report.isPending) return <p className="muted">Loading sources…</p>;
  if (report.error) return <p className="alert error">{report.error.message}</p>;
  const r = report.data;
  const nowMs = report.dataUpdatedAt || Date.now();
  const flooding = r.tokens.filter((t) => t.stats.reasons.some((x) => x.reason === "cardinality_limit"));
  return (
    <>
      {flooding.length > 0 && (
        <p className="alert warn" role="alert" data-testid="cardinality-warning">
          {flooding.map((t) => `“${t.name}”`).join(", ")} {flooding.length === 1 ? "was" : "were"} refused new series in the last hour: over the limit of
          new series a minute (FLIGHTDECK_MAX_NEW_SERIES_PER_MINUTE). A label whose values never repeat, such as a request id, is the usual cause;
          their samples were not stored.
        </p>
      )}
      <p className="muted" style={{ marginBottom: 16 }}>
        Everything that sends Flightdeck metrics: pushers by their API token, and the pages it scrapes. Samples a minute are averaged over the
        last {r.windowMinutes} complete minutes; series are the most distinct series in one of them. Refused counts samples Flightdeck skipped
        (too old, too far ahead, …) and requests it answered with an error, with the last error&apos;s words.
      </p>
      <SourceSection
        id="token-sources"
        title="Pushed with API tokens"
        first="Token"
        nowMs={nowMs}
        rows={r.tokens.map((t) => ({
          key: `token:${t.id}`,
          source: `token:${t.name}`,
          stats: t.stats,
          name: (
            <>
              <strong>{t.name}</strong> {t.revoked && <span className="badge bad">revoked</span>}
              <div className="muted">
                <code>{t.prefix}…</code>
              </div>
            </>
          ),
        }))}
        empty={
          <>
            No token can write metrics yet. <Link href="/settings/tokens">Create a token</Link> with the <code>metrics:write</code> scope and point
            Prometheus&apos; <code>remote_write</code>, an OpenTelemetry exporter or a script at Flightdeck.
          </>
        }
      />
      <SourceSection
        id="scrape-sources"
        title="Scraped"
        first="Target"
        nowMs={nowMs}
        rows={r.targets.map((t) => ({
          key: `scrape:${t.id}`,
          source: `scrape:${t.instance}`,
          stats: t.stats,
          name: (
            <>
              <strong>{t.instance}</strong>{" "}
              {!t.enabled ? <span className="badge">paused</span> : t.up === null ? null : <span className={`badge ${t.up ? "good" : "bad"}`}>{t.up ? "up" : "down"}</span>}
              <div className="muted" style={{ overflowWrap: "anywhere" }}>
                job {t.jobName} · {t.url}
              </div>
            </>
          ),
        }))}
        empty={
          <>
            Flightdeck scrapes nothing yet. <Link href="/settings/scrape">Add a scrape target</Link> for a dcgm-exporter, an Alluxio master or
            worker, or any <code>/metrics</code> page.
          </>
        }
      />
    </>
  );
}
