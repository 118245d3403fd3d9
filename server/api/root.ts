import { authRouter } from "./routers/auth";
import { systemRouter } from "./routers/system";
import { tokensRouter } from "./routers/tokens";
import { usersRouter } from "./routers/users";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  auth: authRouter,
  users: usersRouter,
  tokens: tokensRouter,
  system: systemRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
