"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { FormError, SubmitButton } from "@/app/_components/FormStatus";
import { CLOUDS } from "@/server/cost/kinds";
import { formatBytes, formatUsd } from "@/server/format";
import { useTRPC } from "../../../_trpc/client";

const EMPTY_SITE = { name: "", cloud: "aws", region: "", zone: "", monthlyCostUsd: "", defaultSource: "" };
const EMPTY_SOURCE = { pattern: "", cloud: "aws", region: "" };

/** Where each cache cluster runs and where each bucket lives: what the Cost page prices routes with. */
export function TopologyClient() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const topology = useQuery(trpc.cost.topology.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.cost.topology.queryKey() });
  const [site, setSiteForm] = useState(EMPTY_SITE);
  const [source, setSourceForm] = useState(EMPTY_SOURCE);
  const [problem, setProblem] = useState<string | null>(null);
  const saveSite = useMutation(trpc.cost.setSite.mutationOptions({ onSuccess: () => (setSiteForm(EMPTY_SITE), refresh()) }));
  const removeSite = useMutation(trpc.cost.deleteSite.mutationOptions({ onSuccess: refresh }));
  const saveSource = useMutation(trpc.cost.setSource.mutationOptions({ onSuccess: () => (setSourceForm(EMPTY_SOURCE), refresh()) }));
  const removeSource = useMutation(trpc.cost.deleteSource.mutationOptions({ onSuccess: refresh }));

  if (topology.isPending) return <p className="muted">Loading the topology…</p>;
  if (topology.error) return <p className="alert error">{topology.error.message}</p>;
  const { sites, sources, reporting } = topology.data;
  const unsited = reporting.filter((r) => !sites.some((s) => s.name === r.name));

  return (
    <>
      <section className="card" aria-labelledby="sites-heading">
        <h2 id="sites-heading">Cache clusters</h2>
        <p className="muted">
          The cloud, region and zone each cache cluster runs in (named as its metrics name it: the <code>cache_cluster</code> label). Its misses are priced
          from the bucket&apos;s region to this one; an optional monthly running cost is netted from the savings.
        </p>
        {unsited.length > 0 && (
          <p className="alert warn" data-testid="unsited">
            Reporting without a site (their egress is listed as unmapped): {unsited.map((u) => `${u.name} (${formatBytes(u.ufsBytes)} from storage in 7 days)`).join(", ")}.
          </p>
        )}
        <div className="table-wrap">
          <table className="data" data-testid="sites">
            <thead>
              <tr>
                <th>Cluster</th>
                <th>Runs in</th>
                <th>Default source</th>
                <th className="num">Running cost</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {sites.map((s) => (
                <tr key={s.name}>
                  <td>{s.name}</td>
                  <td>
                    {s.cloud} {s.region}
                    {s.zone && <div className="muted">{s.zone}</div>}
                  </td>
                  <td>{s.defaultSource ? <code>{s.defaultSource}</code> : <span className="muted">named by its metrics</span>}</td>
                  <td className="num">{s.monthlyCostUsd === null ? "—" : `${formatUsd(s.monthlyCostUsd, { whole: true })}/month`}</td>
                  <td>
                    <div className="row" style={{ justifyContent: "flex-end" }}>
                      <button
                        type="button"
                        className="small"
                        onClick={() =>
                          setSiteForm({
                            name: s.name,
                            cloud: s.cloud,
                            region: s.region,
                            zone: s.zone,
                            monthlyCostUsd: s.monthlyCostUsd === null ? "" : String(s.monthlyCostUsd),
                            defaultSource: s.defaultSource ?? "",
                          })
                        }
                      >
                        Edit
                      </button>
                      <button type="button" className="small" onClick={() => removeSite.mutate({ name: s.name })} aria-label={`Delete site of ${s.name}`}>
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
              {sites.length === 0 && (
                <tr>
                  <td colSpan={5} className="muted">
                    No cluster has a site yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <form
          className="stack"
          aria-label="Set a cluster's site"
          style={{ marginTop: 12 }}
          onSubmit={(e) => {
            e.preventDefault();
            const cost = site.monthlyCostUsd.trim() === "" ? null : Number(site.monthlyCostUsd);
            if (cost !== null && !Number.isFinite(cost)) return setProblem("Running cost: give dollars a month, e.g. 4500, or leave it empty.");
            setProblem(null);
            saveSite.mutate({ ...site, cloud: site.cloud as never, monthlyCostUsd: cost, defaultSource: site.defaultSource || null });
          }}
        >
          <div className="form-grid">
            <label>
              Cluster
              <input value={site.name} onChange={(e) => setSiteForm({ ...site, name: e.target.value })} list="reporting-clusters" placeholder="cache-us-west" required />
              <datalist id="reporting-clusters">
                {reporting.map((r) => (
                  <option key={r.name} value={r.name} />
                ))}
              </datalist>
            </label>
            <label>
              Cloud
              <select value={site.cloud} onChange={(e) => setSiteForm({ ...site, cloud: e.target.value })}>
                {CLOUDS.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            </label>
            <label>
              Region
              <input value={site.region} onChange={(e) => setSiteForm({ ...site, region: e.target.value })} placeholder="us-west-2" required />
            </label>
            <label>
              Zone (optional)
              <input value={site.zone} onChange={(e) => setSiteForm({ ...site, zone: e.target.value })} placeholder="us-west-2a" />
            </label>
            <label>
              Running cost, $ a month (optional)
              <input inputMode="decimal" value={site.monthlyCostUsd} onChange={(e) => setSiteForm({ ...site, monthlyCostUsd: e.target.value })} />
            </label>
            <label>
              Default source (optional)
              <input value={site.defaultSource} onChange={(e) => setSiteForm({ ...site, defaultSource: e.target.value })} placeholder="s3://corpus-us-east-1" />
            </label>
          </div>
          <FormError message={problem ?? saveSite.error?.message ?? removeSite.error?.message} />
          <div>
            <SubmitButton pending={saveSite.isPending} pendingLabel="Saving…">
              Save site
            </SubmitButton>
          </div>
        </form>
      </section>
      <section className="card" aria-labelledby="sources-heading">
        <h2 id="sources-heading">Storage sources</h2>
        <p className="muted">
          Buckets or under-storage address prefixes and where they live. A cluster&apos;s per-UFS metrics (Alluxio 2.x{" "}
          <code>Cluster_BytesReadPerUfs</code>, or a <code>ufs</code> label) are matched to the longest prefix; the rest go to its default source.
        </p>
        <div className="table-wrap">
          <table className="data" data-testid="sources">
            <thead>
              <tr>
                <th>Prefix</th>
                <th>Lives in</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {sources.map((s) => (
                <tr key={s.id}>
                  <td>
                    <code>{s.pattern}</code>
                  </td>
                  <td>
                    {s.cloud} {s.region}
                  </td>
                  <td>
                    <button type="button" className="small" onClick={() => removeSource.mutate({ id: s.id })} aria-label={`Delete source ${s.pattern}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
              {sources.length === 0 && (
                <tr>
                  <td colSpan={3} className="muted">
                    No storage source mapped yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <form
          className="stack"
          aria-label="Map a storage source"
          style={{ marginTop: 12 }}
          onSubmit={(e) => {
            e.preventDefault();
            saveSource.mutate({ ...source, cloud: source.cloud as never });
          }}
        >
          <div className="form-grid">
            <label>
              Bucket or address prefix
              <input value={source.pattern} onChange={(e) => setSourceForm({ ...source, pattern: e.target.value })} placeholder="s3://corpus-us-east-1" required />
            </label>
            <label>
              Cloud
              <select value={source.cloud} onChange={(e) => setSourceForm({ ...source, cloud: e.target.value })}>
                {CLOUDS.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            </label>
            <label>
              Region
              <input value={source.region} onChange={(e) => setSourceForm({ ...source, region: e.target.value })} placeholder="us-east-1" required />
            </label>
          </div>
          <FormError message={saveSource.error?.message ?? removeSource.error?.message} />
          <div>
            <SubmitButton pending={saveSource.isPending} pendingLabel="Saving…">
              Save source
            </SubmitButton>
          </div>
        </form>
      </section>
    </>
  );
}
