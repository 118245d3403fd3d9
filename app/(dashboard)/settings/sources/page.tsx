import type { Metadata } from "next";
import { requireArea } from "../../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../../_trpc/server";
import { EngineNotice } from "../engine-notice";
import { SourcesClient } from "./client";

export const metadata: Metadata = { title: "Sources" };

export default async function SourcesPage() {
  await requireArea("settings", "/settings/sources");
  prefetch(trpc.scrape.sources.queryOptions());
  return (
    <HydrateClient>
      <EngineNotice what="its own ingest endpoints refuse metrics, so no source here sends any." />
      <SourcesClient />
    </HydrateClient>
  );
}
