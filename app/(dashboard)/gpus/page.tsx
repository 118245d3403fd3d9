import type { Metadata } from "next";
import Link from "next/link";
import { canAccess } from "@/server/auth/roles";
import { EmptyState, PageHeader } from "../../_components/EmptyState";
import { getPublicOrigin } from "../../_lib/origin";
import { requireArea } from "../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../_trpc/server";
import { GpusClient } from "./client";
import { rangeInput } from "./search-params";
import { readSearchParams } from "../../_lib/search-params";

export const metadata: Metadata = { title: "GPUs" };

export default async function GpusPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireArea("gpus", "/gpus");
  const origin = await getPublicOrigin();
  const params = await readSearchParams(searchParams);
  prefetch(trpc.gpus.fleet.queryOptions(rangeInput(params)));
  const empty = (
    <EmptyState
      title="No GPU metrics in this range"
      needs={[
        <>
          <code>DCGM_FI_PROF_SM_ACTIVE</code> (or <code>DCGM_FI_PROF_GR_ENGINE_ACTIVE</code>) from NVIDIA dcgm-exporter: how busy each
          GPU really is. These profiling fields are off in the exporter&apos;s default CSV; use <code>dcp-metrics-included.csv</code>.
        </>,
        <>
          <code>DCGM_FI_DEV_GPU_UTIL</code>, <code>DCGM_FI_PROF_PIPE_TENSOR_ACTIVE</code>, <code>DCGM_FI_PROF_DRAM_ACTIVE</code>,{" "}
          <code>DCGM_FI_DEV_FB_USED</code>, <code>DCGM_FI_DEV_POWER_USAGE</code>, <code>DCGM_FI_DEV_GPU_TEMP</code> for the detail charts.
        </>,
        <>
          The exporter&apos;s labels <code>UUID</code>, <code>Hostname</code>, <code>modelName</code>, <code>gpu</code>, and{" "}
          <code>pod</code>/<code>namespace</code> (Kubernetes) or <code>hpc_job</code> to tell which workload holds a GPU.
        </>,
      ]}
    >
      <p>Either point an existing Prometheus at Flightdeck with remote_write (a token with <code>metrics:write</code>):</p>
      <pre>
        <code>{`remote_write:
  - url: ${origin}/api/v1/write
    authorization:
      credentials: <API token>`}</code>
      </pre>
      <p>
        or let Flightdeck scrape each exporter&apos;s <code>http://&lt;node&gt;:9400/metrics</code>
        {user.role === "admin" ? (
          <>
            {" "}
            (<Link href="/settings/scrape">Settings → Scrape targets</Link>).
          </>
        ) : (
          <> (an admin adds scrape targets in Settings).</>
        )}
      </p>
    </EmptyState>
  );
  return (
    <>
      <PageHeader title="GPUs">
        Which GPUs do real work, which only look busy, and which are held idle — by SM activity, not by NVML&apos;s utilization alone.
      </PageHeader>
      <HydrateClient>
        <GpusClient empty={empty} canSetPrices={canAccess(user.role, "cost")} />
      </HydrateClient>
    </>
  );
}
