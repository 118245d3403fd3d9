import { RANGE_PARAM_NAMES } from "@/server/query/range";

/** The GPU table's state in the URL (sort, filter), beside the range, so a view can be linked and reloaded. */
export const GPU_SORT_COLUMNS = ["host", "model", "mig", "workload", "busy", "util", "tensorActive", "memoryUsedBytes", "powerWatts", "temperatureMaxCelsius"] as const;
export type GpuSortColumn = (typeof GPU_SORT_COLUMNS)[number];
export const GPU_FLAG_FILTERS = ["idle-held", "divergent", "profiling-off"] as const;

export interface GpuTableState {
  sort: GpuSortColumn;
  desc: boolean;
  q: string;
  flag: (typeof GPU_FLAG_FILTERS)[number] | null;
}

export function readGpuTableState(params: URLSearchParams): GpuTableState {
  const sort = params.get("sort");
  const flag = params.get("flag");
  return {
    sort: (GPU_SORT_COLUMNS as readonly string[]).includes(sort ?? "") ? (sort as GpuSortColumn) : "host",
    desc: params.get("dir") === "desc",
    q: params.get("q") ?? "",
    flag: (GPU_FLAG_FILTERS as readonly string[]).includes(flag ?? "") ? (flag as GpuTableState["flag"]) : null,
  };
}

/** The range entries of a URL, as the gpus procedures take them. */
export function rangeInput(params: URLSearchParams): { range?: string; from?: string; to?: string } {
  const out: { range?: string; from?: string; to?: string } = {};
  for (const name of RANGE_PARAM_NAMES) {
    const value = params.get(name);
    if (value) out[name] = value;
  }
  return out;
}
