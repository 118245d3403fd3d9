import type { Metadata } from "next";
import { EmptyState, PageHeader } from "../../_components/EmptyState";
import { getPublicOrigin } from "../../_lib/origin";
import { requireArea } from "../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../_trpc/server";
import { rangeInput } from "../gpus/search-params";
import { JobsClient } from "./client";
import { readSearchParams } from "../../_lib/search-params";

export const metadata: Metadata = { title: "Jobs" };

export default async function JobsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireArea("jobs", "/jobs");
  const origin = await getPublicOrigin();
  const params = await readSearchParams(searchParams);
  prefetch(trpc.jobs.list.queryOptions(rangeInput(params)));
  const empty = (
    <EmptyState
      title="No training jobs in this range"
      needs={[
        <>
          Counters <code>training_step_seconds_total</code> and <code>training_data_wait_seconds_total</code> (time
          blocked in <code>next(dataloader)</code>), labelled <code>job</code> and <code>rank</code>.
        </>,
        <>
          Optional progress counters <code>training_steps_total</code>, <code>training_samples_total</code>,{" "}
          <code>training_tokens_total</code>, and <code>training_job_info{"{job, team, model, dataset, cache_cluster}"} 1</code>.
        </>,
        <>
          Also understood: OTLP histograms <code>training.step.duration</code> / <code>training.dataloader.wait</code>{" "}
          (seconds), which land as <code>training_step_duration_seconds_sum</code> and{" "}
          <code>training_dataloader_wait_seconds_sum</code>, and Ray Data&apos;s <code>ray_data_iter_total_blocked_seconds</code> /{" "}
          <code>ray_data_iter_user_seconds</code> per <code>dataset</code> and <code>split</code>.
        </>,
      ]}
    >
      <p>From an OpenTelemetry SDK, with a token that has <code>metrics:write</code>:</p>
      <pre>
        <code>{`OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=${origin}/api/v1/otlp/v1/metrics
OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <API token>"`}</code>
      </pre>
      <p>or push a Prometheus text page:</p>
      <pre>
        <code>{`curl -H "Authorization: Bearer <API token>" \\
  --data-binary @metrics.prom ${origin}/api/v1/import/prometheus`}</code>
      </pre>
    </EmptyState>
  );
  return (
    <>
      <PageHeader title="Jobs">
        How much of each training job&apos;s time goes to waiting for data, what that costs in GPU-hours, and whether
        the cache is the reason.
      </PageHeader>
      <HydrateClient>
        <JobsClient empty={empty} />
      </HydrateClient>
    </>
  );
}
