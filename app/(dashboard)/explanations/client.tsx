"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { type ReactNode, useMemo, useState } from "react";
import { parseTimeRange } from "@/server/query/range";
import { formatPercent, formatUtc } from "@/server/format";
import { useUrlState } from "../../_lib/url-state";
import { useTRPC } from "../../_trpc/client";
import { QualityBadge } from "./quality";

/** Search by exact prediction id, or browse by model, version, quality and the page's time range; state in the URL. */
export function ExplanationsClient({ empty }: { empty: ReactNode }) {
  const trpc = useTRPC();
  const { searchParams, set } = useUrlState();
  const models = useQuery(trpc.explanations.models.queryOptions());
  const [idInput, setIdInput] = useState(searchParams.get("id") ?? "");
  const { startMs, endMs } = useMemo(() => parseTimeRange(Object.fromEntries(searchParams.entries()), Date.now()).range, [searchParams]);
  const filters = {
    predictionId: searchParams.get("id") || undefined,
    model: searchParams.get("model") || undefined,
    modelVersion: searchParams.get("version") || undefined,
    quality: (["good", "check", "poor"] as const).find((q) => q === searchParams.get("quality")),
    ...(searchParams.has("range") || searchParams.has("from") ? { startMs, endMs } : {}),
  };
  const results = useQuery(trpc.explanations.search.queryOptions(filters));

  if (models.isPending) return <p className="muted">Loading…</p>;
  if (models.error) return <p className="alert error">{models.error.message}</p>;
  if (models.data.length === 0) return <>{empty}</>;
  const versions = models.data.filter((m) => !filters.model || m.model === filters.model);
  const total = models.data.reduce((a, m) => a + m.count, 0);
  const poor = models.data.reduce((a, m) => a + m.poor, 0);

  return (
    <>
      <section className="card tiles" aria-label="Stored explanations">
        <div className="tile" data-testid="explanations-total">
          <div className="muted">Stored</div>
          <div className="tile-value">{total.toLocaleString("en-US")}</div>
          <div className="muted">
            {new Set(models.data.map((m) => m.model)).size} models, {models.data.length} versions
          </div>
        </div>
        <div className="tile" data-testid="explanations-poor">
          <div className="muted">Poor quality</div>
          <div className="tile-value">{poor.toLocaleString("en-US")}</div>
          <div className="muted">completeness error over 20% ({formatPercent(total > 0 ? poor / total : null, 1)})</div>
        </div>
      </section>
      <section className="card" aria-labelledby="search-heading">
        <h2 id="search-heading">Find a prediction</h2>
        <form
          className="row"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            set({ id: idInput.trim() || null });
          }}
        >
          <label className="inline">
            <span className="muted">Prediction id</span>
            <input value={idInput} onChange={(e) => setIdInput(e.target.value)} placeholder="exact id, e.g. p-1042" style={{ minWidth: 220 }} />
          </label>
          <button type="submit" className="primary">
            Search
          </button>
          <label className="inline">
            <span className="muted">Model</span>
            <select value={filters.model ?? ""} onChange={(e) => set({ model: e.target.value || null, version: null })}>
              <option value="">all</option>
              {[...new Set(models.data.map((m) => m.model))].map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <label className="inline">
            <span className="muted">Version</span>
            <select value={filters.modelVersion ?? ""} onChange={(e) => set({ version: e.target.value || null })}>
              <option value="">all</option>
              {[...new Set(versions.map((m) => m.modelVersion))].map((v) => (
                <option key={v}>{v}</option>
              ))}
            </select>
          </label>
          <label className="inline">
            <span className="muted">Quality</span>
            <select value={filters.quality ?? ""} onChange={(e) => set({ quality: e.target.value || null })}>
              <option value="">any</option>
              <option value="good">good (≤ 5%)</option>
              <option value="check">check (≤ 20%)</option>
              <option value="poor">poor (over 20%)</option>
            </select>
          </label>
        </form>
        <p className="muted" style={{ marginTop: 8 }}>
          {filters.startMs !== undefined && !filters.predictionId ? "Within the time range above. " : "Any time (pick a range above to narrow). "}
          Every prediction you open is written to the audit log.
        </p>
      </section>
      <section className="card" aria-labelledby="results-heading">
        <h2 id="results-heading">Predictions</h2>
        {results.isPending && <p className="muted">Searching…</p>}
        {results.error && <p className="alert error">{results.error.message}</p>}
        {results.data && (
          <div className="table-wrap">
            <table className="data" data-testid="explanations">
              <thead>
                <tr>
                  <th>Prediction</th>
                  <th>Model</th>
                  <th>Time</th>
                  <th>Method</th>
                  <th className="num">Output</th>
                  <th>Quality</th>
                </tr>
              </thead>
              <tbody>
                {results.data.rows.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link href={`/explanations/${encodeURIComponent(r.model)}/${encodeURIComponent(r.predictionId)}`}>{r.predictionId}</Link>
                    </td>
                    <td>
                      <Link href={`/explanations/${encodeURIComponent(r.model)}?v=${encodeURIComponent(r.modelVersion)}`}>{r.model}</Link>{" "}
                      <span className="muted">{r.modelVersion}</span>
                    </td>
                    <td>{formatUtc(r.ts)}</td>
                    <td>{r.method.replace("_", " ")}</td>
                    <td className="num">{Number(r.output.toPrecision(4))}</td>
                    <td>
                      <QualityBadge error={r.quality} />
                    </td>
                  </tr>
                ))}
                {results.data.rows.length === 0 && (
                  <tr>
                    <td colSpan={6} className="muted">
                      {filters.predictionId ? `No model has a prediction ${filters.predictionId}.` : "No prediction matches."}
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
            {results.data.more && <p className="muted">Showing the newest 50; narrow the search to see others.</p>}
          </div>
        )}
      </section>
    </>
  );
}
