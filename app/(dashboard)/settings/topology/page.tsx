import type { Metadata } from "next";
import { requireArea } from "../../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../../_trpc/server";
import { TopologyClient } from "./client";

export const metadata: Metadata = { title: "Topology" };

export default async function TopologyPage() {
  await requireArea("settings", "/settings/topology");
  prefetch(trpc.cost.topology.queryOptions());
  return (
    <HydrateClient>
      <TopologyClient />
    </HydrateClient>
  );
}
