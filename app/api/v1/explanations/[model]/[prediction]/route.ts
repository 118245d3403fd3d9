import { getDatabase } from "@/db";
import { authenticateBearer } from "@/server/auth/tokens";
import { AppError, HTTP_STATUS } from "@/server/errors";
import { describeRequest } from "@/server/http/request-meta";
import { auditAccess, explanationJson, getExplanation } from "@/server/explanations/view";

export const dynamic = "force-dynamic";

/**
 * GET /api/v1/explanations/<model>/<prediction_id> (token scope explanations:read): the stored record with its
 * quality and top reasons, for a system that must show a customer or a case file why. Audited like a view.
 */
export async function GET(request: Request, { params }: { params: Promise<{ model: string; prediction: string }> }) {
  try {
    const { db } = await getDatabase();
    const principal = await authenticateBearer(db, request.headers.get("authorization"), "explanations:read");
    const { model, prediction } = await params;
    const view = await getExplanation(db, decodeURIComponent(model), decodeURIComponent(prediction));
    if (!view) throw new AppError("NOT_FOUND", `Model ${decodeURIComponent(model)} has no explanation for prediction ${decodeURIComponent(prediction)}.`);
    await auditAccess(db, { tokenId: principal.tokenId, ip: describeRequest(request.headers, request.url).ip }, "explanation.api_read", view.record.model, view.record.predictionId);
    return Response.json(explanationJson(view));
  } catch (error) {
    if (error instanceof AppError) return Response.json({ error: error.message }, { status: HTTP_STATUS[error.code] });
    throw error;
  }
}
