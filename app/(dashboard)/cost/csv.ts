import { csvText } from "@/server/http/csv";

/**
 * The CSV of the Cost page's route table: exactly its rows, then the total row, in whole cents written as dollars,
 * so the column sums equal the page to the cent.
 */
export interface CsvReport {
  teams: Array<{ kind: string; team: string; jobs: string[]; ufsBytes: number; actualCents: number; withoutCacheCents: number; savingsCents: number }>;
  routes: Array<{ cluster: string; source: string; from: string; to: string; kind: string; ufsBytes: number; servedBytes: number; requests: number; actualCents: number; withoutCacheCents: number; savingsCents: number }>;
  totals: { ufsBytes: number; servedBytes: number; actualCents: number; withoutCacheCents: number; grossSavingsCents: number };
}

const money = (c: number) => `${c < 0 ? "-" : ""}${Math.floor(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, "0")}`;

export function costCsv(report: CsvReport): string {
  const header = ["cluster", "source", "from", "to", "route", "object_store_bytes", "served_bytes", "requests", "egress_usd", "without_cache_usd", "saved_usd"];
  const rows = report.routes.map((r) =>
    [...[r.cluster, r.source, r.from, r.to, r.kind].map(csvText), Math.round(r.ufsBytes), Math.round(r.servedBytes), r.requests, money(r.actualCents), money(r.withoutCacheCents), money(r.savingsCents)].join(","),
  );
  const t = report.totals;
  rows.push(["total", "", "", "", "", Math.round(t.ufsBytes), Math.round(t.servedBytes), report.routes.reduce((a, r) => a + r.requests, 0), money(t.actualCents), money(t.withoutCacheCents), money(t.grossSavingsCents)].join(","));
  return `${[header.join(","), ...rows].join("\r\n")}\r\n`;
}

/** The CSV of the Cost page's team table: its rows, then the total row, to the cent. */
export function teamsCsv(report: CsvReport): string {
  const header = ["team", "jobs", "object_store_bytes", "egress_usd", "without_cache_usd", "saved_usd"];
  const name = (t: CsvReport["teams"][number]) => (t.kind === "team" ? t.team : t.kind === "no-team" ? "(jobs without a team)" : "(unattributed)");
  const rows = report.teams.map((t) =>
    [csvText(name(t)), csvText(t.jobs.join(" ")), Math.round(t.ufsBytes), money(t.actualCents), money(t.withoutCacheCents), money(t.savingsCents)].join(","),
  );
  const t = report.totals;
  rows.push(["total", "", Math.round(t.ufsBytes), money(t.actualCents), money(t.withoutCacheCents), money(t.grossSavingsCents)].join(","));
  return `${[header.join(","), ...rows].join("\r\n")}\r\n`;
}
