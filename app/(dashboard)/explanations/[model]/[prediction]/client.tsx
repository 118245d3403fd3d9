"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useCallback } from "react";
import { type ChartColors, EChart } from "../../../../_components/charts/EChart";
import { formatUtc } from "@/server/format";
import { useTRPC } from "../../../../_trpc/client";
import { QualityBadge } from "../../quality";

const UP = "#dc2626";
const DOWN = "#1f6feb";
const num = (x: number) => String(Number(x.toPrecision(4)));
/** As sent, without binary floating-point noise (0.30000000000000004 → 0.3). */
const exact = (x: number) => String(Number(x.toPrecision(12)));

export function PredictionClient({ model, predictionId }: { model: string; predictionId: string }) {
  const trpc = useTRPC();
  // Audited on the server at each read: keep it from refetching on focus or on a timer.
  const view = useQuery({ ...trpc.explanations.get.queryOptions({ model, predictionId }), staleTime: Infinity, refetchOnWindowFocus: false, retry: false });
  const exporter = useMutation(
    trpc.explanations.export.mutationOptions({
      onSuccess: (file) => {
        const url = URL.createObjectURL(new Blob([file.content], { type: file.type }));
        const a = document.createElement("a");
        a.href = url;
        a.download = file.filename;
        document.body.appendChild(a);
        a.click();
        a.remove();
        URL.revokeObjectURL(url);
      },
    }),
  );

  const chart = useCallback(
    (c: ChartColors) => {
      if (!view.data) return {};
      const steps = view.data.waterfall;
      const r = view.data.record;
      return {
        grid: { left: 200, right: 80, top: 30, bottom: 30 },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          formatter: (items: Array<{ dataIndex: number }>) => {
            const s = steps[items[0]!.dataIndex]!;
            return `${s.label}<br/>${s.attribution >= 0 ? "+" : "−"}${num(Math.abs(s.attribution))} (${num(s.from)} → ${num(s.to)})`;
          },
        },
        xAxis: { type: "value", scale: true, axisLabel: { color: c.muted }, splitLine: { lineStyle: { color: c.border, opacity: 0.6 } } },
        yAxis: { type: "category", data: steps.map((s) => s.label), axisLabel: { color: c.text, width: 190, overflow: "truncate" }, axisLine: { lineStyle: { color: c.border } } },
        series: [
          // An invisible bar up to each step's start, and the step on top of it: shap's waterfall as stacked bars.
          { type: "bar", stack: "w", stackStrategy: "all", silent: true, itemStyle: { color: "transparent" }, data: steps.map((s) => Math.min(s.from, s.to)) },
          {
            type: "bar",
            stack: "w",
            stackStrategy: "all",
            name: "attribution",
            data: steps.map((s) => ({ value: Math.abs(s.to - s.from), itemStyle: { color: s.attribution >= 0 ? UP : DOWN } })),
            label: { show: true, position: "right", color: c.muted, formatter: (p: { dataIndex: number }) => `${steps[p.dataIndex]!.attribution >= 0 ? "+" : "−"}${num(Math.abs(steps[p.dataIndex]!.attribution))}` },
            markLine: {
              silent: true,
              symbol: "none",
              lineStyle: { color: c.muted, type: "dashed" },
              label: { color: c.muted, formatter: "{b}", position: "end" },
              data: [
                { name: `${r.referenceKind === "baseline" ? "f(baseline)" : "E[f(X)]"} = ${num(r.reference)}`, xAxis: r.reference },
                { name: `f(x) = ${num(r.output)}`, xAxis: r.output },
              ],
            },
          },
        ],
      };
    },
    [view.data],
  );

  if (view.isPending) return <p className="muted">Loading the explanation…</p>;
  if (view.error) return <p className="alert error">{view.error.message}</p>;
  const { record: r, reasons, waterfall } = view.data;
  return (
    <>
      <div className="grid-2">
        <section className="card" aria-labelledby="why-heading">
          <h2 id="why-heading">Why</h2>
          <ol className="reasons" data-testid="reasons">
            {reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ol>
          <p className="muted" style={{ marginBottom: 0 }}>
            Largest contributions first, in the model&apos;s output space ({r.outputSpace}); from the {r.referenceKind === "baseline" ? "baseline's output" : "average output"}{" "}
            {num(r.reference)} to this prediction&apos;s {num(r.output)}.
          </p>
        </section>
        <section className="card" aria-labelledby="facts-heading">
          <h2 id="facts-heading">Prediction</h2>
          <dl className="facts">
            <dt>Model</dt>
            <dd>
              {r.model} · version {r.modelVersion}
            </dd>
            <dt>Time</dt>
            <dd>{formatUtc(r.ts)}</dd>
            <dt>Method</dt>
            <dd>{r.method.replace("_", " ")}</dd>
            <dt>Output</dt>
            <dd>
              {num(r.output)} <span className="muted">({r.outputSpace})</span>
              {r.target ? <span className="muted"> · target {r.target}</span> : null}
            </dd>
            <dt>Reference</dt>
            <dd>
              {num(r.reference)} <span className="muted">({r.referenceKind})</span>
            </dd>
            <dt>Quality</dt>
            <dd data-testid="quality">
              <QualityBadge error={r.quality} />
            </dd>
            {r.producerError && (
              <>
                <dt>Producer error</dt>
                <dd>{r.producerError}</dd>
              </>
            )}
          </dl>
          <div className="row" style={{ marginTop: 12 }}>
            <button type="button" className="small" onClick={() => exporter.mutate({ model, predictionId, format: "json" })} disabled={exporter.isPending}>
              Export JSON
            </button>
            <button type="button" className="small" onClick={() => exporter.mutate({ model, predictionId, format: "csv" })} disabled={exporter.isPending}>
              Export CSV
            </button>
          </div>
          {exporter.error && <p className="alert error">{exporter.error.message}</p>}
        </section>
      </div>
      <section className="card" aria-labelledby="waterfall-heading">
        <h2 id="waterfall-heading">Waterfall</h2>
        <p className="muted legend-note">
          As shap draws it: from the reference, each feature pushes the output up (red) or down (blue), largest at the bottom, the smallest summed into one
          step.
        </p>
        <EChart option={chart} height={Math.max(220, waterfall.length * 30 + 60)} ariaLabel="Waterfall of feature attributions" testId="waterfall" />
      </section>
      <section className="card" aria-labelledby="raw-heading">
        <h2 id="raw-heading">All {r.features.length} features</h2>
        <div className="table-wrap">
          <table className="data" data-testid="features">
            <thead>
              <tr>
                <th>Feature</th>
                <th>Value</th>
                <th className="num">Attribution</th>
              </tr>
            </thead>
            <tbody>
              {r.features.map((f) => (
                <tr key={f.name}>
                  <td>{f.name}</td>
                  <td>{f.value === null ? <span className="muted">missing</span> : typeof f.value === "number" ? exact(f.value) : f.value}</td>
                  <td className="num">{exact(f.attribution)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
