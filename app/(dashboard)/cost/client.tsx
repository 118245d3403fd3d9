"use client";

import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { type ReactNode, useCallback } from "react";
import type { AppRouter } from "@/server/api/root";
import { valueAxis } from "../../_components/charts/axes";
import { type ChartColors, EChart } from "../../_components/charts/EChart";
import { formatBytes, formatUsd } from "@/server/format";
import { useUrlState } from "../../_lib/url-state";
import { useTRPC } from "../../_trpc/client";
import { rangeInput } from "../gpus/search-params";
import { costCsv, teamsCsv } from "./csv";
import { PERIODS, readPeriod } from "./period";

type Report = inferRouterOutputs<AppRouter>["cost"]["report"];

/** Whole cents as dollars and cents: the page shows what the CSV holds, to the cent. */
export const dollars = (c: number) => formatUsd(c / 100, { cents: true });
const KIND_TEXT: Record<string, string> = { same_region: "same region", inter_region: "inter-region", internet: "internet", unmapped: "unmapped" };
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function CostClient({ empty, canEditTopology }: { empty: ReactNode; canEditTopology: boolean }) {
  const trpc = useTRPC();
  const { searchParams, set } = useUrlState();
  const period = readPeriod(searchParams);
  const report = useQuery(trpc.cost.report.queryOptions({ ...rangeInput(searchParams), period }));
  const data = report.data;

  const bars = useCallback(
    (c: ChartColors) => {
      if (!data) return {};
      const dailyBudget = data.budgets.find((b) => b.cluster === "" && b.team === "");
      const perDay = dailyBudget ? dailyBudget.monthlyCents / 100 / daysInMonth(data.daily[0]?.dayMs ?? data.fromMs) : null;
      return {
        color: ["#d97706", c.border],
        legend: { top: 0, left: 0, textStyle: { color: c.muted } },
        tooltip: { trigger: "axis", valueFormatter: (v: number) => formatUsd(v) },
        grid: { left: 72, right: 24, top: 36, bottom: 30 },
        xAxis: { type: "category", data: data.daily.map((d) => day(d.dayMs).slice(5)), axisLabel: { color: c.muted }, axisLine: { lineStyle: { color: c.border } } },
        yAxis: valueAxis(c, (v) => formatUsd(v, { whole: true })),
        series: [
          {
            type: "bar",
            name: "Egress",
            data: data.daily.map((d) => d.actualCents / 100),
            ...(perDay
              ? {
                  markLine: {
                    silent: true,
                    symbol: "none",
                    lineStyle: { color: "#dc2626", type: "dashed" },
                    label: { formatter: "daily budget", color: c.muted, fontSize: 11, position: "insideEndTop" },
                    data: [{ name: "daily budget", yAxis: perDay }],
                  },
                }
              : {}),
          },
          { type: "bar", name: "Without the cache", data: data.daily.map((d) => d.withoutCacheCents / 100), barGap: "-100%", z: -1 },
        ],
      };
    },
    [data],
  );

  const selector = (
    <div className="segmented" role="group" aria-label="Period">
      {PERIODS.map((p) => (
        <button key={p.id} type="button" aria-pressed={period === p.id} onClick={() => set({ period: p.id === "mtd" ? null : p.id })}>
          {p.label}
        </button>
      ))}
    </div>
  );

  if (report.isPending) return <p className="muted">Pricing the period…</p>;
  if (report.error) return <p className="alert error">{report.error.message}</p>;
  const r = data!;
  const t = r.totals;
  if (r.routes.length === 0) {
    return (
      <>
        <div className="row" style={{ marginBottom: 12 }}>
          {selector}
        </div>
        {empty}
      </>
    );
  }
  return (
    <>
      {r.rangeError && <p className="alert warn">{r.rangeError}</p>}
      <div className="row" style={{ marginBottom: 12, justifyContent: "space-between" }}>
        {selector}
        <span className="muted">
          {day(r.fromMs)} → {day(Math.min(r.toMs, Date.now()) - 1)} (UTC days)
        </span>
      </div>
      {(r.clustersWithoutSite.length > 0 || r.unmappedBytes > 0) && (
        <p className="alert warn" data-testid="unmapped">
          {formatBytes(r.unmappedBytes)} came from storage nobody mapped{r.clustersWithoutSite.length > 0 ? ` (clusters without a site: ${r.clustersWithoutSite.join(", ")})` : ""}: priced at
          $0 and listed below as “unmapped”.{" "}
          {canEditTopology ? <Link href="/settings/topology">Map them in Settings → Topology.</Link> : "An admin maps them in Settings → Topology."}
        </p>
      )}
      <section className="card tiles" aria-label="Totals">
        <div className="tile" data-testid="cost-actual">
          <div className="muted">Egress</div>
          <div className="tile-value">{dollars(t.actualCents)}</div>
          <div className="muted">{formatBytes(t.ufsBytes)} from object stores</div>
        </div>
        <div className="tile" data-testid="cost-without">
          <div className="muted">Without the cache</div>
          <div className="tile-value">{dollars(t.withoutCacheCents)}</div>
          <div className="muted">{formatBytes(t.servedBytes)} served</div>
        </div>
        <div className="tile" data-testid="cost-savings">
          <div className="muted">Saved by the cache</div>
          <div className="tile-value">{dollars(t.grossSavingsCents)}</div>
          <div className="muted">
            {dollars(t.netSavingsCents)} net of {dollars(t.cacheCostCents)} running cost
          </div>
        </div>
        {r.forecast && (
          <div className="tile" data-testid="cost-forecast">
            <div className="muted">Forecast to month end</div>
            <div className="tile-value">{dollars(r.forecast.monthEndCents)}</div>
            <div className="muted">
              {dollars(r.forecast.lowCents)}–{dollars(r.forecast.highCents)} at {dollars(r.forecast.runRateCents)}/day ({r.forecast.days}-day run-rate)
            </div>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="daily-heading">
        <h2 id="daily-heading">By day</h2>
        <EChart option={bars} height={240} ariaLabel="Egress dollars a day, with and without the cache" testId="cost-daily" />
      </section>
      <section className="card" aria-labelledby="routes-heading">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h2 id="routes-heading">By route</h2>
          <div className="row">
            <a
              className="button small"
              download={`flightdeck-egress-${day(r.fromMs)}-${day(Math.min(r.toMs, Date.now()) - 1)}.csv`}
              href={`data:text/csv;charset=utf-8,${encodeURIComponent(costCsv(r))}`}
              data-testid="cost-csv"
            >
              Download CSV
            </a>
            <button type="button" className="small" onClick={() => window.print()}>
              Print or save as PDF
            </button>
          </div>
        </div>
        <RouteTable report={r} />
      </section>
      <Teams report={r} />
      <div className="grid-2">
        <section className="card" aria-labelledby="clusters-heading">
          <h2 id="clusters-heading">By cache cluster</h2>
          <div className="table-wrap">
            <table className="data" data-testid="cost-clusters">
              <thead>
                <tr>
                  <th>Cluster</th>
                  <th className="num">Egress</th>
                  <th className="num">Without cache</th>
                  <th className="num">Running cost</th>
                  <th className="num">Net savings</th>
                </tr>
              </thead>
              <tbody>
                {r.clusters.map((c) => (
                  <tr key={c.cluster}>
                    <td>{c.cluster}</td>
                    <td className="num">{dollars(c.actualCents)}</td>
                    <td className="num">{dollars(c.withoutCacheCents)}</td>
                    <td className="num">{dollars(c.cacheCostCents)}</td>
                    <td className={`num ${c.netSavingsCents < 0 ? "error-text" : ""}`}>{dollars(c.netSavingsCents)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
        <Budgets report={r} />
      </div>
    </>
  );
}

/** Egress, without the cache and saved, in whole cents: the last three columns of the route and team tables. */
function MoneyCells({ actual, without, saved, cell: Cell = "td" }: { actual: number; without: number; saved: number; cell?: "td" | "th" }) {
  return (
    <>
      <Cell className="num">{dollars(actual)}</Cell>
      <Cell className="num">{dollars(without)}</Cell>
      <Cell className="num">{dollars(saved)}</Cell>
    </>
  );
}

function RouteTable({ report }: { report: Report }) {
  const t = report.totals;
  return (
    <div className="table-wrap">
      <table className="data" data-testid="cost-routes">
        <thead>
          <tr>
            <th>Cluster</th>
            <th>Source</th>
            <th>Route</th>
            <th className="num">From object store</th>
            <th className="num">Served</th>
            <th className="num" title="Requests to the object store, where the cluster's metrics count them (Alluxio 2.x Master.PerUfsOp…)">
              Requests
            </th>
            <th className="num">Egress</th>
            <th className="num">Without cache</th>
            <th className="num">Saved</th>
          </tr>
        </thead>
        <tbody>
          {report.routes.map((r) => (
            <tr key={`${r.cluster}|${r.source}|${r.kind}`}>
              <td>{r.cluster}</td>
              <td>
                <code>{r.source}</code>
              </td>
              <td>
                {r.from} → {r.to}
                <div className="muted">{KIND_TEXT[r.kind]}</div>
              </td>
              <td className="num">{formatBytes(r.ufsBytes)}</td>
              <td className="num">{formatBytes(r.servedBytes)}</td>
              <td className="num">{r.requests > 0 ? r.requests.toLocaleString("en-US") : "—"}</td>
              <MoneyCells actual={r.actualCents} without={r.withoutCacheCents} saved={r.savingsCents} />
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-testid="cost-total">
            <th colSpan={3}>Total</th>
            <th className="num">{formatBytes(t.ufsBytes)}</th>
            <th className="num">{formatBytes(t.servedBytes)}</th>
            <th className="num">{report.routes.reduce((a, r) => a + r.requests, 0).toLocaleString("en-US")}</th>
            <MoneyCells actual={t.actualCents} without={t.withoutCacheCents} saved={t.grossSavingsCents} cell="th" />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function Budgets({ report }: { report: Report }) {
  return (
    <section className="card" aria-labelledby="budgets-heading">
      <h2 id="budgets-heading">Budgets this month</h2>
      {report.budgets.length === 0 ? (
        <p className="muted">No budgets. Finance sets monthly egress budgets, in total, per cluster or per team, on the price book page.</p>
      ) : (
        <table className="data" data-testid="cost-budgets">
          <thead>
            <tr>
              <th>Budget</th>
              <th className="num">Spent</th>
              <th>Crossed</th>
            </tr>
          </thead>
          <tbody>
            {report.budgets.map((b) => (
              <tr key={b.id}>
                <td>
                  {budgetName(b)}
                  <div className="muted">{dollars(b.monthlyCents)} a month</div>
                </td>
                <td className="num">
                  {dollars(b.spentCents)}
                  <div className="meter" aria-hidden>
                    <span style={{ width: `${Math.min(100, (100 * b.spentCents) / b.monthlyCents)}%` }} />
                  </div>
                </td>
                <td>
                  {b.marks.filter((m) => m.dayMs !== null).length === 0 ? (
                    <span className="muted">under 50%</span>
                  ) : (
                    b.marks
                      .filter((m) => m.dayMs !== null)
                      .map((m) => (
                        <span key={m.percent} className={`badge ${m.percent >= 90 ? "bad" : m.percent >= 75 ? "warn" : ""}`} style={{ marginRight: 4 }}>
                          {m.percent}% on {day(m.dayMs!).slice(5)}
                        </span>
                      ))
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const budgetName = (b: { cluster: string; team: string }) => (b.cluster ? b.cluster : b.team ? `Team ${b.team}` : "All egress");

const TEAM_TEXT: Record<string, string> = { "no-team": "Jobs without a team", unattributed: "Unattributed" };

/** Egress shared out to the teams whose jobs kept each cluster busy, with its CSV. */
function Teams({ report }: { report: Report }) {
  const t = report.totals;
  const range = `${day(report.fromMs)}-${day(Math.min(report.toMs, Date.now()) - 1)}`;
  return (
    <section className="card" aria-labelledby="teams-heading">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 id="teams-heading">By team</h2>
        {report.teams.length > 0 && (
          <a className="button small" download={`flightdeck-egress-teams-${range}.csv`} href={`data:text/csv;charset=utf-8,${encodeURIComponent(teamsCsv(report))}`} data-testid="cost-teams-csv">
            Download CSV
          </a>
        )}
      </div>
      {report.teams.length === 0 ? (
        <p className="muted">No egress in this period.</p>
      ) : (
        <div className="table-wrap">
          <table className="data" data-testid="cost-teams">
            <thead>
              <tr>
                <th>Team</th>
                <th>Jobs</th>
                <th className="num">From object store</th>
                <th className="num">Egress</th>
                <th className="num">Without cache</th>
                <th className="num">Saved</th>
              </tr>
            </thead>
            <tbody>
              {report.teams.map((row) => (
                <tr key={`${row.kind}/${row.team}`} data-team={row.kind === "team" ? row.team : row.kind}>
                  <td>{row.kind === "team" ? <strong>{row.team}</strong> : <span className="muted">{TEAM_TEXT[row.kind]}</span>}</td>
                  <td>
                    {row.jobs.length === 0
                      ? "—"
                      : row.jobs.slice(0, 3).map((j, i) => (
                          <span key={j}>
                            {i > 0 && ", "}
                            <Link href={`/jobs/${encodeURIComponent(j)}`}>{j}</Link>
                          </span>
                        ))}
                    {row.jobs.length > 3 && <span className="muted"> +{row.jobs.length - 3}</span>}
                  </td>
                  <td className="num">{formatBytes(row.ufsBytes)}</td>
                  <MoneyCells actual={row.actualCents} without={row.withoutCacheCents} saved={row.savingsCents} />
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr data-testid="cost-teams-total">
                <th colSpan={2}>Total</th>
                <th className="num">{formatBytes(t.ufsBytes)}</th>
                <MoneyCells actual={t.actualCents} without={t.withoutCacheCents} saved={t.grossSavingsCents} cell="th" />
              </tr>
            </tfoot>
          </table>
        </div>
      )}
      <p className="muted" style={{ marginBottom: 0, marginTop: 10 }}>
        A cluster&apos;s egress each day is shared between the teams whose jobs read through it that day (the job&apos;s <code>team</code> and{" "}
        <code>cache_cluster</code> facts), in proportion to their step seconds there. Days no job of a cluster ran stay unattributed.
      </p>
    </section>
  );
}

function daysInMonth(ms: number): number {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
}
