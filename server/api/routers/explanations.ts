import { z } from "zod";
import { listAnnotations } from "@/server/annotations/annotations";
import { AppError } from "@/server/errors";
import { listModels, searchExplanations, SearchInput } from "@/server/explanations/search";
import { auditAccess, explanationJson, getExplanation } from "@/server/explanations/view";
import { explanationCsv } from "@/server/explanations/export";
import { compareVersions, importanceByDay, importanceSample, versionImportance } from "@/server/explanations/importance";
import { areaProcedure, createTRPCRouter } from "../trpc";

/** Explanations carry feature values and may hold personal data: ops and admin only, every view and export audited. */
const explanationsProcedure = areaProcedure("explanations");
const Key = z.object({ model: z.string().min(1).max(200), predictionId: z.string().min(1).max(200) });

export const explanationsRouter = createTRPCRouter({
  search: explanationsProcedure.input(SearchInput).query(({ ctx, input }) => searchExplanations(ctx.db, input)),

  models: explanationsProcedure.query(({ ctx }) => listModels(ctx.db)),

  /** A model's versions, global importance of one, its drift by day, and how another version's importance differs. */
  model: explanationsProcedure
    .input(z.object({ model: z.string().min(1).max(200), version: z.string().max(200).optional(), compare: z.string().max(200).optional() }))
    .query(async ({ ctx, input }) => {
      const versions = (await listModels(ctx.db)).filter((m) => m.model === input.model);
      if (versions.length === 0) throw new AppError("NOT_FOUND", `No explanations of model ${input.model} are stored.`);
      const version = versions.find((v) => v.modelVersion === input.version)?.modelVersion ?? versions.at(-1)!.modelVersion;
      const compare = versions.find((v) => v.modelVersion === input.compare && v.modelVersion !== version)?.modelVersion ?? versions.find((v) => v.modelVersion !== version)?.modelVersion ?? null;
      const importance = await versionImportance(ctx.db, input.model, version);
      const top = importance.slice(0, 10).map((f) => f.feature);
      const [sample, drift, shifts] = await Promise.all([
        importanceSample(ctx.db, input.model, version, top),
        importanceByDay(ctx.db, input.model, version, top.slice(0, 5)),
        compare ? compareVersions(ctx.db, input.model, compare, version) : Promise.resolve(null),
      ]);
      // Rollouts and incidents about this model (and global ones) over the days the drift chart spans.
      const days = drift.map((d) => d.dayMs);
      const annotations =
        days.length > 0
          ? await listAnnotations(ctx.db, { startMs: Math.min(...days), endMs: Math.max(...days) + 86_400_000, scopes: { model: [input.model] } })
          : [];
      return { model: input.model, versions, version, compare, importance, sample, drift, shifts, annotations };
    }),

  /** One prediction's explanation; the view is written to the audit log. */
  get: explanationsProcedure.input(Key).query(async ({ ctx, input }) => {
    const view = await getExplanation(ctx.db, input.model, input.predictionId);
    if (!view) throw new AppError("NOT_FOUND", `Model ${input.model} has no explanation for prediction ${input.predictionId}.`);
    await auditAccess(ctx.db, { userId: ctx.user.id, ip: ctx.request.ip }, "explanation.view", input.model, input.predictionId);
    return view;
  }),

  /** The record as JSON or CSV to save; the export is written to the audit log. */
  export: explanationsProcedure.input(Key.extend({ format: z.enum(["json", "csv"]) })).mutation(async ({ ctx, input }) => {
    const view = await getExplanation(ctx.db, input.model, input.predictionId);
    if (!view) throw new AppError("NOT_FOUND", `Model ${input.model} has no explanation for prediction ${input.predictionId}.`);
    await auditAccess(ctx.db, { userId: ctx.user.id, ip: ctx.request.ip }, "explanation.export", input.model, input.predictionId, { format: input.format });
    return input.format === "json"
      ? { filename: `${input.model}-${input.predictionId}.json`, type: "application/json", content: `${JSON.stringify(explanationJson(view), null, 2)}\n` }
      : { filename: `${input.model}-${input.predictionId}.csv`, type: "text/csv", content: explanationCsv(view) };
  }),
});
