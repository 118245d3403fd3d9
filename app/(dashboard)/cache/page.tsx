import type { Metadata } from "next";
import { EmptyState, PageHeader } from "../../_components/EmptyState";
import { getPublicOrigin } from "../../_lib/origin";
import { requireArea } from "../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../_trpc/server";
import { rangeInput } from "../gpus/search-params";
import { CacheClient } from "./client";
import { readSearchParams } from "../../_lib/search-params";

export const metadata: Metadata = { title: "Cache" };

export default async function CachePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireArea("cache", "/cache");
  const origin = await getPublicOrigin();
  const params = await readSearchParams(searchParams);
  prefetch(trpc.cache.clusters.queryOptions(rangeInput(params)));
  const empty = (
    <EmptyState
      title="No cache metrics in this range"
      needs={[
        <>
          Alluxio 3.x: <code>alluxio_cached_data_read_bytes_total</code>, <code>alluxio_ufs_data_access_bytes_total</code>,{" "}
          <code>alluxio_cached_capacity_bytes</code>, <code>alluxio_cached_storage_bytes</code>.
        </>,
        <>
          Alluxio 2.x: <code>Cluster_BytesReadLocal</code>, <code>Cluster_BytesReadRemote</code>,{" "}
          <code>Cluster_BytesReadUfsAll</code>, <code>Cluster_CapacityTotal</code>, <code>Cluster_CapacityUsed</code>.
        </>,
        <>
          A <code>cache_cluster</code> label (add it as an extra label on the scrape target) so jobs and costs can be
          tied to the cluster that feeds them; without it each scrape instance is its own cluster.
        </>,
      ]}
    >
      <p>
        Have Flightdeck scrape the master&apos;s <code>/metrics/prometheus/</code> (2.x) or each worker&apos;s{" "}
        <code>/metrics</code> (3.x) — an admin adds scrape targets in Settings — or remote-write them from Prometheus:
      </p>
      <pre>
        <code>{`remote_write:
  - url: ${origin}/api/v1/write
  authorization:
    credentials: <API token>`}</code>
      </pre>
    </EmptyState>
  );
  return (
    <>
      <PageHeader title="Cache">
        Hit ratio, bytes served from cache versus read from the under-storage (S3, GCS), capacity, and cold model
        loads, per cache cluster.
      </PageHeader>
      <HydrateClient>
        <CacheClient empty={empty} />
      </HydrateClient>
    </>
  );
}
