import type { Metadata } from "next";
import { requireArea } from "../../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../../_trpc/server";
import { ScrapeClient } from "./client";

export const metadata: Metadata = { title: "Scrape targets" };

export default async function ScrapePage() {
  await requireArea("settings", "/settings/scrape");
  prefetch(trpc.scrape.list.queryOptions());
  return (
    <HydrateClient>
      <ScrapeClient />
    </HydrateClient>
  );
}
