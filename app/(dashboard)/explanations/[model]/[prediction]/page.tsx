import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "../../../../_components/EmptyState";
import { requireArea } from "../../../../_lib/session";
import { HydrateClient } from "../../../../_trpc/server";
import { PredictionClient } from "./client";

export async function generateMetadata({ params }: { params: Promise<{ prediction: string }> }): Promise<Metadata> {
  return { title: `Prediction ${decodeURIComponent((await params).prediction)}` };
}

export default async function PredictionPage({ params }: { params: Promise<{ model: string; prediction: string }> }) {
  const { model, prediction } = await params;
  const m = decodeURIComponent(model);
  const p = decodeURIComponent(prediction);
  await requireArea("explanations", `/explanations/${encodeURIComponent(m)}/${encodeURIComponent(p)}`);
  // Not prefetched on the server: the view is audited once, when the browser asks for it.
  return (
    <>
      <PageHeader title={`Prediction ${p}`}>
        <Link href="/explanations">← Explanations</Link> · model {m}
      </PageHeader>
      <HydrateClient>
        <PredictionClient model={m} predictionId={p} />
      </HydrateClient>
    </>
  );
}
