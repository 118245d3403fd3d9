/** The Cost page's period in the URL: this month so far (the default), last month, or the shared time range. */
export const PERIODS = [
  { id: "mtd", label: "This month" },
  { id: "last-month", label: "Last month" },
  { id: "range", label: "Time range above" },
] as const;
export type Period = (typeof PERIODS)[number]["id"];

export function readPeriod(params: URLSearchParams): Period {
  const p = params.get("period");
  return p === "last-month" || p === "range" ? p : "mtd";
}
