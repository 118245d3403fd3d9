import { z } from "zod";
import { RowId } from "../ids";
import { AppError } from "@/server/errors";
import { ScrapeTargetInput } from "@/server/ingest/scrape-config";
import { createScrapeTarget, deleteScrapeTarget, listScrapeTargets, updateScrapeTarget } from "@/server/ingest/scrape-targets";
import { loadTarget, scrapeOnce } from "@/server/ingest/scraper";
import { getSourcesReport } from "@/server/ingest/source-report";
import { sinkFor } from "@/server/ingest/sink";
import { retentionFromEnv } from "@/server/jobs/retention";
import { adminProcedure, createTRPCRouter } from "../trpc";

const TargetId = z.object({ id: RowId });

export const scrapeRouter = createTRPCRouter({
  list: adminProcedure.query(({ ctx }) => listScrapeTargets(ctx.db)),

  /** Settings → Sources: what every token and scrape target delivered, and what was refused and why. */
  sources: adminProcedure.query(({ ctx }) => getSourcesReport(ctx.db)),

  create: adminProcedure
    .input(ScrapeTargetInput)
    .mutation(({ ctx, input }) => createScrapeTarget(ctx.db, input, { userId: ctx.user.id, ip: ctx.request.ip })),

  update: adminProcedure
    .input(z.object({ id: RowId, target: ScrapeTargetInput }))
    .mutation(({ ctx, input }) => updateScrapeTarget(ctx.db, input.id, input.target, { userId: ctx.user.id, ip: ctx.request.ip })),

  delete: adminProcedure.input(TargetId).mutation(async ({ ctx, input }) => {
    await deleteScrapeTarget(ctx.db, input.id, { userId: ctx.user.id, ip: ctx.request.ip });
    return { ok: true as const };
  }),

  /** Scrapes one target at once and says what happened, for checking a new target without waiting. */
  scrapeNow: adminProcedure.input(TargetId).mutation(async ({ ctx, input }) => {
    const target = await loadTarget(ctx.db, input.id);
    if (!target) throw new AppError("NOT_FOUND", `Scrape target ${input.id} does not exist.`);
    return scrapeOnce(ctx.db, sinkFor(ctx.db), target, { rawRetentionMs: retentionFromEnv().rawMs });
  }),
});
