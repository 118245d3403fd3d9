import { z } from "zod";

/**
 * What an admin enters for a scrape target, checked the same way in the form and on the server. No server imports:
 * the Settings page bundles this.
 */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const MAX_TARGET_LABELS = 20;

/** `cluster=us-east, region=eu` → `{cluster: "us-east", region: "eu"}`; an error names the first bad pair. */
export function parseLabelList(text: string): { labels: Record<string, string> } | { error: string } {
  const labels: Record<string, string> = {};
  for (const part of text.split(/[,\n]/).map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) return { error: `"${part}" is not name=value.` };
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
    if (!LABEL_NAME.test(name) || name.startsWith("__")) return { error: `"${name}" is not a label name (letters, digits and _, not starting with __).` };
    if (name in labels) return { error: `The label ${name} is given twice.` };
    labels[name] = value;
  }
  if (Object.keys(labels).length > MAX_TARGET_LABELS) return { error: `At most ${MAX_TARGET_LABELS} extra labels.` };
  return { labels };
}

/** Sorted by name, as Prometheus shows label sets (Postgres' jsonb keeps its own key order, not the one typed). */
export function formatLabelList(labels: Record<string, string>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join(", ");
}

export const ScrapeTargetInput = z
  .object({
    url: z
      .string()
      .trim()
      .max(2000)
      .refine((text) => {
        try {
          const url = new URL(text);
          return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
        } catch {
          return false;
        }
      }, "Give the page's full address, e.g. http://gpu-node-1:9400/metrics."),
    jobName: z.string().trim().min(1, "Name the job, e.g. dcgm-exporter; it becomes the job label.").max(200),
    intervalSeconds: z.number().int().min(1, "Scrape at most once a second.").max(3600, "Scrape at least once an hour.").default(15),
    timeoutSeconds: z.number().int().min(1).max(3600).default(10),
    labels: z
      .record(z.string().regex(LABEL_NAME, "Label names are letters, digits and _.").max(100), z.string().max(4096))
      .refine((labels) => Object.keys(labels).length <= MAX_TARGET_LABELS, `At most ${MAX_TARGET_LABELS} extra labels.`)
      .refine((labels) => !Object.keys(labels).some((name) => name.startsWith("__")), "Label names starting with __ are reserved.")
      .default({}),
    enabled: z.boolean().default(true),
  })
  .refine((t) => t.timeoutSeconds <= t.intervalSeconds, { path: ["timeoutSeconds"], message: "The timeout must not be longer than the interval." });
export type ScrapeTargetInput = z.output<typeof ScrapeTargetInput>;

/** Prometheus' `instance` label: host and port of the address, the port filled in from the scheme. */
export function instanceOf(address: string): string {
  const url = new URL(address);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const host = url.hostname.includes(":") && !url.hostname.startsWith("[") ? `[${url.hostname}]` : url.hostname;
  return `${host}:${port}`;
}
