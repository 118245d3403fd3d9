import { z } from "zod";
import { AppError } from "@/server/errors";
import { listModels, searchExplanations, SearchInput } from "@/server/explanations/search";
import { auditAccess, explanationJson, getExplanation } from "@/server/explanations/view";
import { explanationCsv } from "@/server/explanations/export";
import { getModelView } from "@/server/explanations/importance";
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
      const view = await getModelView(ctx.db, input.model, input);
      if (!view) throw new AppError("NOT_FOUND", `No explanations of model ${input.model} are stored.`);
      return view;
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
