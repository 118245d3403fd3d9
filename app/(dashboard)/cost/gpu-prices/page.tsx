import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "../../../_components/EmptyState";
import { requireArea } from "../../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../../_trpc/server";
import { GpuPricesClient } from "./client";

export const metadata: Metadata = { title: "GPU prices" };

export default async function GpuPricesPage() {
  await requireArea("cost", "/cost/gpu-prices");
  prefetch(trpc.gpus.prices.queryOptions());
  return (
    <>
      <PageHeader title="GPU prices">
        <Link href="/cost">← Cost</Link> · What a GPU-hour costs, by model. The GPUs page prices idle-held and unallocated GPU-hours with these.
      </PageHeader>
      <HydrateClient>
        <GpuPricesClient />
      </HydrateClient>
    </>
  );
}
