import type { Metadata } from "next";
import Link from "next/link";
import { canAccess } from "@/server/auth/roles";
import { EmptyState, PageHeader } from "../../_components/EmptyState";
import { requireArea } from "../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../_trpc/server";
import { rangeInput } from "../gpus/search-params";
import { CostClient } from "./client";
import { readPeriod } from "./period";
import { readSearchParams } from "../../_lib/search-params";

export const metadata: Metadata = { title: "Cost" };

export default async function CostPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireArea("cost", "/cost");
  const params = await readSearchParams(searchParams);
  prefetch(trpc.cost.report.queryOptions({ ...rangeInput(params), period: readPeriod(params) }));
  const admin = canAccess(user.role, "settings");
  const empty = (
    <EmptyState
      title="Nothing to price yet"
      needs={[
        <>Cache metrics with bytes read from the under-storage and bytes served from cache, per cluster (see Cache).</>,
        <>
          The topology: which cloud, region and zone each cache cluster sits in, and which bucket or under-storage address lives where. Bytes from an
          unmapped source are listed as “unmapped”, never dropped.
        </>,
        <>Prices: Flightdeck ships public list prices for AWS, GCP and Azure egress and requests, each with its source (see the price book).</>,
      ]}
    >
      <p>
        Once cache metrics arrive,{" "}
        {admin ? (
          <>
            map clusters and buckets to regions in <Link href="/settings/topology">Settings → Topology</Link>.
          </>
        ) : (
          <>ask an admin to map clusters and buckets to regions in Settings → Topology.</>
        )}{" "}
        Finance can then set budgets and export the rows on screen as CSV.
      </p>
    </EmptyState>
  );
  return (
    <>
      <PageHeader title="Cost">
        What moving data cost, what the cache saved, and what is coming — priced by route from a versioned{" "}
        <Link href="/cost/prices">price book</Link>, every total the sum of its rows. GPU-hours are priced on <Link href="/cost/gpu-prices">GPU prices</Link>.
      </PageHeader>
      <HydrateClient>
        <CostClient empty={empty} canEditTopology={admin} />
      </HydrateClient>
    </>
  );
}
