import { canAccess } from "@/server/auth/roles";
import { listGpuPrices } from "@/server/query/gpu-prices";
import { getOverview } from "@/server/query/overview";
import { RangeInput, resolveRange } from "../range-input";
import { areaProcedure, createTRPCRouter } from "../trpc";

export const overviewRouter = createTRPCRouter({
  /** Every role sees the Overview, each with only the areas its role may open. */
  get: areaProcedure("overview")
    .input(RangeInput)
    .query(async ({ ctx, input }) => {
      const range = resolveRange(input);
      const role = ctx.user.role;
      const overview = await getOverview(ctx.db, range, await listGpuPrices(ctx.db), {
        gpus: canAccess(role, "gpus"),
        jobs: canAccess(role, "jobs"),
        cache: canAccess(role, "cache"),
        cost: canAccess(role, "cost"),
        explanations: canAccess(role, "explanations"),
      });
      return { ...overview, rangeError: range.rangeError };
    }),
});
