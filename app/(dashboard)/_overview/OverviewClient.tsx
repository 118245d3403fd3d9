"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { type ReactNode, useCallback } from "react";
import { timeAxis, valueAxis, zoomToolbox } from "../../_components/charts/axes";
import { type ChartColors, EChart } from "../../_components/charts/EChart";
import { annotationMarks, linePoints } from "../../_components/charts/prepare/series";
import { formatBytes, formatPercent, formatUsd } from "@/server/format";
import { useUrlState, useZoomToRange } from "../../_lib/url-state";
import { useTRPC } from "../../_trpc/client";
import { rangeInput } from "../gpus/search-params";
import { Verdict } from "../jobs/verdict";

const GROUP = "overview";
const LANES = [
  { key: "gpuBusy", title: "Fleet GPU busy", color: "#16a34a", format: (v: number) => formatPercent(v), max: 1 },
  { key: "stall", title: "Jobs' stall (Σ wait ÷ Σ step)", color: "#dc2626", format: (v: number) => formatPercent(v), max: undefined },
  { key: "hitRatio", title: "Cache hit ratio", color: "#0891b2", format: (v: number) => formatPercent(v), max: 1 },
  { key: "objectStoreBytesPerSecond", title: "Object-store reads", color: "#d97706", format: (v: number) => `${formatBytes(v)}/s`, max: undefined },
] as const;

const usd = (v: number | null | undefined) => (v === null || v === undefined ? "—" : formatUsd(v));

