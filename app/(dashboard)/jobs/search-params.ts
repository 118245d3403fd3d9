/** The jobs table's sort in the URL, beside the range. */
export const JOB_SORT_COLUMNS = ["name", "status", "gpus", "stall", "gpuBusy", "mfu", "stalledHours", "stallUsd", "idleHeldUsd"] as const;
export type JobSortColumn = (typeof JOB_SORT_COLUMNS)[number];

export function readJobTableState(params: URLSearchParams): { sort: JobSortColumn; desc: boolean } {
  const sort = params.get("sort");
  const known = (JOB_SORT_COLUMNS as readonly string[]).includes(sort ?? "");
  // By default the jobs whose stalls cost the most come first.
  return { sort: known ? (sort as JobSortColumn) : "stallUsd", desc: known ? params.get("dir") === "desc" : true };
}
