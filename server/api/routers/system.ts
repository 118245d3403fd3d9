import { getDatabaseStatus } from "@/server/system/status";
import { adminProcedure, createTRPCRouter } from "../trpc";

export const systemRouter = createTRPCRouter({
  /** Which database driver is in use, where, and which migration is applied: shown in Settings. */
  status: adminProcedure.query(({ ctx }) => getDatabaseStatus(ctx.database)),
});
