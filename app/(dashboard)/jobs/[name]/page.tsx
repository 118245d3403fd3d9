import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "../../../_components/EmptyState";
import { requireArea } from "../../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../../_trpc/server";
import { rangeInput } from "../../gpus/search-params";
import { JobDetailClient } from "./client";
import { readSearchParams } from "../../../_lib/search-params";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }): Promise<Metadata> {
  return { title: `Job ${decodeURIComponent((await params).name)}` };
}

export default async function JobPage({
  params,
  searchParams,
}: {
  params: Promise<{ name: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const name = decodeURIComponent((await params).name);
  await requireArea("jobs", `/jobs/${encodeURIComponent(name)}`);
  const query = await readSearchParams(searchParams);
  prefetch(trpc.jobs.detail.queryOptions({ ...rangeInput(query), name }));
  const back = rangeInput(query);
  return (
    <>
      <PageHeader title={name}>
        <Link href={`/jobs${Object.keys(back).length ? `?${new URLSearchParams(back)}` : ""}`}>← All jobs</Link>
      </PageHeader>
      <HydrateClient>
        <JobDetailClient name={name} />
      </HydrateClient>
    </>
  );
}
