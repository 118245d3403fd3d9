import { z } from "zod";
import { RowId } from "../ids";
import { TOKEN_SCOPES } from "@/server/auth/roles";
import { createApiToken, listApiTokens, revokeApiToken } from "@/server/auth/tokens";
import { adminProcedure, createTRPCRouter } from "../trpc";

const CreateTokenInput = z.object({
  name: z.string().trim().min(1, "Give the token a name, e.g. the producer that will use it.").max(100),
  scopes: z.array(z.enum(TOKEN_SCOPES)).min(1, "Pick at least one scope."),
});
const TokenId = z.object({ tokenId: RowId });

export const tokensRouter = createTRPCRouter({
  list: adminProcedure.query(({ ctx }) => listApiTokens(ctx.db)),

  /** The token is in this answer and nowhere else: only its hash is stored. */
  create: adminProcedure
    .input(CreateTokenInput)
    .mutation(({ ctx, input }) => createApiToken(ctx.db, input, { userId: ctx.user.id, ip: ctx.request.ip })),

  revoke: adminProcedure.input(TokenId).mutation(async ({ ctx, input }) => {
    await revokeApiToken(ctx.db, input.tokenId, { userId: ctx.user.id, ip: ctx.request.ip });
    return { ok: true as const };
  }),
});
