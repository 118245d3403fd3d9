"use client";

import { useQuery } from "@tanstack/react-query";
import { useCallback } from "react";
import { timeAxis, valueAxis } from "../../../_components/charts/axes";
import { annotationMarks } from "../../../_components/charts/prepare/series";
import { type ChartColors, EChart } from "../../../_components/charts/EChart";
import { formatPercent } from "@/server/format";
import { useUrlState } from "../../../_lib/url-state";
import { useTRPC } from "../../../_trpc/client";

const PALETTE = ["#1f6feb", "#dc2626", "#16a34a", "#d97706", "#9333ea"];
const num = (x: number) => String(Number(x.toPrecision(3)));

export function ModelClient({ model }: { model: string }) {
  const trpc = useTRPC();
  const { searchParams, set } = useUrlState();
  const info = useQuery(trpc.explanations.model.queryOptions({ model, version: searchParams.get("v") ?? undefined, compare: searchParams.get("vs") ?? undefined }));
  const data = info.data;

  const importanceChart = useCallback(
    (c: ChartColors) => {
      if (!data) return {};
      const top = data.importance.slice(0, 15).reverse();
      const names = top.map((f) => f.feature);
      return {
        grid: { left: 180, right: 40, top: 10, bottom: 30 },
        tooltip: { trigger: "item" },
        xAxis: { type: "value", axisLabel: { color: c.muted }, splitLine: { lineStyle: { color: c.border, opacity: 0.6 } } },
        yAxis: { type: "category", data: names, axisLabel: { color: c.text } },
        series: [
          { type: "bar", name: "mean |attribution|", data: top.map((f) => f.meanAbs), itemStyle: { color: c.accent, opacity: 0.35 }, tooltip: { valueFormatter: num } },
          {
            type: "scatter",
            name: "latest records",
            symbolSize: 4,
            itemStyle: { color: c.accent, opacity: 0.6 },
            data: names.flatMap((name, y) => (data.sample[name] ?? []).map((v, i) => [v, y + ((i % 7) - 3) * 0.05])),
            tooltip: { formatter: (p: { value: [number, number] }) => `|attribution| ${num(p.value[0])}` },
          },
        ],
      };
    },
    [data],
  );

  const driftChart = useCallback(
    (c: ChartColors) => {
      if (!data || data.drift.length === 0) return {};
      const features = [...new Set(data.drift.map((d) => d.feature))];
      const days = data.drift.map((d) => d.dayMs);
      const span = Math.max(...days) - Math.min(...days);
      return {
        color: PALETTE,
        legend: { top: 0, left: 0, textStyle: { color: c.muted } },
        tooltip: { trigger: "axis", valueFormatter: (v: number) => num(v) },
        grid: { left: 60, right: 24, top: 36, bottom: 30 },
        xAxis: timeAxis(c, Math.max(span, 2 * 86_400_000)),
        yAxis: valueAxis(c, num),
        series: [
          ...features.map((f) => ({ type: "line", name: f, showSymbol: true, data: data.drift.filter((d) => d.feature === f).map((d) => [d.dayMs, d.meanAbs]) })),
          // Rollouts and incidents about the model, on a series of their own.
          { type: "line", name: "", data: [], ...annotationMarks(data.annotations, Math.min(...days), Math.max(...days) + 86_400_000, c.muted) },
        ],
      };
    },
    [data],
  );

  if (info.isPending) return <p className="muted">Loading the model…</p>;
  if (info.error) return <p className="alert error">{info.error.message}</p>;
  const d = data!;
  return (
    <>
      <section className="card" aria-labelledby="versions-heading">
        <h2 id="versions-heading">Versions</h2>
        <div className="row">
          <div className="segmented" role="group" aria-label="Version">
            {d.versions.map((v) => (
              <button key={v.modelVersion} type="button" aria-pressed={v.modelVersion === d.version} onClick={() => set({ v: v.modelVersion, vs: null })}>
                {v.modelVersion} <span className="muted">{v.count.toLocaleString("en-US")}</span>
              </button>
            ))}
          </div>
          {d.versions.length > 2 && (
            <label className="inline">
              <span className="muted">compared with</span>
              <select value={d.compare ?? ""} onChange={(e) => set({ vs: e.target.value || null })}>
                {d.versions
                  .filter((v) => v.modelVersion !== d.version)
                  .map((v) => (
                    <option key={v.modelVersion}>{v.modelVersion}</option>
                  ))}
              </select>
            </label>
          )}
        </div>
        <p className="muted" style={{ marginBottom: 0 }}>
          {d.versions.map((v) => `${v.modelVersion}: ${v.count.toLocaleString("en-US")} predictions, ${v.poor.toLocaleString("en-US")} of poor quality`).join(" · ")}
        </p>
      </section>
      <div className="grid-2">
        <section className="card" aria-labelledby="importance-heading">
          <h2 id="importance-heading">What version {d.version} relies on</h2>
          <p className="muted legend-note">Mean |attribution| per feature over all its predictions; dots: the latest 200 predictions, for the spread.</p>
          <EChart option={importanceChart} height={Math.max(220, Math.min(15, d.importance.length) * 26 + 50)} ariaLabel="Global importance per feature" testId="importance" />
        </section>
        <section className="card" aria-labelledby="shift-heading">
          <h2 id="shift-heading">{d.compare ? `From ${d.compare} to ${d.version}` : "Compared with another version"}</h2>
          {!d.shifts ? (
            <p className="muted">Only one version is stored.</p>
          ) : (
            <table className="data" data-testid="version-shift">
              <thead>
                <tr>
                  <th>Feature</th>
                  <th className="num">Share in {d.compare}</th>
                  <th className="num">Share in {d.version}</th>
                  <th className="num">Moved</th>
                </tr>
              </thead>
              <tbody>
                {d.shifts.slice(0, 10).map((s) => (
                  <tr key={s.feature}>
                    <td>{s.feature}</td>
                    <td className="num">{formatPercent(s.shareA, 1)}</td>
                    <td className="num">{formatPercent(s.shareB, 1)}</td>
                    <td className={`num ${Math.abs(s.change) >= 0.05 ? "error-text" : ""}`}>
                      {s.change >= 0 ? "+" : "−"}
                      {formatPercent(Math.abs(s.change), 1)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      <section className="card" aria-labelledby="drift-heading">
        <h2 id="drift-heading">Drift of the top features</h2>
        <p className="muted legend-note">Mean |attribution| of version {d.version}&apos;s five most important features, day by day (UTC).</p>
        <EChart option={driftChart} height={240} ariaLabel="Importance of the top features by day" testId="drift" />
      </section>
    </>
  );
}