/** The Overview's figures, timeline and findings; `fallback` is what a user sees while nothing reports. */
export function OverviewClient({ fallback }: { fallback: ReactNode }) {
  const trpc = useTRPC();
  const { searchParams } = useUrlState();
  const input = rangeInput(searchParams);
  const overview = useQuery(trpc.overview.get.queryOptions(input));
  const data = overview.data;
  const annotations = useQuery({
    ...trpc.annotations.list.queryOptions({ startMs: data?.read.startMs ?? 0, endMs: data?.read.endMs ?? 1 }),
    enabled: !!data,
  });
  const zoom = useZoomToRange();
  const query = new URLSearchParams(input).toString();
  const withRange = useCallback((href: string) => (query ? `${href}${href.includes("?") ? "&" : "?"}${query}` : href), [query]);

  const lane = useCallback(
    (l: (typeof LANES)[number], last: boolean) => (c: ChartColors) => {
      if (!data) return {};
      const span = data.read.endMs - data.read.startMs;
      return {
        color: [l.color],
        tooltip: { trigger: "axis", valueFormatter: (v: number | null) => (v === null || v === undefined ? "no data" : l.format(v)) },
        toolbox: { ...zoomToolbox(c), show: last },
        grid: { left: 72, right: 24, top: 8, bottom: last ? 26 : 8 },
        xAxis: { ...timeAxis(c, span, { min: data.read.startMs, max: data.read.endMs }), ...(last ? {} : { axisLabel: { show: false } }) },
        yAxis: valueAxis(c, l.format, l.max, { splitNumber: 2 }),
        series: [
          {
            type: "line",
            name: l.title,
            showSymbol: false,
            areaStyle: { opacity: 0.1 },
            data: linePoints(data.timeline.times, data.timeline[l.key]),
            ...annotationMarks(annotations.data ?? [], data.read.startMs, data.read.endMs, c.muted),
          },
        ],
      };
    },
    [data, annotations.data],
  );

  if (overview.isPending) return <p className="muted">Loading the overview…</p>;
  if (overview.error) return <p className="alert error">{overview.error.message}</p>;
  const { gpus, jobs, cache, money, egress, explanations, attention, timeline } = data!;
  if (!gpus && !jobs && !cache && !egress && !explanations) return <>{fallback}</>;
  const lanes = LANES.filter((l) => timeline[l.key].some((v) => v !== null));

  return (
    <>
      {data!.rangeError && <p className="alert warn">{data!.rangeError}</p>}
      <section className="card tiles" aria-label="Headline figures">
        {gpus && (
          <Link className="tile" href={withRange("/gpus")} data-testid="tile-gpus">
            <div className="muted">Fleet GPU busy</div>
            <div className="tile-value">{formatPercent(gpus.busyShare)}</div>
            <div className="muted">
              of {gpus.total} GPUs&apos; hours at ≥ 50% SM active{gpus.divergent > 0 ? ` · ${gpus.divergent} divergent` : ""}
            </div>
          </Link>
        )}
        {money && (
          <Link className="tile" href={withRange("/gpus?flag=idle-held")} data-testid="tile-idle">
            <div className="muted">Idle-held GPUs</div>
            <div className="tile-value">{usd(money.today.idleHeldUsd)}</div>
            <div className="muted">today · {usd(money.monthToDate.idleHeldUsd)} this month</div>
          </Link>
        )}
        {money && jobs && (
          <Link className="tile" href={withRange("/jobs")} data-testid="tile-stalled">
            <div className="muted">Input-stalled GPUs</div>
            <div className="tile-value">{usd(money.today.stalledUsd)}</div>
            <div className="muted">today · {usd(money.monthToDate.stalledUsd)} this month</div>
          </Link>
        )}
        {cache && (
          <Link className="tile" href={withRange("/cache")} data-testid="tile-cache">
            <div className="muted">Cache hit ratio</div>
            <div className="tile-value">{formatPercent(cache.hitRatio)}</div>
            <div className="muted">
              {cache.clusters.map((c) => `${c.name} ${formatPercent(c.hitRatio)}`).join(" · ")}
            </div>
          </Link>
        )}
        {egress && (
          <Link className="tile" href="/cost" data-testid="tile-egress">
            <div className="muted">Egress this month</div>
            <div className="tile-value">{formatUsd(egress.actualCents / 100)}</div>
            <div className="muted">
              cache saved {formatUsd(egress.grossSavingsCents / 100)} ({formatUsd(egress.netSavingsCents / 100)} net)
              {egress.forecastCents !== null ? ` · ${formatUsd(egress.forecastCents / 100, { whole: true })} by month end` : ""}
            </div>
          </Link>
        )}
        {explanations && (
          <Link className="tile" href="/explanations" data-testid="tile-explanations">
            <div className="muted">Explanations</div>
            <div className="tile-value">{explanations.total.toLocaleString("en-US")}</div>
            <div className="muted">
              stored · {explanations.poor.toLocaleString("en-US")} of poor quality
            </div>
          </Link>
        )}
      </section>
      {(gpus || jobs || cache) && (
        <div className="grid-2">
          <section className="card" aria-labelledby="attention-heading">
            <h2 id="attention-heading">Look here first</h2>
            {attention.length === 0 ? (
              <p className="muted">Nothing stands out in this range: no idle-held or divergent GPUs, no input-bound jobs, no cache below 60%.</p>
            ) : (
              <ol className="attention" data-testid="attention">
                {attention.slice(0, 8).map((a) => (
                  <li key={a.text}>
                    <span className="attention-usd">{a.usd === null ? "" : formatUsd(a.usd, { whole: true })}</span>
                    <Link href={withRange(a.href)}>{a.text}</Link>
                  </li>
                ))}
              </ol>
            )}
            <p className="muted" style={{ marginBottom: 0 }}>
              Ranked by the dollars at stake over the range, at the GPU prices.
            </p>
          </section>
          {jobs && (
            <section className="card" aria-labelledby="worst-heading">
              <h2 id="worst-heading">
                <Link href={withRange("/jobs")}>Most input-bound jobs</Link>
              </h2>
              <table className="data" data-testid="worst-jobs">
                <tbody>
                  {jobs.worst.map((j) => (
                    <tr key={j.name}>
                      <td>
                        <Link href={withRange(`/jobs/${encodeURIComponent(j.name)}`)}>{j.name}</Link>
                      </td>
                      <td>
                        <Verdict stall={j.stall} verdict={j.verdict} />
                      </td>
                      <td className="num">{usd(j.stallUsd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="muted" style={{ marginBottom: 0 }}>
                {jobs.total} jobs reporting, {jobs.running} running. Dollars: GPU time spent waiting for data.
              </p>
            </section>
          )}
        </div>
      )}
      {lanes.length > 0 && (
        <section className="card" aria-labelledby="timeline-heading">
          <h2 id="timeline-heading">Timeline</h2>
          <p className="muted legend-note">One time axis and one crosshair for the fleet; dashed lines and bands are annotations. Drag across a lane to zoom.</p>
          {lanes.map((l, i) => (
            <div key={l.key} className="lane">
              <div className="lane-title" style={{ color: l.color }}>
                {l.title}
              </div>
              <EChart
                option={lane(l, i === lanes.length - 1)}
                height={i === lanes.length - 1 ? 110 : 84}
                group={GROUP}
                onZoom={zoom}
                ariaLabel={`${l.title} over time`}
                testId={`timeline-${l.key}`}
              />
            </div>
          ))}
        </section>
      )}
    </>
  );
}
