import type { Metadata } from "next";
import { HydrateClient, prefetch, trpc } from "../../../_trpc/server";
import { requireArea } from "../../../_lib/session";
import { UsersClient } from "./client";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const me = await requireArea("settings", "/settings/users");
  prefetch(trpc.users.list.queryOptions());
  return (
    <HydrateClient>
      <UsersClient myId={me.id} />
    </HydrateClient>
  );
}
