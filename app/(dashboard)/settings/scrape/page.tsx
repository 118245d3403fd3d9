import type { Metadata } from "next";
import { requireArea } from "../../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../../_trpc/server";
import { EngineNotice } from "../engine-notice";
import { ScrapeClient } from "./client";

export const metadata: Metadata = { title: "Scrape targets" };

export default async function ScrapePage() {
  await requireArea("settings", "/settings/scrape");
  prefetch(trpc.scrape.list.queryOptions());
  return (
    <HydrateClient>
      <EngineNotice what="its own scraper is off, so these targets are not scraped." />
      <ScrapeClient />
    </HydrateClient>
  );
}
