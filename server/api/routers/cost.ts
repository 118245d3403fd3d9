import { z } from "zod";
import { getCostReport, monthStart } from "@/server/cost/report";
import {
  addPrice,
  BudgetInput,
  deleteBudget,
  deleteSite,
  deleteSource,
  getTopology,
  listBudgets,
  listPrices,
  PriceInput,
  setBudget,
  setSite,
  setSource,
  SiteInput,
  SourceInput,
} from "@/server/cost/settings";
import { RowId } from "../ids";
import { RangeInput, resolveRange } from "../range-input";
import { areaProcedure, createTRPCRouter } from "../trpc";

const costProcedure = areaProcedure("cost");
/** Where clusters run and buckets live is set up by admins, in Settings. */
const settingsProcedure = areaProcedure("settings");

export const COST_PERIODS = ["mtd", "last-month", "range"] as const;
const PeriodInput = RangeInput.extend({ period: z.enum(COST_PERIODS).default("mtd") });

/** The period's bounds: this month so far, last month, or the page's time range. */
export function resolvePeriod(input: z.infer<typeof PeriodInput>) {
  const nowMs = Date.now();
  if (input.period === "range") {
    const range = resolveRange(input);
    return { fromMs: range.startMs, toMs: range.endMs, nowMs, rangeError: range.rangeError };
  }
  const thisMonth = monthStart(nowMs);
  if (input.period === "last-month") return { fromMs: monthStart(thisMonth - 1), toMs: thisMonth, nowMs, rangeError: undefined };
  return { fromMs: thisMonth, toMs: nowMs, nowMs, rangeError: undefined };
}

const actorOf = (ctx: { user: { id: number } | null; request: { ip: string | null } }) => ({ userId: ctx.user?.id, ip: ctx.request.ip });

export const costRouter = createTRPCRouter({
  report: costProcedure.input(PeriodInput).query(async ({ ctx, input }) => {
    const period = resolvePeriod(input);
    return { ...(await getCostReport(ctx.db, period)), period: input.period, rangeError: period.rangeError };
  }),

  prices: costProcedure.query(({ ctx }) => listPrices(ctx.db)),
  addPrice: costProcedure.input(PriceInput).mutation(({ ctx, input }) => addPrice(ctx.db, input, actorOf(ctx))),
  budgets: costProcedure.query(({ ctx }) => listBudgets(ctx.db)),
  setBudget: costProcedure.input(BudgetInput).mutation(({ ctx, input }) => setBudget(ctx.db, input, actorOf(ctx))),
  deleteBudget: costProcedure.input(z.object({ id: RowId })).mutation(async ({ ctx, input }) => {
    await deleteBudget(ctx.db, input.id, actorOf(ctx));
    return { ok: true as const };
  }),

  /** The topology with the clusters that report metrics, so an admin sees which still need a site. */
  topology: settingsProcedure.query(({ ctx }) => getTopology(ctx.db, Date.now())),
  setSite: settingsProcedure.input(SiteInput).mutation(({ ctx, input }) => setSite(ctx.db, input, actorOf(ctx))),
  deleteSite: settingsProcedure.input(z.object({ name: z.string().min(1).max(200) })).mutation(async ({ ctx, input }) => {
    await deleteSite(ctx.db, input.name, actorOf(ctx));
    return { ok: true as const };
  }),
  setSource: settingsProcedure.input(SourceInput).mutation(({ ctx, input }) => setSource(ctx.db, input, actorOf(ctx))),
  deleteSource: settingsProcedure.input(z.object({ id: RowId })).mutation(async ({ ctx, input }) => {
    await deleteSource(ctx.db, input.id, actorOf(ctx));
    return { ok: true as const };
  }),
});
