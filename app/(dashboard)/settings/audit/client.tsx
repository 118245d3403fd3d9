"use client";

import { useQuery } from "@tanstack/react-query";
import { csvText } from "@/server/http/csv";
import { formatUtc } from "@/server/format";
import { useUrlState } from "../../../_lib/url-state";
import { useTRPC } from "../../../_trpc/client";

const FILTERS = [
  { value: "", label: "everything" },
  { value: "explanation.", label: "explanation views, exports and API reads" },
  { value: "session.", label: "sign-ins and sign-outs" },
  { value: "user.", label: "users" },
  { value: "token.", label: "API tokens" },
  { value: "cost.", label: "topology, prices and budgets" },
];

/** Who did what, when and from where: newest first, filterable, and downloadable as CSV exactly as listed. */
export function AuditClient() {
  const trpc = useTRPC();
  const { searchParams, set } = useUrlState();
  const action = searchParams.get("action") ?? "";
  const log = useQuery(trpc.audit.list.queryOptions({ ...(action ? { action } : {}) }));
  const csv = (rows: NonNullable<typeof log.data>["rows"]) =>
    `${["time", "actor", "action", "target", "address"].join(",")}\r\n${rows
      .map((r) => [new Date(r.at).toISOString(), csvText(r.actor), csvText(r.action), csvText(r.target ?? ""), csvText(r.ip ?? "")].join(","))
      .join("\r\n")}\r\n`;
  return (
    <section className="card" aria-labelledby="audit-heading">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 id="audit-heading">Audit log</h2>
        <div className="row">
          <label className="inline">
            <span className="muted">Show</span>
            <select value={action} onChange={(e) => set({ action: e.target.value || null })}>
              {FILTERS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
          </label>
          {log.data && log.data.rows.length > 0 && (
            <a className="button small" download="flightdeck-audit.csv" href={`data:text/csv;charset=utf-8,${encodeURIComponent(csv(log.data.rows))}`} data-testid="audit-csv">
              Download CSV
            </a>
          )}
        </div>
      </div>
      <p className="muted">Append-only: the database refuses to change or delete a row. The newest 200 are listed.</p>
      {log.isPending && <p className="muted">Loading the log…</p>}
      {log.error && <p className="alert error">{log.error.message}</p>}
      {log.data && (
        <div className="table-wrap">
          <table className="data" data-testid="audit">
            <thead>
              <tr>
                <th>Time</th>
                <th>Who</th>
                <th>Action</th>
                <th>Target</th>
                <th>From</th>
              </tr>
            </thead>
            <tbody>
              {log.data.rows.map((r) => (
                <tr key={r.id}>
                  <td style={{ whiteSpace: "nowrap" }}>{formatUtc(r.at)}</td>
                  <td>{r.actor}</td>
                  <td>
                    <code>{r.action}</code>
                  </td>
                  <td style={{ overflowWrap: "anywhere" }}>{r.target ?? "—"}</td>
                  <td>{r.ip ?? "—"}</td>
                </tr>
              ))}
              {log.data.rows.length === 0 && (
                <tr>
                  <td colSpan={5} className="muted">
                    Nothing logged{action ? " of this kind" : ""} yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
