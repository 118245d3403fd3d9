/**
 * The demo's model server: the six inference pods of gpu-node-04 (re)load llama-3-8b every two hours, staggered, as
 * autoscaling and rolling restarts do. A load is served by cache-us-west, unless it is a pod's first or the cache had
 * evicted the weights, in which case it comes from the bucket and takes ten times as long. Exposed as a model server's
 * `/metrics` would: a `model_load_seconds` histogram and `model_load_bytes_total`, labelled by `source`.
 */
import { DEMO_SEED, HOUR_MS, INFERENCE_GPUS, MINUTE_MS, noise } from "./scenario";

const MODEL = "llama-3-8b-instruct";
const WEIGHTS_BYTES = 16_060_000_000;
const EVERY_MS = 2 * HOUR_MS;
const BUCKETS = [5, 10, 20, 30, 60, 120, 300];

export interface ModelLoad {
  pod: string;
  atMs: number;
  source: "cache" | "origin";
  seconds: number;
}

/** Every load that has finished by `tMs`, deterministic from the seed. */
export function modelLoads(originMs: number, tMs: number, seed = DEMO_SEED): ModelLoad[] {
  const loads: ModelLoad[] = [];
  INFERENCE_GPUS.forEach((gpu, p) => {
    const pod = `vllm-llama3-8b-${gpu}`;
    for (let k = 0; ; k++) {
      const u = (key: string) => (noise(seed, `load:${pod}:${key}`, k) + 1) / 2;
      const source = k === 0 || u("evicted") < 0.1 ? "origin" : "cache";
      const seconds = source === "origin" ? 70 + 50 * u("s") : 6 + 6 * u("s");
      const atMs = originMs + p * 20 * MINUTE_MS + k * EVERY_MS + seconds * 1000;
      if (atMs > tMs) break;
      loads.push({ pod, atMs, source, seconds });
    }
  });
  return loads;
}

/** The model server's page at `tMs`: cumulative histogram and bytes per source. */
export function renderModelServerPage(originMs: number, tMs: number): string {
  const loads = modelLoads(originMs, tMs);
  const out = [
    "# HELP model_load_seconds Time to load model weights into GPU memory",
    "# TYPE model_load_seconds histogram",
  ];
  for (const source of ["cache", "origin"] as const) {
    const mine = loads.filter((l) => l.source === source);
    const labels = `model="${MODEL}",source="${source}"`;
    for (const le of BUCKETS) out.push(`model_load_seconds_bucket{${labels},le="${le}"} ${mine.filter((l) => l.seconds <= le).length}`);
    out.push(`model_load_seconds_bucket{${labels},le="+Inf"} ${mine.length}`);
    out.push(`model_load_seconds_sum{${labels}} ${mine.reduce((a, l) => a + l.seconds, 0).toFixed(3)}`);
    out.push(`model_load_seconds_count{${labels}} ${mine.length}`);
  }
  out.push("# HELP model_load_bytes_total Bytes of model weights loaded", "# TYPE model_load_bytes_total counter");
  for (const source of ["cache", "origin"] as const) {
    out.push(`model_load_bytes_total{model="${MODEL}",source="${source}"} ${loads.filter((l) => l.source === source).length * WEIGHTS_BYTES}`);
  }
  return `${out.join("\n")}\n`;
}
