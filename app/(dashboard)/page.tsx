import type { Metadata } from "next";
import Link from "next/link";
import { getDb } from "@/db";
import { canAccess, type Area } from "@/server/auth/roles";
import { getGpuFleet } from "@/server/query/gpus";
import { listGpuPrices } from "@/server/query/gpu-prices";
import { parseTimeRange, rangeToSearchParams } from "@/server/query/range";
import { formatHours, formatPercent, formatUsd } from "../_lib/format";
import { PageHeader } from "../_components/EmptyState";
import { requireArea } from "../_lib/session";
import { Annotations } from "./_overview/Annotations";

export const metadata: Metadata = { title: "Overview" };

const STEPS: { area: Area; title: string; text: string }[] = [
  { area: "gpus", title: "GPUs", text: "dcgm-exporter metrics: which GPUs work, which only look busy, which sit idle while held." },
  { area: "jobs", title: "Jobs", text: "Training-step and data-wait counters: how much of each job is spent waiting for data." },
  { area: "cache", title: "Cache", text: "Alluxio metrics: hit ratio and bytes read from S3/GCS per cache cluster." },
  { area: "cost", title: "Cost", text: "Cache bytes priced by route: what egress cost this month and what caching saved." },
  { area: "explanations", title: "Explanations", text: "Per-prediction attributions, with quality checks and a view log." },
];

/** The GPU fleet in one line for the Overview, over the page's range; null while no GPU reports. */
async function gpuSummary(params: Record<string, string | string[] | undefined>) {
  const { range } = parseTimeRange(params, Date.now());
  const db = await getDb();
  const fleet = await getGpuFleet(db, { startMs: range.startMs, endMs: range.endMs }, undefined, await listGpuPrices(db));
  if (fleet.funnel.total === 0) return null;
  return { fleet, query: new URLSearchParams(rangeToSearchParams(range)).toString() };
}

export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireArea("overview", "/");
  const visible = STEPS.filter((step) => canAccess(user.role, step.area));
  const gpus = canAccess(user.role, "gpus") ? await gpuSummary(await searchParams) : null;
  return (
    <>
      <PageHeader title="Overview">
        Where GPUs, data-loading stalls, cache, cost and explanations meet.{" "}
        {gpus ? "Each area below fills in as soon as its producers send." : "Flightdeck has no data yet; each area below fills in as soon as its producers send."}
      </PageHeader>
      {user.role === "admin" && (
        <section className="card">
          <h2>Get data flowing</h2>
          <ol>
            <li>
              Create an API token with the scopes a producer needs in{" "}
              <Link href="/settings/tokens">Settings → API tokens</Link>.
            </li>
            <li>Point Prometheus remote_write, an OpenTelemetry exporter or an explanation job at Flightdeck (each page says how).</li>
            <li>
              Invite engineers, ops and finance in <Link href="/settings/users">Settings → Users</Link>; each role sees
              only its pages.
            </li>
          </ol>
        </section>
      )}
      <div className="grid-2">
        {visible.map((step) => (
          <section key={step.area} className="card">
            <h2>
              <Link href={step.area === "overview" ? "/" : `/${step.area}`}>{step.title}</Link>
            </h2>
            {step.area === "gpus" && gpus ? (
              <div data-testid="overview-gpus">
                <p>
                  <strong>{gpus.fleet.funnel.total.toLocaleString("en-US")} GPUs</strong> reporting ·{" "}
                  <strong>{formatPercent(gpus.fleet.funnel.totalHours > 0 ? gpus.fleet.funnel.busyHours / gpus.fleet.funnel.totalHours : null)}</strong> of
                  GPU-hours busy · <strong>{formatHours(gpus.fleet.funnel.idleHeldHours)}</strong> held idle
                  {gpus.fleet.cost && (
                    <>
                      {" "}
                      (
                      {formatUsd(gpus.fleet.cost.idleHeldUsd, { whole: true })})
                    </>
                  )}
                </p>
                <Link href={`/gpus?${gpus.query}`}>Open GPUs for this range →</Link>
              </div>
            ) : (
              <>
                <p className="muted">{step.text}</p>
                <span className="badge">waiting for data</span>
              </>
            )}
          </section>
        ))}
      </div>
      <Annotations userEmail={user.email} isAdmin={user.role === "admin"} />
    </>
  );
}
