import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getDb } from "@/db";
import { needsSetup } from "@/server/auth/setup";
import { safeNextPath } from "../../_lib/next-path";
import { getCurrentUser } from "../../_lib/session";
import { SignInForm } from "./client";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const next = safeNextPath((await searchParams).next);
  if (await needsSetup(await getDb())) redirect("/setup");
  if (await getCurrentUser()) redirect(next);
  return <SignInForm next={next} />;
}
