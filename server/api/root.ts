import { annotationsRouter } from "./routers/annotations";
import { auditRouter } from "./routers/audit";
import { authRouter } from "./routers/auth";
import { gpusRouter } from "./routers/gpus";
import { cacheRouter, jobsRouter } from "./routers/jobs";
import { costRouter } from "./routers/cost";
import { explanationsRouter } from "./routers/explanations";
import { overviewRouter } from "./routers/overview";
import { scrapeRouter } from "./routers/scrape";
import { systemRouter } from "./routers/system";
import { tokensRouter } from "./routers/tokens";
import { usersRouter } from "./routers/users";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  auth: authRouter,
  users: usersRouter,
  tokens: tokensRouter,
  system: systemRouter,
  annotations: annotationsRouter,
  scrape: scrapeRouter,
  gpus: gpusRouter,
  jobs: jobsRouter,
  cache: cacheRouter,
  overview: overviewRouter,
  cost: costRouter,
  explanations: explanationsRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
