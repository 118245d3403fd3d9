import type { Metadata } from "next";
import { getPublicOrigin } from "../../../_lib/origin";
import { requireArea } from "../../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../../_trpc/server";
import { TokensClient } from "./client";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage() {
  await requireArea("settings", "/settings/tokens");
  prefetch(trpc.tokens.list.queryOptions());
  return (
    <HydrateClient>
      <TokensClient origin={await getPublicOrigin()} />
    </HydrateClient>
  );
}
