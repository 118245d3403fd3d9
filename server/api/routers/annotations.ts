import { z } from "zod";
import { EpochMs, RowId } from "../ids";
import { ANNOTATION_SCOPES } from "@/db/schema";
import { AnnotationInput, createAnnotation, deleteAnnotation, listAnnotations } from "@/server/annotations/annotations";
import { areaProcedure, createTRPCRouter } from "../trpc";

/** Every role sees the Overview, so this is "any signed-in user" with the user known. */
const signedInProcedure = areaProcedure("overview");

const ListInput = z.object({
  startMs: EpochMs,
  endMs: EpochMs,
  /** Without scopes: every annotation in the range. With: global ones plus those of the named cluster/job/model. */
  scopes: z
    .partialRecord(z.enum(ANNOTATION_SCOPES.filter((s) => s !== "global") as ["cluster", "job", "model"]), z.array(z.string().max(200)).max(50))
    .optional(),
});

/** Annotations are drawn on every page's time charts, so every signed-in role reads and writes them. */
export const annotationsRouter = createTRPCRouter({
  list: signedInProcedure.input(ListInput).query(({ ctx, input }) => listAnnotations(ctx.db, input)),

  create: signedInProcedure.input(AnnotationInput).mutation(({ ctx, input }) => createAnnotation(ctx.db, input, { userId: ctx.user.id })),

  delete: signedInProcedure.input(z.object({ id: RowId })).mutation(async ({ ctx, input }) => {
    await deleteAnnotation(ctx.db, input.id, { userId: ctx.user.id, isAdmin: ctx.user.role === "admin" });
    return { ok: true as const };
  }),
});
