import type { Metadata } from "next";
import { requireArea } from "../../../_lib/session";
import { HydrateClient } from "../../../_trpc/server";
import { AuditClient } from "./client";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage() {
  await requireArea("settings", "/settings/audit");
  return (
    <HydrateClient>
      <AuditClient />
    </HydrateClient>
  );
}
