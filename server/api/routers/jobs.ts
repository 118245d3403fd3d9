import { z } from "zod";
import { AppError } from "@/server/errors";
import { listAnnotations } from "@/server/annotations/annotations";
import { readCacheClusters } from "@/server/query/cache";
import { readCacheWorkers } from "@/server/query/cache-workers";
import { readModelLoads } from "@/server/query/model-loads";
import { listGpuPrices } from "@/server/query/gpu-prices";
import { getJobDetail, getJobs, planCounterRead } from "@/server/query/jobs";
import { RangeInput, resolveRange } from "../range-input";
import { areaProcedure, createTRPCRouter } from "../trpc";

const jobsProcedure = areaProcedure("jobs");
const cacheProcedure = areaProcedure("cache");

export const jobsRouter = createTRPCRouter({
  list: jobsProcedure.input(RangeInput).query(async ({ ctx, input }) => {
    const range = resolveRange(input);
    const list = await getJobs(ctx.db, range, await listGpuPrices(ctx.db));
    return { ...list, rangeError: range.rangeError };
  }),

  detail: jobsProcedure.input(RangeInput.extend({ name: z.string().min(1).max(300) })).query(async ({ ctx, input }) => {
    const range = resolveRange(input);
    const detail = await getJobDetail(ctx.db, input.name, range, await listGpuPrices(ctx.db));
    if (!detail) throw new AppError("NOT_FOUND", `Job ${input.name} reported no step counters in this time range.`);
    const annotations = await listAnnotations(ctx.db, {
      startMs: detail.read.startMs,
      endMs: detail.read.endMs,
      scopes: {
        job: [input.name],
        ...(detail.job.facts.cacheCluster ? { cluster: [detail.job.facts.cacheCluster] } : {}),
        ...(detail.job.facts.model ? { model: [detail.job.facts.model] } : {}),
      },
    });
    return { ...detail, annotations, rangeError: range.rangeError };
  }),
});

export const cacheRouter = createTRPCRouter({
  clusters: cacheProcedure.input(RangeInput).query(async ({ ctx, input }) => {
    const range = resolveRange(input);
    const read = planCounterRead(range);
    const clusters = await readCacheClusters(ctx.db, read, { nowMs: range.nowMs });
    const { workers, evictions } = await readCacheWorkers(ctx.db, read, { nowMs: range.nowMs });
    const modelLoads = await readModelLoads(ctx.db, read, { nowMs: range.nowMs });
    const annotations = await listAnnotations(ctx.db, {
      startMs: read.startMs,
      endMs: read.endMs,
      scopes: { cluster: clusters.map((c) => c.name) },
    });
    return { read, clusters, workers, evictions, modelLoads, annotations, rangeError: range.rangeError };
  }),
});
