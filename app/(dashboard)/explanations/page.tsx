import type { Metadata } from "next";
import { EmptyState, PageHeader } from "../../_components/EmptyState";
import { getPublicOrigin } from "../../_lib/origin";
import { requireArea } from "../../_lib/session";
import { HydrateClient, prefetch, trpc } from "../../_trpc/server";
import { ExplanationsClient } from "./client";

export const metadata: Metadata = { title: "Explanations" };

export default async function ExplanationsPage() {
  await requireArea("explanations", "/explanations");
  const origin = await getPublicOrigin();
  prefetch(trpc.explanations.models.queryOptions());
  const empty = (
      <EmptyState
        title="No explanations stored yet"
        needs={[
          <>
            One record per prediction: <code>prediction_id</code>, <code>model</code>, <code>model_version</code>,{" "}
            <code>method</code> (Integrated Gradients, KernelSHAP, …), <code>output</code>, <code>reference</code> and
            the features with their values and attributions.
          </>,
          <>Alibi&apos;s <code>Explanation.to_json()</code> and shap-style arrays are accepted as they are.</>,
        ]}
      >
        <p>
          POST JSON or JSON lines with a token that has <code>explanations:write</code>:
        </p>
        <pre>
          <code>{`curl -H "Authorization: Bearer <API token>" \\
  -H "Content-Type: application/x-ndjson" \\
  --data-binary @explanations.jsonl ${origin}/api/v1/explanations`}</code>
        </pre>
        <pre>
          <code>{`{"prediction_id":"p-1042","model":"eta","model_version":"7",
 "ts":"2026-11-22T10:00:00Z","method":"integrated_gradients",
 "output":14.2,"reference":11.0,"reference_kind":"baseline",
 "output_space":"identity","features":[
   {"name":"traffic_density","value":0.83,"attribution":2.1},
   {"name":"distance_km","value":5.2,"attribution":1.1}]}`}</code>
        </pre>
      </EmptyState>
  );
  return (
    <>
      <PageHeader title="Explanations">
        Why the model decided what it did for one prediction: attributions, plain-language reasons, a quality badge,
        and a record of who looked.
      </PageHeader>
      <HydrateClient>
        <ExplanationsClient empty={empty} />
      </HydrateClient>
    </>
  );
}
