import "server-only";

import { headers } from "next/headers";

/** The address producers should send to, for the snippets pages show: FLIGHTDECK_PUBLIC_URL, else this request's host. */
export async function getPublicOrigin(): Promise<string> {
  if (process.env.FLIGHTDECK_PUBLIC_URL) return process.env.FLIGHTDECK_PUBLIC_URL.replace(/\/$/, "");
  const h = await headers();
  const host = h.get("x-forwarded-host")?.split(",")[0]?.trim() || h.get("host") || "localhost:3000";
  const proto = h.get("x-forwarded-proto")?.split(",")[0]?.trim() || "http";
  return `${proto}://${host}`;
}
