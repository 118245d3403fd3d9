import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getDb } from "@/db";
import { needsSetup } from "@/server/auth/setup";
import { SetupForm } from "./client";

export const metadata: Metadata = { title: "Set up" };

export default async function SetupPage() {
  if (!(await needsSetup(await getDb()))) redirect("/login");
  return <SetupForm />;
}
