import { getDatabase } from "@/db";
import { authenticateBearer } from "@/server/auth/tokens";
import { AppError, HTTP_STATUS } from "@/server/errors";
import { ingestExplanations } from "@/server/explanations/store";
import { jsonItems, StreamError, utf8Chunks } from "@/server/explanations/stream";

export const dynamic = "force-dynamic";

/** A 100,000-record upload of 32 features is about 60 MB; larger ones are sent in parts. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

/**
 * POST /api/v1/explanations (token scope explanations:write): a JSON array or JSON Lines of records (or shap/Alibi
 * batches), read as it streams in. Bad records are reported by index and the rest stored; 409 when the only record
 * conflicts with a stored one; 400 when nothing could be stored.
 */
export async function POST(request: Request) {
  try {
    const { db } = await getDatabase();
    const principal = await authenticateBearer(db, request.headers.get("authorization"), "explanations:write");
    const summary = await ingestExplanations(db, jsonItems(utf8Chunks(request.body, MAX_BODY_BYTES)), { tokenId: principal.tokenId });
    const body = {
      accepted: summary.accepted,
      duplicates: summary.duplicates,
      rejected: summary.rejected,
      conflicts: summary.conflicts,
      problems: summary.problems,
    };
    const status = summary.records === 1 && summary.conflicts === 1 ? 409 : summary.accepted + summary.duplicates === 0 && summary.records > 0 ? 400 : 200;
    return Response.json(body, { status });
  } catch (error) {
    if (error instanceof StreamError) return Response.json({ error: error.message }, { status: error.status });
    if (error instanceof AppError) return Response.json({ error: error.message }, { status: HTTP_STATUS[error.code] });
    throw error;
  }
}
