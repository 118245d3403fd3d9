/**
 * The signals catalog: what real producers emit, mapped onto signals with one unit each (DESIGN.md, "Signals").
 * Pages and the HTTP API speak in signals; only this file knows raw metric names. Pure, and safe to bundle.
 */
import { z } from "zod";

export type SignalUnit = "ratio" | "bytes" | "watts" | "celsius" | "seconds";

export interface SignalSource {
  metric: string;
  /** Multiplies every stored value into the signal's unit, e.g. 0.01 for a percentage, 1,048,576 for MiB. */
  scale: number;
}

export interface SignalDefinition {
  name: string;
  title: string;
  unit: SignalUnit;
  kind: "gauge" | "counter";
  /** First match wins, per GPU (or per entity): a GPU that reports SM active never falls back to GR engine active. */
  sources: SignalSource[];
  description: string;
}

const MIB = 1024 * 1024;

export const BUILT_IN_SIGNALS: readonly SignalDefinition[] = [
  {
    name: "gpu_busy",
    title: "GPU busy (SM active)",
    unit: "ratio",
    kind: "gauge",
    sources: [
      { metric: "DCGM_FI_PROF_SM_ACTIVE", scale: 1 },
      { metric: "DCGM_FI_PROF_GR_ENGINE_ACTIVE", scale: 1 },
    ],
    description: "Share of time the GPU's streaming multiprocessors had work; graphics-engine activity where SM activity is not collected.",
  },
  {
    name: "gpu_util",
    title: "NVML utilization",
    unit: "ratio",
    kind: "gauge",
    sources: [{ metric: "DCGM_FI_DEV_GPU_UTIL", scale: 0.01 }],
    description: "Share of time any kernel was resident. High while kernels wait (e.g. in a collective), so shown beside busy, never instead of it.",
  },
  {
    name: "gpu_tensor_active",
    title: "Tensor pipe active",
    unit: "ratio",
    kind: "gauge",
    sources: [{ metric: "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", scale: 1 }],
    description: "Share of cycles the tensor cores were busy.",
  },
  {
    name: "gpu_dram_active",
    title: "Memory bandwidth active",
    unit: "ratio",
    kind: "gauge",
    sources: [{ metric: "DCGM_FI_PROF_DRAM_ACTIVE", scale: 1 }],
    description: "Share of cycles the device memory interface was busy.",
  },
  {
    name: "gpu_memory_used",
    title: "Memory used",
    unit: "bytes",
    kind: "gauge",
    sources: [{ metric: "DCGM_FI_DEV_FB_USED", scale: MIB }],
    description: "Frame buffer in use (dcgm-exporter reports MiB).",
  },
  {
    name: "gpu_memory_free",
    title: "Memory free",
    unit: "bytes",
    kind: "gauge",
    sources: [{ metric: "DCGM_FI_DEV_FB_FREE", scale: MIB }],
    description: "Frame buffer free (dcgm-exporter reports MiB).",
  },
  {
    name: "gpu_power",
    title: "Power",
    unit: "watts",
    kind: "gauge",
    sources: [{ metric: "DCGM_FI_DEV_POWER_USAGE", scale: 1 }],
    description: "Board power draw.",
  },
  {
    name: "gpu_temperature",
    title: "Temperature",
    unit: "celsius",
    kind: "gauge",
    sources: [{ metric: "DCGM_FI_DEV_GPU_TEMP", scale: 1 }],
    description: "GPU die temperature.",
  },
];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * `FLIGHTDECK_SIGNALS`: JSON that adds sources to built-in signals (tried after the built-in ones) or defines new
 * gauge signals, e.g. `{"gpu_busy":{"sources":[{"metric":"my_sm_active","scale":0.01}]}}`.
 */
export const SignalsConfig = z.record(
  z.string().regex(/^[a-z][a-z0-9_]*$/, "Signal names are lower-case letters, digits and _."),
  z.object({
    title: z.string().min(1).max(100).optional(),
    unit: z.enum(["ratio", "bytes", "watts", "celsius", "seconds"]).optional(),
    sources: z
      .array(
        z.object({
          metric: z.string().regex(METRIC_NAME, "A source needs a Prometheus metric name."),
          scale: z.number().finite().refine((n) => n !== 0, "A scale of 0 would erase the signal.").default(1),
        }),
      )
      .min(1)
      .max(20),
  }),
);

export type SignalCatalog = ReadonlyMap<string, SignalDefinition>;

/** The built-in catalog extended by configuration; throws a sentence naming the setting when it is malformed. */
export function buildCatalog(configText?: string): SignalCatalog {
  const catalog = new Map(BUILT_IN_SIGNALS.map((s) => [s.name, { ...s, sources: [...s.sources] }]));
  if (!configText?.trim()) return catalog;
  let json: unknown;
  try {
    json = JSON.parse(configText);
  } catch (error) {
    throw new Error(`FLIGHTDECK_SIGNALS is not JSON: ${(error as Error).message}`);
  }
  const parsed = SignalsConfig.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`FLIGHTDECK_SIGNALS at ${issue.path.join(".") || "top level"}: ${issue.message}`);
  }
  for (const [name, extra] of Object.entries(parsed.data)) {
    const existing = catalog.get(name);
    if (existing) {
      existing.sources.push(...extra.sources);
    } else {
      catalog.set(name, {
        name,
        title: extra.title ?? name,
        unit: extra.unit ?? "ratio",
        kind: "gauge",
        sources: extra.sources,
        description: "Defined in FLIGHTDECK_SIGNALS.",
      });
    }
  }
  return catalog;
}

let fromEnv: SignalCatalog | undefined;
/** The catalog of this process (built-in plus FLIGHTDECK_SIGNALS), built once. */
export function signalCatalog(): SignalCatalog {
  return (fromEnv ??= buildCatalog(process.env.FLIGHTDECK_SIGNALS));
}

export function getSignal(catalog: SignalCatalog, name: string): SignalDefinition | undefined {
  return catalog.get(name);
}
