import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState, PageHeader } from "../../_components/EmptyState";
import { requireArea } from "../../_lib/session";

export const metadata: Metadata = { title: "Cost" };

export default async function CostPage() {
  const user = await requireArea("cost", "/cost");
  return (
    <>
      <PageHeader title="Cost">
        What moving data cost this month, what the cache saved, and what is coming — from a versioned price book, with
        every total equal to the sum of its rows.
      </PageHeader>
      <section className="card">
        <h2>
          <Link href="/cost/gpu-prices">GPU prices</Link>
        </h2>
        <p className="muted">What a GPU-hour costs, by GPU model: the GPUs page prices idle-held and unallocated GPU-hours with it.</p>
      </section>
      <EmptyState
        title="Nothing to price yet"
        needs={[
          <>Cache metrics with bytes read from the under-storage and bytes served from cache, per cluster (see Cache).</>,
          <>
            The topology: which cloud, region and zone each cache cluster sits in, and which bucket or under-storage
            address lives where. Bytes from an unmapped source are listed as “unmapped”, never dropped.
          </>,
          <>Prices: Flightdeck ships public list prices for AWS, GCP and Azure egress and requests, each with its source.</>,
        ]}
      >
        <p>
          Once cache metrics arrive,{" "}
          {user.role === "admin" ? (
            <>
              map clusters and buckets to regions in <Link href="/settings">Settings</Link>.
            </>
          ) : (
            <>ask an admin to map clusters and buckets to regions in Settings.</>
          )}{" "}
          Finance can then set budgets per team or cluster here and export the rows on screen as CSV.
        </p>
      </EmptyState>
    </>
  );
}
