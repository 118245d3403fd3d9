import { decodeOtlpMetrics, encodeOtlpErrorStatus, encodeOtlpExportResponse, otlpEncodingOf } from "@/server/ingest/otlp";
import { receive } from "@/server/ingest/receive";
import { IngestError } from "@/server/ingest/types";

export const dynamic = "force-dynamic";

/**
 * OTLP/HTTP metrics, protobuf or JSON, optionally gzip: the path Prometheus' own OTLP receiver uses, so an exporter
 * with OTEL_EXPORTER_OTLP_ENDPOINT=http://host:3000/api/v1/otlp sends here.
 */
export function POST(request: Request) {
  const contentType = request.headers.get("content-type") ?? "";
  const encoding = otlpEncodingOf(contentType);
  return receive(request, {
    decode: (body, state) =>
      decodeOtlpMetrics(body, { contentType, contentEncoding: request.headers.get("content-encoding") }, state.deltas),
    respond: (decoded) => {
      const { body, contentType: type } = encodeOtlpExportResponse(decoded, encoding ?? "json");
      return new Response(body as BodyInit, { status: 200, headers: { "content-type": type } });
    },
    respondError: (status, message, error) => {
      const { body, contentType: type } = encodeOtlpErrorStatus(
        error instanceof IngestError ? error : new IngestError(message, 400),
        encoding,
        status,
      );
      return new Response(body as BodyInit, { status, headers: { "content-type": type } });
    },
  });
}
