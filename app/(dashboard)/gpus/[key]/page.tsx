import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "../../../_components/EmptyState";
import { requireArea } from "../../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../../_trpc/server";
import { rangeInput } from "../search-params";
import { GpuDetailClient } from "./client";
import { readSearchParams } from "../../../_lib/search-params";

export async function generateMetadata({ params }: { params: Promise<{ key: string }> }): Promise<Metadata> {
  return { title: `GPU ${decodeURIComponent((await params).key)}` };
}

export default async function GpuPage({
  params,
  searchParams,
}: {
  params: Promise<{ key: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const key = decodeURIComponent((await params).key);
  await requireArea("gpus", `/gpus/${encodeURIComponent(key)}`);
  const query = await readSearchParams(searchParams);
  prefetch(trpc.gpus.detail.queryOptions({ ...rangeInput(query), key }));
  const back = rangeInput(query);
  return (
    <>
      <PageHeader title="GPU">
        <Link href={`/gpus${Object.keys(back).length ? `?${new URLSearchParams(back)}` : ""}`}>← All GPUs</Link>
      </PageHeader>
      <HydrateClient>
        <GpuDetailClient gpuKey={key} />
      </HydrateClient>
    </>
  );
}
