import { z } from "zod";
import { RowId } from "../ids";
import { AppError } from "@/server/errors";
import { deleteGpuPrice, GpuPriceInput, listGpuPrices, setGpuPrice } from "@/server/query/gpu-prices";
import { annotationsForWorkloads } from "@/server/annotations/annotations";
import { getGpuDetail, getGpuFleet, PROFILING_CSV_LINES } from "@/server/query/gpus";
import { RangeInput, resolveRange as resolve } from "../range-input";
import { areaProcedure, createTRPCRouter } from "../trpc";

const gpuProcedure = areaProcedure("gpus");
/** Prices are money: finance (and admin) set them, on the Cost page. */
const costProcedure = areaProcedure("cost");

export const gpusRouter = createTRPCRouter({
  fleet: gpuProcedure.input(RangeInput).query(async ({ ctx, input }) => {
    const range = resolve(input);
    const fleet = await getGpuFleet(ctx.db, range, undefined, await listGpuPrices(ctx.db));
    return { ...fleet, rangeError: range.rangeError, profilingCsvLines: PROFILING_CSV_LINES };
  }),

  detail: gpuProcedure.input(RangeInput.extend({ key: z.string().min(1).max(300) })).query(async ({ ctx, input }) => {
    const range = resolve(input);
    const detail = await getGpuDetail(ctx.db, input.key, range);
    if (!detail) throw new AppError("NOT_FOUND", `No GPU ${input.key} reported in this time range.`);
    const annotations = await annotationsForWorkloads(ctx.db, detail.read, detail.workloadBands.map((b) => b.workload));
    return { ...detail, annotations, rangeError: range.rangeError };
  }),

  prices: costProcedure.query(({ ctx }) => listGpuPrices(ctx.db)),

  setPrice: costProcedure.input(GpuPriceInput).mutation(({ ctx, input }) => setGpuPrice(ctx.db, input, { userId: ctx.user.id, ip: ctx.request.ip })),

  deletePrice: costProcedure.input(z.object({ id: RowId })).mutation(async ({ ctx, input }) => {
    await deleteGpuPrice(ctx.db, input.id, { userId: ctx.user.id, ip: ctx.request.ip });
    return { ok: true as const };
  }),
});
