import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "../../../_components/EmptyState";
import { requireArea } from "../../../_lib/session";
import { HydrateClient } from "../../../_trpc/server";
import { ModelClient } from "./client";

export async function generateMetadata({ params }: { params: Promise<{ model: string }> }): Promise<Metadata> {
  return { title: `Model ${decodeURIComponent((await params).model)}` };
}

export default async function ModelPage({ params }: { params: Promise<{ model: string }> }) {
  const model = decodeURIComponent((await params).model);
  await requireArea("explanations", `/explanations/${encodeURIComponent(model)}`);
  return (
    <>
      <PageHeader title={`Model ${model}`}>
        <Link href={`/explanations?model=${encodeURIComponent(model)}`}>← Its predictions</Link> · What the model relies on, version by version.
      </PageHeader>
      <HydrateClient>
        <ModelClient model={model} />
      </HydrateClient>
    </>
  );
}
