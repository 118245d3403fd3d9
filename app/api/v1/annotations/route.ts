import { getDatabase } from "@/db";
import { annotationJson, createAnnotation, listAnnotations, parseAnnotationBody } from "@/server/annotations/annotations";
import { authenticateBearer } from "@/server/auth/tokens";
import { AppError, HTTP_STATUS } from "@/server/errors";
import { parsePromTime } from "@/server/http/prom-params";

export const dynamic = "force-dynamic";

const MAX_BODY_BYTES = 64 * 1024;
const DAY_MS = 24 * 3600 * 1000;

function errorResponse(error: unknown): Response {
  if (error instanceof AppError) return Response.json({ error: error.message }, { status: HTTP_STATUS[error.code] });
  throw error;
}

/**
 * POST /api/v1/annotations (token scope metrics:write), e.g. from a deploy pipeline:
 * `{"starts_at": "2026-11-22T10:00:00Z", "kind": "deploy", "title": "loader v2", "scope": {"kind": "job", "value": "llama-7b"}}`.
 * Answers 201 with the stored annotation.
 */
export async function POST(request: Request) {
  try {
    const { db } = await getDatabase();
    const principal = await authenticateBearer(db, request.headers.get("authorization"), "metrics:write");
    const raw = await request.text();
    if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw new AppError("BAD_REQUEST", `The body is over the ${MAX_BODY_BYTES / 1024} KiB limit for one annotation.`);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new AppError("BAD_REQUEST", "The body is not valid JSON.");
    }
    const created = await createAnnotation(db, parseAnnotationBody(body), { tokenId: principal.tokenId });
    return Response.json(annotationJson(created), { status: 201 });
  } catch (error) {
    return errorResponse(error);
  }
}

/** GET /api/v1/annotations?start=&end= (token scope metrics:read): annotations overlapping the range, the last 7 days by default. */
export async function GET(request: Request) {
  try {
    const { db } = await getDatabase();
    await authenticateBearer(db, request.headers.get("authorization"), "metrics:read");
    const params = new URL(request.url).searchParams;
    const endMs = parsePromTime("end", params.get("end"), Date.now());
    const startMs = parsePromTime("start", params.get("start"), endMs - 7 * DAY_MS);
    if (startMs > endMs) throw new AppError("BAD_REQUEST", "start must not be after end.");
    const rows = await listAnnotations(db, { startMs, endMs });
    return Response.json({ annotations: rows.map(annotationJson) });
  } catch (error) {
    return errorResponse(error);
  }
}
