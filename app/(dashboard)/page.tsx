import type { Metadata } from "next";
import Link from "next/link";
import { type Area, canAccess } from "@/server/auth/roles";
import { PageHeader } from "../_components/EmptyState";
import { requireArea } from "../_lib/session";
import { HydrateClient, prefetch, trpc } from "../_trpc/server";
import { Annotations } from "./_overview/Annotations";
import { OverviewClient } from "./_overview/OverviewClient";
import { rangeInput } from "./gpus/search-params";
import { readSearchParams } from "../_lib/search-params";

export const metadata: Metadata = { title: "Overview" };

const AREAS: { area: Area; title: string; text: string }[] = [
  { area: "gpus", title: "GPUs", text: "dcgm-exporter metrics: which GPUs work, which only look busy, which sit idle while held." },
  { area: "jobs", title: "Jobs", text: "Training-step and data-wait counters: how much of each job is spent waiting for data." },
  { area: "cache", title: "Cache", text: "Alluxio metrics: hit ratio and bytes read from S3/GCS per cache cluster." },
  { area: "cost", title: "Cost", text: "Cache bytes priced by route: what egress cost this month and what caching saved." },
  { area: "explanations", title: "Explanations", text: "Per-prediction attributions, with quality checks and a view log." },
];

function AreaCards({ areas }: { areas: typeof AREAS }) {
  return (
    <div className="grid-2">
      {areas.map((a) => (
        <section key={a.area} className="card">
          <h2>
            <Link href={`/${a.area}`}>{a.title}</Link>
          </h2>
          <p className="muted">{a.text}</p>
          <span className="badge">waiting for data</span>
        </section>
      ))}
    </div>
  );
}

export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireArea("overview", "/");
  const params = await readSearchParams(searchParams);
  prefetch(trpc.overview.get.queryOptions(rangeInput(params)));
  const visible = AREAS.filter((a) => canAccess(user.role, a.area));
  const fallback = (
    <>
      {user.role === "admin" && (
        <section className="card">
          <h2>Get data flowing</h2>
          <ol>
            <li>
              Create an API token with the scopes a producer needs in <Link href="/settings/tokens">Settings → API tokens</Link>.
            </li>
            <li>Point Prometheus remote_write, an OpenTelemetry exporter or an explanation job at Flightdeck (each page says how).</li>
            <li>
              Invite engineers, ops and finance in <Link href="/settings/users">Settings → Users</Link>; each role sees only its pages.
            </li>
          </ol>
        </section>
      )}
      <AreaCards areas={visible} />
    </>
  );
  return (
    <>
      <PageHeader title="Overview">What to look at first across GPUs, data-loading stalls, the cache, cost and explanations, for the range above.</PageHeader>
      <HydrateClient>
        <OverviewClient fallback={fallback} />
      </HydrateClient>
      <Annotations userEmail={user.email} isAdmin={user.role === "admin"} />
    </>
  );
}
