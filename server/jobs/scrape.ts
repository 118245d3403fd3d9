import { type ScrapeOutcome, startDueScrapes } from "@/server/ingest/scraper";
import { sinkFor } from "@/server/ingest/sink";
import { retentionFromEnv } from "./retention";
import type { JobDefinition } from "./runner";

/** Scrapes started by this process and still running, by target id. */
const inFlight = new Map<number, Promise<ScrapeOutcome>>();

/**
 * Every second: claim the scrape targets that are due and start them. The run does not wait for the scrapes, so a
 * target that hangs until its timeout delays nobody else.
 */
export const scrapeJob: JobDefinition = {
  name: "scrape",
  everyMs: 1_000,
  async run(ctx) {
    const started = await startDueScrapes(ctx.db, sinkFor(ctx.db), inFlight, {
      nowMs: ctx.now().getTime(),
      rawRetentionMs: retentionFromEnv().rawMs,
      onError: (error) => console.error("Flightdeck scrape failed:", error instanceof Error ? error.message : error),
    });
    return { started, running: inFlight.size };
  },
};
