import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "../../../_components/EmptyState";
import { requireArea } from "../../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../../_trpc/server";
import { PriceBookClient } from "./client";

export const metadata: Metadata = { title: "Price book" };

export default async function PriceBookPage() {
  await requireArea("cost", "/cost/prices");
  prefetch(trpc.cost.prices.queryOptions());
  prefetch(trpc.cost.budgets.queryOptions());
  return (
    <>
      <PageHeader title="Price book">
        <Link href="/cost">← Cost</Link> · Egress and request prices by cloud, each with its source and the date it applies from. A new price is a new
        row: months before its date keep the prices they had.
      </PageHeader>
      <HydrateClient>
        <PriceBookClient />
      </HydrateClient>
    </>
  );
}
