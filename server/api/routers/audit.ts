import { z } from "zod";
import { listAudit } from "@/server/auth/audit";
import { areaProcedure, createTRPCRouter } from "../trpc";

/** The append-only audit log, read by admins; nothing in the app edits or deletes its rows. */
export const auditRouter = createTRPCRouter({
  list: areaProcedure("settings")
    .input(z.object({ action: z.string().max(100).optional(), beforeId: z.number().int().positive().optional() }))
    .query(({ ctx, input }) => listAudit(ctx.db, input)),
});
